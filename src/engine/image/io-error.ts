// errno failures of the image store and unpacker become SkiffErrors here, once, with the action,
// the path and the errno ("write blob sha256:…: no space left on device").
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
    hint: errno === "ENOSPC" || errno === "EDQUOT" ? "free space under the storage root, then retry" : undefined,
    cause: e,
    details: { path, errno, ...(syscall ? { syscall } : {}) },
  });
}
