// The host's device nodes, read with stat(2): what --device names, and all of /dev for
// --privileged (as dockerd lists them: sorted, walking subdirectories, without /dev/console and
// without the directories that hold per-container or virtual nodes).
import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";
import type { HostDevice } from "./options.ts";

/** Directories of /dev that are not the host's devices to give a container. */
const SKIP_DIRS = new Set(["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"]);

function node(path: string, st: Stats): HostDevice | undefined {
  const type = st.isCharacterDevice() ? "c" : st.isBlockDevice() ? "b" : st.isFIFO() ? "p" : undefined;
  if (!type) return undefined;
  const rdev = st.rdev;
  // glibc's gnu_dev_major/minor: major in bits 8-19 and 32-43, minor in bits 0-7 and 20-31
  const major = Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
  const minor = Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));
  return { path, type, major, minor, fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

function walk(dir: string, out: HostDevice[], top: boolean): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    // lstat: symlinks (/dev/fd, /dev/stdin, by-id links) are not nodes of their own
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) {
      if (!(top && SKIP_DIRS.has(name))) walk(path, out, false);
      continue;
    }
    if (path === "/dev/console") continue;
    const d = node(path, st);
    if (d) out.push(d);
  }
}

/** The node at `path` (symlinks followed), or every node under it if it is a directory; [] if none. */
export function devicesAt(path: string): HostDevice[] {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return [];
  }
  const st = statSync(real, { throwIfNoEntry: false });
  if (!st) return [];
  if (st.isDirectory()) {
    const out: HostDevice[] = [];
    walk(real, out, false);
    return out.map((d) => ({ ...d, path: path.replace(/\/+$/, "") + d.path.slice(real.length) }));
  }
  const d = node(path, st);
  return d ? [d] : [];
}

/** Every device node under /dev, for --privileged. */
export function hostDevices(root = "/dev"): HostDevice[] {
  const out: HostDevice[] = [];
  walk(root, out, true);
  return out;
}
