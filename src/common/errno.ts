// errno numbers as Linux defines them for x86_64 and aarch64 (asm-generic), for naming native failures.
// The tables are made at their first use, not at load: skiff-oci's short commands load this module
// on every call and name an errno only when something fails (issue 9: each object made at start-up
// is page faults of a compiled Bun).
const names = (): Record<number, string> => ({
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC", 9: "EBADF",
  10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 15: "ENOTBLK", 16: "EBUSY", 17: "EEXIST",
  18: "EXDEV", 19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY",
  26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE", 30: "EROFS", 31: "EMLINK", 32: "EPIPE", 33: "EDOM",
  34: "ERANGE", 36: "ENAMETOOLONG", 38: "ENOSYS", 39: "ENOTEMPTY", 40: "ELOOP", 71: "EPROTO", 74: "EBADMSG", 75: "EOVERFLOW",
  88: "ENOTSOCK", 95: "EOPNOTSUPP", 104: "ECONNRESET", 110: "ETIMEDOUT", 111: "ECONNREFUSED", 125: "ECANCELED",
});
const texts = (): Record<string, string> => ({
  EPERM: "operation not permitted", ENOENT: "no such file or directory", ESRCH: "no such process",
  EACCES: "permission denied", EEXIST: "file exists", ENOTDIR: "not a directory", EISDIR: "is a directory",
  EINVAL: "invalid argument", EBUSY: "device or resource busy", ENOSPC: "no space left on device",
  EROFS: "read-only file system", ENOSYS: "function not implemented", ELOOP: "too many levels of symbolic links",
  EXDEV: "cross-device link", ENODEV: "no such device", ECONNREFUSED: "connection refused", EPIPE: "broken pipe",
  ENAMETOOLONG: "file name too long", ENOEXEC: "exec format error", EPROTO: "protocol error", ENOMEM: "out of memory",
  EAGAIN: "resource temporarily unavailable", ECANCELED: "operation canceled", ENXIO: "no such device or address",
  ETXTBSY: "text file busy", EMFILE: "too many open files", EOPNOTSUPP: "operation not supported",
  ECHILD: "no child processes", EBADMSG: "bad message", ENOTTY: "inappropriate ioctl for device",
});

let NAMES: Record<number, string> | undefined;
let TEXT: Record<string, string> | undefined;
export const errnoName = (n: number): string => (NAMES ??= names())[n] ?? `errno ${n}`;
export const errnoText = (name: string): string => (TEXT ??= texts())[name] ?? name.toLowerCase();

/** The errno name of a Node/Bun system error ("ENOENT"), or undefined. */
export const errnoOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : undefined;
