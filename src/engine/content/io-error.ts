// errno failures of the image store and unpacker become SkiffErrors here, once, with the action,
// the path, the errno ("write blob sha256:…: no space left on device") and a hint for each errno.
import { errnoOf, errnoText } from "../../common/errno.ts";
import { isSkiffError, SkiffError, type ErrorKind } from "../../common/errors.ts";

const KIND: Record<string, ErrorKind> = {
  ENOSPC: "unavailable",
  EDQUOT: "unavailable",
  ENOENT: "not_found",
  EEXIST: "already_exists",
  EACCES: "failed_precondition",
  EPERM: "failed_precondition",
  EROFS: "failed_precondition",
  EOPNOTSUPP: "failed_precondition",
};

/** Wraps an errno error (node:fs or common/sys) as IMAGE_IO; SkiffErrors and programmer errors pass through. */
export function ioError(action: string, path: string, e: unknown, code = "IMAGE_IO"): unknown {
  if (isSkiffError(e)) return e;
  const errno = errnoOf(e);
  if (!errno || !/^E[A-Z0-9]+$/.test(errno)) return e;
  const syscall = (e as { syscall?: string }).syscall;
  return new SkiffError({
    layer: "image",
    code,
    kind: KIND[errno] ?? "internal",
    message: `${action}: ${errnoText(errno)}`,
    hint: ioHint(errno, path),
    cause: e,
    details: { path, errno, ...(syscall ? { syscall } : {}) },
  });
}

/** What to do about an errno of the image store, whose files live under the data root. */
export function ioHint(errno: string, path: string): string {
  switch (errno) {
    case "ENOSPC":
    case "EDQUOT":
      return "free space under the storage root, then retry";
    case "ENOENT":
    case "ENOTDIR":
      return `a file of the store is missing at ${JSON.stringify(path)}: was the data root changed or cleaned while skiffd ran? retry; if it persists, remove the image and pull it again`;
    case "EACCES":
    case "EPERM":
      return "skiffd needs root, and a --data-root that root may write (not an NFS export that squashes root)";
    case "EROFS":
      return "the data root's file system is read-only: remount it read-write, or start skiffd with another --data-root";
    case "EOPNOTSUPP":
      return "the data root's file system does not support this operation (overlay whiteouts, xattrs or device nodes): put --data-root on ext4 or xfs";
    case "EEXIST":
      return "a file of the store is in the way: another skiffd on the same data root? retry once it is stopped";
    case "EMFILE":
    case "ENFILE":
      return "too many open files: raise skiffd's limit (ulimit -n, LimitNOFILE=) and retry";
    case "ENOMEM":
      return "the host is out of memory: free some, then retry";
    default:
      return "an I/O error of the data root's file system: check its disk and the kernel log (dmesg), then retry";
  }
}
