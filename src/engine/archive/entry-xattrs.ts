// An archive entry's extended attributes, set on what was made from it as dockerd applies them:
// overlayfs's own (trusted.overlay.*: opaque, redirect) are never taken from an archive, and a file
// system without xattrs drops them quietly. Image layers and docker cp's tars alike.
import { errnoOf } from "../../common/errno.ts";
import * as sys from "../../common/sys.ts";

/** Sets `xattrs` on `path` (lsetxattr: a symlink itself, never followed). */
export function setEntryXattrs(path: string, xattrs: ReadonlyMap<string, Uint8Array>): void {
  for (const [name, value] of xattrs) {
    if (name.startsWith("trusted.overlay.")) continue;
    try {
      sys.lsetxattr(path, name, value);
    } catch (err) {
      if (errnoOf(err) !== "ENOTSUP" && errnoOf(err) !== "EOPNOTSUPP") throw err;
    }
  }
}
