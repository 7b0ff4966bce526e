// mount(8)-style options as runc accepts them, split into flags, propagation and fs data.

export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, SYNCHRONOUS: 16, REMOUNT: 32, MANDLOCK: 64, DIRSYNC: 128,
  NOSYMFOLLOW: 256, NOATIME: 1024, NODIRATIME: 2048, BIND: 4096, MOVE: 8192, REC: 16384, SILENT: 32768,
  UNBINDABLE: 1 << 17, PRIVATE: 1 << 18, SLAVE: 1 << 19, SHARED: 1 << 20, RELATIME: 1 << 21,
  I_VERSION: 1 << 23, STRICTATIME: 1 << 24, LAZYTIME: 1 << 25,
} as const;

/** option → [clear?, flag] */
const FLAGS: Record<string, [boolean, number]> = {
  ro: [false, MS.RDONLY], rw: [true, MS.RDONLY],
  suid: [true, MS.NOSUID], nosuid: [false, MS.NOSUID],
  dev: [true, MS.NODEV], nodev: [false, MS.NODEV],
  exec: [true, MS.NOEXEC], noexec: [false, MS.NOEXEC],
  sync: [false, MS.SYNCHRONOUS], async: [true, MS.SYNCHRONOUS],
  dirsync: [false, MS.DIRSYNC], remount: [false, MS.REMOUNT],
  mand: [false, MS.MANDLOCK], nomand: [true, MS.MANDLOCK],
  atime: [true, MS.NOATIME], noatime: [false, MS.NOATIME],
  diratime: [true, MS.NODIRATIME], nodiratime: [false, MS.NODIRATIME],
  bind: [false, MS.BIND], rbind: [false, MS.BIND | MS.REC],
  relatime: [false, MS.RELATIME], norelatime: [true, MS.RELATIME],
  strictatime: [false, MS.STRICTATIME], nostrictatime: [true, MS.STRICTATIME],
  silent: [false, MS.SILENT], loud: [true, MS.SILENT],
  iversion: [false, MS.I_VERSION], noiversion: [true, MS.I_VERSION],
  lazytime: [false, MS.LAZYTIME], nolazytime: [true, MS.LAZYTIME],
  symfollow: [true, MS.NOSYMFOLLOW], nosymfollow: [false, MS.NOSYMFOLLOW],
};

export const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

/** MOUNT_ATTR_* of mount_setattr(2), for the recursive r* options. */
const ATTR = { RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, ATIME_MASK: 0x70, RELATIME: 0x0, NOATIME: 0x10, STRICTATIME: 0x20, NODIRATIME: 0x80, NOSYMFOLLOW: 0x200000 } as const;

/** option → [clear?, attr]; the atime ones also clear the whole atime field, as the kernel wants. */
const RECURSIVE: Record<string, [boolean, number]> = {
  rro: [false, ATTR.RDONLY], rrw: [true, ATTR.RDONLY],
  rnosuid: [false, ATTR.NOSUID], rsuid: [true, ATTR.NOSUID],
  rnodev: [false, ATTR.NODEV], rdev: [true, ATTR.NODEV],
  rnoexec: [false, ATTR.NOEXEC], rexec: [true, ATTR.NOEXEC],
  rnodiratime: [false, ATTR.NODIRATIME], rdiratime: [true, ATTR.NODIRATIME],
  rrelatime: [false, ATTR.RELATIME], rnorelatime: [true, ATTR.RELATIME],
  rnoatime: [false, ATTR.NOATIME], ratime: [true, ATTR.NOATIME],
  rstrictatime: [false, ATTR.STRICTATIME], rnostrictatime: [true, ATTR.STRICTATIME],
  rnosymfollow: [false, ATTR.NOSYMFOLLOW], rsymfollow: [true, ATTR.NOSYMFOLLOW],
};
const ATIME_OPTIONS = new Set(["rrelatime", "rnorelatime", "rnoatime", "ratime", "rstrictatime", "rnostrictatime"]);

/** Options that runc takes and acts on elsewhere, not passed to the kernel. */
const RUNTIME_ONLY = new Set(["tmpcopyup", "idmap", "ridmap"]);

export interface ParsedOptions {
  flags: number;
  propagation: number[];
  data: string[];
  bind: boolean;
  recursive: boolean;
  /** mount_setattr(AT_RECURSIVE) attributes to set and clear, from the r* options. */
  attrSet: number;
  attrClear: number;
}

export function parseMountOptions(options: readonly string[]): ParsedOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  let attrSet = 0;
  let attrClear = 0;
  for (const option of options) {
    const flag = FLAGS[option];
    const attr = RECURSIVE[option];
    if (flag) flags = flag[0] ? flags & ~flag[1] : flags | flag[1];
    else if (attr) {
      if (ATIME_OPTIONS.has(option)) attrClear |= ATTR.ATIME_MASK;
      if (attr[0]) {
        attrClear |= attr[1];
        attrSet &= ~attr[1];
      } else {
        attrSet |= attr[1];
        if (!ATIME_OPTIONS.has(option)) attrClear &= ~attr[1];
      }
    }
    else if (option in PROPAGATION) propagation.push(PROPAGATION[option]!);
    else if (!RUNTIME_ONLY.has(option)) data.push(option);
  }
  return { flags, propagation, data, bind: (flags & MS.BIND) !== 0, recursive: (flags & MS.REC) !== 0, attrSet, attrClear };
}
