// Path resolution scoped to a container's root: openat2(2) with RESOLVE_IN_ROOT, which the kernel
// performs atomically — every symlink (absolute or relative) and every ".." is resolved as if the
// root directory were "/", so nothing a container holds can lead a lookup out of it, whatever it
// changes meanwhile. Neither node:fs nor Bun offers openat2, so it is called through libc's
// syscall(2) with bun:ffi.
//
// Contract: what resolves returns an O_PATH file descriptor (the caller closes it). Operations then
// name single components under it through /proc/self/fd/N/NAME: the kernel jumps to the
// descriptor's own directory (no path text is re-resolved) and the one component is never a
// symlink that is followed (lstat, readlink, mkdir, symlink, O_NOFOLLOW opens), so no step leaves
// the root either.
import { dlopen, ptr, read as readMemory } from "bun:ffi";
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, type BigIntStats, type Stats } from "node:fs";
import { errnoName, errnoText } from "../../../common/errno.ts";

const SYS_OPENAT2 = 437; // x86_64 and aarch64 alike (the generic syscall table)
export const O_PATH = 0o10000000;
export const O_CLOEXEC = 0o2000000;
const RESOLVE_NO_MAGICLINKS = 0x02;
const RESOLVE_NO_SYMLINKS = 0x04;
const RESOLVE_BENEATH = 0x08;
const RESOLVE_IN_ROOT = 0x10;

let libc: ReturnType<typeof open> | undefined;
function open() {
  return dlopen("libc.so.6", {
    syscall: { args: ["i64", "i64", "ptr", "ptr", "u64"], returns: "i64" },
    __errno_location: { args: [], returns: "ptr" },
  }).symbols;
}

/** An error shaped as node:fs's (code, errno, syscall, path), for the callers' one mapping. */
export function sysError(syscall: string, errno: number, path: string): NodeJS.ErrnoException {
  const code = errnoName(errno);
  const e = new Error(`${code}: ${errnoText(code)}, ${syscall} '${path}'`) as NodeJS.ErrnoException;
  Object.assign(e, { code, errno: -errno, syscall, path });
  return e;
}

/**
 * openat2(dirfd, path, flags | O_CLOEXEC, resolve): by default RESOLVE_IN_ROOT (dirfd is "/");
 * with `beneath` RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS (a walk that must not follow anything);
 * with `under` RESOLVE_BENEATH (relative symlinks that stay under dirfd are followed, an absolute
 * one or a climb above it fails with EXDEV). Magic links never. EAGAIN (a rename raced the
 * lookup) is retried.
 */
export function openat2(dirfd: number, path: string, flags: number, opts: { beneath?: boolean; under?: boolean; mode?: number } = {}): number {
  const lib = (libc ??= open());
  const resolve = opts.beneath ? RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS : opts.under ? RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS : RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const how = new BigUint64Array([BigInt(flags | O_CLOEXEC), BigInt(opts.mode ?? 0), BigInt(resolve)]);
  const name = Buffer.from(`${path || "."}\0`);
  for (let tries = 0; ; tries++) {
    const fd = Number(lib.syscall(SYS_OPENAT2, dirfd, ptr(name), ptr(how), 24));
    if (fd >= 0) return fd;
    const errno = readMemory.i32(lib.__errno_location()!, 0);
    if (errno === 11 /* EAGAIN */ && tries < 100) continue;
    throw sysError("openat2", errno, path);
  }
}

/** The mount a descriptor's object is on (its mnt_id in /proc/self/fdinfo). */
const mountIdOf = (fd: number): string | undefined => /^mnt_id:\s*(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "latin1"))?.[1];

/** Whether `name` under the directory `fd` is the root of a mount of its own (in a container: a
 *  bind mount, volume or tmpfs, or the daemon's /etc/hosts, /etc/hostname, /etc/resolv.conf):
 *  unlinking it there would detach that mount from the container. A symlink is none. */
export function isMountRoot(fd: number, name: string): boolean {
  let own: number;
  try {
    own = openat2(fd, name, O_PATH | constants.O_NOFOLLOW, { beneath: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP") return false;
    throw e;
  }
  try {
    return mountIdOf(own) !== mountIdOf(fd);
  } finally {
    closeSync(own);
  }
}

/** The path through which single-component operations reach under `fd`. */
export const fdPath = (fd: number, name?: string): string => (name === undefined || name === "" ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`);

/**
 * The stat of `name` under `fd` without following it, or of `fd`'s own object when `name` is
 * empty (an lstat of /proc/self/fd/N would describe the magic link, not the object).
 */
export function statAt(fd: number, name: string): Stats {
  return name ? lstatSync(fdPath(fd, name)) : fstatSync(fd);
}

export function statAtBig(fd: number, name: string): BigIntStats {
  return name ? lstatSync(fdPath(fd, name), { bigint: true }) : fstatSync(fd, { bigint: true });
}

/** An O_PATH directory descriptor of `dir` (a host path the daemon owns, or /proc/PID/root). */
export function openRoot(dir: string): number {
  return openSync(dir, O_PATH | constants.O_DIRECTORY | O_CLOEXEC);
}

/** Runs `fn` with a descriptor, closed afterwards whatever happens. */
export function withFd<T>(fd: number, fn: (fd: number) => T): T {
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

export async function withFdAsync<T>(fd: number, fn: (fd: number) => Promise<T>): Promise<T> {
  try {
    return await fn(fd);
  } finally {
    closeSync(fd);
  }
}
