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

/** Options that runc takes and acts on elsewhere, not passed to the kernel. */
const RUNTIME_ONLY = new Set(["tmpcopyup", "idmap", "ridmap"]);

export interface ParsedOptions {
  flags: number;
  propagation: number[];
  data: string[];
  bind: boolean;
  recursive: boolean;
}

export function parseMountOptions(options: readonly string[]): ParsedOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  for (const option of options) {
    const flag = FLAGS[option];
    if (flag) flags = flag[0] ? flags & ~flag[1] : flags | flag[1];
    else if (option in PROPAGATION) propagation.push(PROPAGATION[option]!);
    else if (!RUNTIME_ONLY.has(option)) data.push(option);
  }
  return { flags, propagation, data, bind: (flags & MS.BIND) !== 0, recursive: (flags & MS.REC) !== 0 };
}
