// Who owns what docker cp copies into a container, as dockerd decides it: without -a
// (copyUIDGID false) each entry keeps the tar's uid/gid (docker's CLI puts the host file's owners
// there); with -a every entry belongs to the container's configured user (-u, else the image's
// USER), resolved in the container's own /etc/passwd and /etc/group; with -a and no user set, the
// tar's owners again (dockerd's tarCopyOptions: its default options; a new-user trial found root).
import { closeSync, constants, readFileSync } from "node:fs";
import { resolveUser, type FileReader } from "../../images/index.ts";
import { openat2 } from "./scoped-open.ts";

/** The owner every extracted entry gets, or undefined to keep the tar's. */
export function copyOwner(copyUIDGID: boolean, user: string | undefined, readFile: FileReader): { uid: number; gid: number } | undefined {
  if (!copyUIDGID || !user) return undefined;
  const u = resolveUser(user, readFile);
  return { uid: u.uid, gid: u.gid };
}

/** A reader of files inside the root `rootFd` (symlinks resolved in it); a missing file reads as undefined. */
export function readerIn(rootFd: number): FileReader {
  return (path) => {
    let fd: number;
    try {
      fd = openat2(rootFd, path, constants.O_RDONLY);
    } catch {
      return undefined;
    }
    try {
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  };
}
