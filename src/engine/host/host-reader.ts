// The host as skiff doctor reads it: files of /proc, /sys and the rest under a root prefix ("/" on
// the real host; a fake tree in tests, for the hosts this machine cannot be: cgroup v2 only, no
// overlay, no user namespaces …), and the free space of a file system. Reads never throw: what
// cannot be read is absent, which the checks word as such.
import { existsSync, readdirSync, readFileSync, statfsSync } from "node:fs";
import { dirname, join } from "node:path";
import { probeSyscall } from "../../common/sys.ts";

export interface DiskSpace {
  /** Bytes available to an unprivileged writer. */
  available: number;
  total: number;
}

export interface HostReader {
  /** The prefix every path is read under ("/" on the real host). */
  readonly root: string;
  /** A file's text, or undefined when it cannot be read. */
  read(path: string): string | undefined;
  exists(path: string): boolean;
  /** A directory's entries, or [] when it cannot be read. */
  list(path: string): string[];
  /** The space of the file system holding `path` (or its nearest existing parent). */
  space(path: string): DiskSpace | undefined;
  /** A system call run for real ("ok", or the errno's name: ENOSYS when the kernel lacks it);
   * only the real host has one (a fake tree cannot run calls), and only for the calls it knows. */
  syscall?(name: "openat2" | "close_range"): string | undefined;
}

/** A reader of the host under `root`; `space` may be given (a fake tree has no file systems of its own). */
export function hostReader(root = "/", space?: (path: string) => DiskSpace | undefined, syscall?: HostReader["syscall"]): HostReader {
  const at = (p: string) => join(root, p);
  return {
    root,
    read: (p) => {
      try {
        return readFileSync(at(p), "utf8");
      } catch {
        return undefined;
      }
    },
    exists: (p) => existsSync(at(p)),
    list: (p) => {
      try {
        return readdirSync(at(p));
      } catch {
        return [];
      }
    },
    space: space ?? ((p) => statfsOf(at(p))),
    syscall: syscall ?? (root === "/" ? probeSyscall : undefined),
  };
}

function statfsOf(path: string): DiskSpace | undefined {
  for (let p = path; ; p = dirname(p)) {
    try {
      const s = statfsSync(p);
      return { available: Number(s.bavail) * Number(s.bsize), total: Number(s.blocks) * Number(s.bsize) };
    } catch {
      if (p === dirname(p)) return undefined;
    }
  }
}
