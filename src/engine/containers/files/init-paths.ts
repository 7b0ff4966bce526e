// The mount points a container's runtime makes in its writable layer (the network files bind
// mounted over /etc, the kernel file systems), which docker keeps in a layer of their own (the
// "-init" layer) below the container's, so that diff and commit never show them. Here they are
// in the upper dir itself: diff and commit leave them out while they are bare placeholders (an
// empty file, an empty directory); anything the container put there itself is kept.
import type { Stats } from "node:fs";

const INIT = new Set(["etc/hostname", "etc/hosts", "etc/resolv.conf", ".dockerenv", "dev/console", "dev/pts", "dev/shm", "proc", "sys", "dev"]);

/** Whether `rel` (relative to the root, no leading "/") is a placeholder of docker's init layer; `empty` tells whether a directory is empty. */
export function isInitPlaceholder(rel: string, st: Stats, empty: () => boolean): boolean {
  if (!INIT.has(rel)) return false;
  if (st.isFile()) return st.size === 0;
  return st.isDirectory() && empty();
}
