// The files docker's "-init" layer gives every container (/.dockerenv, which programs look for to
// know they run in a container, and /etc/mtab → /proc/mounts), and the mount points a container's
// runtime makes in its writable layer (the network files bound over /etc, the kernel file
// systems). docker keeps them in a layer of their own below the container's, so that diff and
// commit never show them. Here they are in the upper dir itself: diff and commit leave them out
// while they are bare placeholders (an empty file, an empty directory, the mtab link); anything the
// container put there itself is kept.
import { existsSync, lstatSync, mkdirSync, symlinkSync, writeFileSync, type Stats } from "node:fs";
import { join } from "node:path";

const INIT = new Set(["etc/hostname", "etc/hosts", "etc/resolv.conf", ".dockerenv", "etc/mtab", "dev/console", "dev/pts", "dev/shm", "proc", "sys", "dev"]);

/** Whether `rel` (relative to the root, no leading "/") is a placeholder of docker's init layer; `empty` tells whether a directory is empty. */
export function isInitPlaceholder(rel: string, st: Stats, empty: () => boolean): boolean {
  if (!INIT.has(rel)) return false;
  if (st.isFile()) return st.size === 0;
  if (st.isSymbolicLink()) return rel === "etc/mtab";
  return st.isDirectory() && empty();
}

/** Writes /.dockerenv (empty, 0755 as dockerd's) and /etc/mtab → /proc/mounts into a container's
 *  upper dir where they are not yet: over the image's own, as docker's init layer does. */
export function writeInitFiles(upper: string): void {
  const present = (p: string) => {
    try {
      lstatSync(p);
      return true;
    } catch {
      return false;
    }
  };
  const env = join(upper, ".dockerenv");
  if (!present(env)) writeFileSync(env, "", { mode: 0o755 });
  const etc = join(upper, "etc");
  if (!existsSync(etc)) mkdirSync(etc, { mode: 0o755 });
  const mtab = join(etc, "mtab");
  if (!present(mtab)) symlinkSync("/proc/mounts", mtab);
}
