// The few host-side system calls neither node:fs nor Bun offers — mknod, extended attributes,
// utimensat/futimens with nanoseconds and without following symlinks, mount, umount — called in libc
// through Bun's FFI, and the plain file calls of skiff-oci's short commands (see "Files" below).
// libc is opened on first use. Failures throw errors shaped like node:fs's (code, errno, syscall,
// path), so callers map them to typed errors at their own edge together with node:fs errors.
//
// Bun.FFI, not the bun:ffi module: bun:ffi is a JS module over Bun.FFI (in Bun 1.4: dlopen throws
// the Error the native dlopen returns, and binds close; ptr and read are Bun.FFI's own), and
// loading it cost every skiff-oci command ~0.6 ms (its source is compiled at the first import).
// The calls below are the same native functions with the same argument and result conversions.
import type * as BunFfi from "bun:ffi";
import type { FFIFunction, Library, Pointer } from "bun:ffi";
import { errnoName, errnoText } from "./errno.ts";

type Ffi = Pick<typeof BunFfi, "dlopen" | "ptr" | "read">;
let ffiObject: Ffi | undefined;
const ffi = (): Ffi => (ffiObject ??= (Bun as unknown as { FFI: Ffi }).FFI);

/** bun:ffi's dlopen: Bun.FFI's returns its failure instead of throwing it. */
function dlopen<T extends Record<string, FFIFunction>>(path: string, symbols: T): Library<T> {
  const lib = ffi().dlopen(path, symbols) as Library<T> | Error;
  if (lib instanceof Error) throw lib;
  return lib;
}
const ptr = (view: NodeJS.TypedArray | ArrayBufferLike | DataView): Pointer => ffi().ptr(view);
const readMemory = { i32: (p: Parameters<Ffi["read"]["i32"]>[0], offset: number): number => ffi().read.i32(p, offset) };

// (the symbol tables are made when their library is opened: the short commands never open these)
const symbols = () => ({
  mknod: { args: ["ptr", "u32", "u64"], returns: "i32" },
  lsetxattr: { args: ["ptr", "ptr", "ptr", "usize", "i32"], returns: "i32" },
  lgetxattr: { args: ["ptr", "ptr", "ptr", "usize"], returns: "i64" },
  llistxattr: { args: ["ptr", "ptr", "usize"], returns: "i64" },
  lremovexattr: { args: ["ptr", "ptr"], returns: "i32" },
  utimensat: { args: ["i32", "ptr", "ptr", "i32"], returns: "i32" },
  futimens: { args: ["i32", "ptr"], returns: "i32" },
  mount: { args: ["ptr", "ptr", "ptr", "u64", "ptr"], returns: "i32" },
  umount2: { args: ["ptr", "i32"], returns: "i32" },
  memfd_create: { args: ["ptr", "u32"], returns: "i32" },
  fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
}) as const satisfies Record<string, FFIFunction>;

/** The file calls (below) and the CLI's socket calls, bound on their own: bun:ffi compiles a stub
 * per symbol when it opens the library, and the short commands and the CLI need only these. */
const FILE_SYMBOLS = {
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  connect: { args: ["i32", "ptr", "u32"], returns: "i32" },
  setsockopt: { args: ["i32", "i32", "i32", "ptr", "u32"], returns: "i32" },
  open: { args: ["ptr", "i32", "u32"], returns: "i32" },
  read: { args: ["i32", "ptr", "usize"], returns: "i64" },
  write: { args: ["i32", "ptr", "usize"], returns: "i64" },
  close: { args: ["i32"], returns: "i32" },
  access: { args: ["ptr", "i32"], returns: "i32" },
  unlink: { args: ["ptr"], returns: "i32" },
  rmdir: { args: ["ptr"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
} as const satisfies Record<string, FFIFunction>;

type Libc = Library<ReturnType<typeof symbols>>["symbols"];
type FileLibc = Library<typeof FILE_SYMBOLS>["symbols"];
let libc: Libc | undefined;
let fileLibc: FileLibc | undefined;

function lib(): Libc {
  return (libc ??= dlopen("libc.so.6", symbols()).symbols);
}

function files(): FileLibc {
  return (fileLibc ??= dlopen("libc.so.6", FILE_SYMBOLS).symbols);
}

/** errno of the last failed call (thread-local: either binding's __errno_location finds it). */
const errno = (): number => readMemory.i32((fileLibc ?? lib()).__errno_location()!, 0);

export interface SysError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path?: string;
}

function fail(syscall: string, path: string | undefined): never {
  const n = errno();
  const code = errnoName(n);
  const err = new Error(`${code}: ${errnoText(code)}, ${syscall}${path ? ` '${path}'` : ""}`) as SysError;
  err.code = code;
  err.errno = -n;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  throw err;
}

let encoder: TextEncoder | undefined;
const encode = (s: string): Uint8Array => (encoder ??= new TextEncoder()).encode(s);
const cstr = (s: string): Uint8Array => encode(`${s}\0`);
const ptrOf = (b: Uint8Array | null): Pointer | null => (b && b.byteLength ? ptr(b) : null);

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

/** glibc's makedev: the 64-bit dev_t layout of Linux. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major >>> 0);
  const mi = BigInt(minor >>> 0);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

/** mknod(2): `mode` includes the file type (S_IFCHR, S_IFBLK, S_IFIFO) and permission bits (umask applies). */
export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  if (lib().mknod(cstr(path), mode >>> 0, makedev(major, minor)) !== 0) fail("mknod", path);
}

/** lsetxattr(2): sets an extended attribute on the path itself, never a symlink's target. */
export function lsetxattr(path: string, name: string, value: Uint8Array | string, flags = 0): void {
  const v = typeof value === "string" ? Buffer.from(value) : value;
  if (lib().lsetxattr(cstr(path), cstr(name), ptrOf(v), v.byteLength, flags) !== 0) fail("lsetxattr", path);
}

/** lgetxattr(2); undefined when the attribute is absent (ENODATA). */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const p = cstr(path);
  const n = cstr(name);
  for (;;) {
    const size = Number(lib().lgetxattr(p, n, null, 0));
    if (size < 0) return xattrAbsent("lgetxattr", path);
    const buf = Buffer.alloc(size);
    const got = Number(lib().lgetxattr(p, n, ptrOf(buf), size));
    if (got >= 0) return buf.subarray(0, got);
    if (readMemory.i32(lib().__errno_location()!, 0) !== 34) return xattrAbsent("lgetxattr", path); // ERANGE: it grew; ask again
  }
}

function xattrAbsent(syscall: string, path: string): undefined {
  if (readMemory.i32(lib().__errno_location()!, 0) === 61) return undefined; // ENODATA
  return fail(syscall, path);
}

/** llistxattr(2): the names of all extended attributes on the path itself. */
export function llistxattr(path: string): string[] {
  const p = cstr(path);
  for (;;) {
    const size = Number(lib().llistxattr(p, null, 0));
    if (size < 0) fail("llistxattr", path);
    if (size === 0) return [];
    const buf = Buffer.alloc(size);
    const got = Number(lib().llistxattr(p, ptrOf(buf), size));
    if (got >= 0) return buf.subarray(0, got).toString("latin1").split("\0").filter(Boolean);
    if (readMemory.i32(lib().__errno_location()!, 0) !== 34) fail("llistxattr", path);
  }
}

export function lremovexattr(path: string, name: string): void {
  if (lib().lremovexattr(cstr(path), cstr(name)) !== 0) fail("lremovexattr", path);
}

export interface Timespec {
  sec: number;
  nsec: number;
}

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;

/** utimensat(2) with nanoseconds; by default it sets the times of a symlink itself. */
export function utimensat(path: string, atime: Timespec, mtime: Timespec, opts: { follow?: boolean } = {}): void {
  const ts = new BigInt64Array([BigInt(atime.sec), BigInt(atime.nsec), BigInt(mtime.sec), BigInt(mtime.nsec)]);
  if (lib().utimensat(AT_FDCWD, cstr(path), ptr(ts), opts.follow ? 0 : AT_SYMLINK_NOFOLLOW) !== 0) fail("utimensat", path);
}

/** futimens(3): the times of an open file, with nanoseconds (no path lookup). */
export function futimens(fd: number, atime: Timespec, mtime: Timespec): void {
  const ts = new BigInt64Array([BigInt(atime.sec), BigInt(atime.nsec), BigInt(mtime.sec), BigInt(mtime.nsec)]);
  if (lib().futimens(fd, ptr(ts)) !== 0) fail("futimens", undefined);
}

/** mount(2); `flags` are MS_* bits, `data` the filesystem's option string. */
export function mount(source: string, target: string, fstype: string, flags = 0, data?: string): void {
  const d = data === undefined ? null : cstr(data);
  if (lib().mount(cstr(source), cstr(target), cstr(fstype), BigInt(flags), d) !== 0) fail("mount", target);
}

export const MNT_DETACH = 2;

/** umount2(2); `flags` e.g. MNT_DETACH. */
export function umount(target: string, flags = 0): void {
  if (lib().umount2(cstr(target), flags) !== 0) fail("umount2", target);
}

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_SNDBUFFORCE = 32;

/**
 * A blocking, close-on-exec stream connection to the unix socket at `path` (what Bun's own sockets
 * cannot give: a descriptor to read and write synchronously). `sendBuffer` asks for a send buffer of
 * that size, past wmem_max where allowed (root's SO_SNDBUFFORCE), else as large as it may be.
 */
export function connectUnix(path: string, sendBuffer?: number): number {
  const name = Buffer.from(path);
  if (name.byteLength > 107 || name.includes(0)) throw Object.assign(new Error(`ENAMETOOLONG: file name too long, connect '${path}'`), { code: "ENAMETOOLONG", syscall: "connect", path });
  const fd = files().socket(AF_UNIX, SOCK_STREAM | O_CLOEXEC, 0);
  if (fd < 0) fail("socket", path);
  if (sendBuffer) {
    const size = new Int32Array([sendBuffer]);
    if (files().setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, ptr(size), 4) !== 0) files().setsockopt(fd, SOL_SOCKET, SO_SNDBUF, ptr(size), 4);
  }
  const addr = new Uint8Array(110);
  addr[0] = AF_UNIX;
  addr.set(name, 2);
  for (;;) {
    if (files().connect(fd, ptr(addr), addr.byteLength) === 0) return fd;
    if (errno() === EINTR) continue;
    try {
      fail("connect", path);
    } finally {
      close(fd);
    }
  }
}

// Files. Loading node:fs costs a compiled skiff-oci about 3M instructions and 140 page faults
// (measured: 2-3 ms of `state`, whose budget is the ~4 ms runc spends beyond its own start-up), so
// what its short commands touch (the state store, cgroup files, the exec fifo, stdout, the log)
// goes through these. Flags as x86_64 and aarch64 (asm-generic) define them.
export const O_RDONLY = 0;
export const O_WRONLY = 0o1;
export const O_CREAT = 0o100;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
const EINTR = 4;
const EINVAL = 22;

/** bytes[offset, offset + length) without subarray, a JavaScript builtin whose first call costs a
 *  compiled Bun ~0.1 ms (skiff-oci's short commands read and write here: issue 9). */
function view(bytes: Uint8Array, offset: number, length: number): Uint8Array {
  return offset === 0 && length === bytes.byteLength ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset + offset, length);
}

// The file calls below take their path in one buffer made once, and readText reads into one:
// each fresh allocation touches fresh memory, whose page faults are most of what a short command
// costs beyond Bun's start-up (issue 9). One path per call, used before the call returns.
const PATH_MAX = 4096;
let pathBuffer: Uint8Array | undefined;

/** A path as C takes it, in the shared buffer. A NUL inside would cut it short: refused, as
 *  node:fs refuses it; so is a path longer than PATH_MAX, as the kernel does. */
function cpath(path: string, syscall: string): Uint8Array {
  if (path.includes("\0")) throw Object.assign(new TypeError(`path must not contain a NUL byte: ${JSON.stringify(path)}`), { code: "ERR_INVALID_ARG_VALUE" });
  const buf = (pathBuffer ??= new Uint8Array(PATH_MAX));
  const { read, written } = (encoder ??= new TextEncoder()).encodeInto(path, buf);
  if (read < path.length || written >= PATH_MAX) throw Object.assign(new Error(`ENAMETOOLONG: ${errnoText("ENAMETOOLONG")}, ${syscall} '${path}'`), { code: "ENAMETOOLONG", errno: -36, syscall, path });
  buf[written] = 0;
  return buf;
}

/** open(2), always close-on-exec; returns the fd. */
export function open(path: string, flags: number, mode = 0o666): number {
  for (;;) {
    const fd = files().open(cpath(path, "open"), flags | O_CLOEXEC, mode);
    if (fd >= 0) return fd;
    if (errno() !== EINTR) fail("open", path);
  }
}

export function close(fd: number): void {
  files().close(fd); // as close(2) on Linux: the fd is gone even when it reports an error
}

/** write(2) of `data` from `offset`: the bytes written (maybe fewer); EAGAIN throws like any error. */
export function write(fd: number, data: Uint8Array, offset = 0): number {
  for (;;) {
    const n = Number(files().write(fd, view(data, offset, data.byteLength - offset), data.byteLength - offset));
    if (n >= 0) return n;
    if (errno() !== EINTR) fail("write", undefined);
  }
}

/** read(2) into buf[offset, offset + length): the bytes read, 0 at the end; EINTR is retried. */
export function read(fd: number, buf: Uint8Array, offset: number, length: number): number {
  for (;;) {
    const n = Number(files().read(fd, view(buf, offset, length), length));
    if (n >= 0) return n;
    if (errno() !== EINTR) fail("read", undefined);
  }
}

/** All of `data` to an fd opened blocking. */
function writeWhole(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.byteLength; ) off += write(fd, data, off);
}

let decoder: TextDecoder | undefined;
const decode = (bytes: Uint8Array): string => (decoder ??= new TextDecoder("utf-8", { ignoreBOM: true })).decode(bytes);

/** A whole file as UTF-8 text: readFileSync(path, "utf8"), procfs and sysfs files included. */
export function readText(path: string): string {
  return readWhole(open(path, O_RDONLY), path);
}

/** readText, or undefined when the file cannot be opened, without an exception: a thrown error
 * costs skiff-oci's short commands ~0.3 ms when it is their first (a process gone from /proc). */
export function readTextIfOpens(path: string): string | undefined {
  for (;;) {
    const fd = files().open(cpath(path, "open"), O_RDONLY | O_CLOEXEC, 0o666);
    if (fd >= 0) return readWhole(fd, path);
    if (errno() !== EINTR) return undefined;
  }
}

let readBuffer: Uint8Array | undefined;

/** The rest of an open file as UTF-8 text; closes fd. */
function readWhole(fd: number, path: string): string {
  try {
    let buf = (readBuffer ??= new Uint8Array(8192));
    let len = 0;
    for (;;) {
      if (len === buf.byteLength) {
        const bigger = new Uint8Array(buf.byteLength * 2);
        bigger.set(buf);
        buf = bigger;
        if (bigger.byteLength <= 1 << 16) readBuffer = bigger; // (a larger one is not kept)
      }
      const n = Number(files().read(fd, view(buf, len, buf.byteLength - len), buf.byteLength - len));
      if (n > 0) len += n;
      else if (n === 0) return decode(view(buf, 0, len));
      else if (errno() !== EINTR) fail("read", path);
    }
  } finally {
    close(fd);
  }
}

const MFD_CLOEXEC = 1;
const MFD_ALLOW_SEALING = 2;
const MFD_EXEC = 0x10;
const F_ADD_SEALS = 1033;
/** F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE: no change of any kind, ever. */
const ALL_SEALS = 1 | 2 | 4 | 8;

/**
 * A close-on-exec memfd named `name` holding a copy of the file at `path`, sealed so that nothing
 * can write, shrink, grow or unseal it: a program run from it (exec of /proc/PID/fd/FD) shows a
 * file that no process can change through /proc/<its pid>/exe. Returns the fd.
 */
export function sealedCopy(path: string, name: string): number {
  const src = open(path, O_RDONLY);
  let fd = lib().memfd_create(cstr(name), MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  // kernels before 6.3 know no MFD_EXEC (an executable memfd is their default)
  if (fd < 0 && errno() === EINVAL) fd = lib().memfd_create(cstr(name), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    close(src);
    fail("memfd_create", path);
  }
  try {
    const buf = new Uint8Array(1 << 18);
    for (;;) {
      const n = Number(files().read(src, buf, buf.byteLength));
      if (n > 0) writeWhole(fd, buf.subarray(0, n));
      else if (n === 0) break;
      else if (errno() !== EINTR) fail("read", path);
    }
    if (lib().fcntl(fd, F_ADD_SEALS, ALL_SEALS) !== 0) fail("fcntl", path);
    return fd;
  } catch (e) {
    close(fd);
    throw e;
  } finally {
    close(src);
  }
}

/** writeFileSync(path, text) (flags "w"), or appendFileSync with `append`. */
export function writeText(path: string, text: string, opts: { append?: boolean } = {}): void {
  const fd = open(path, O_WRONLY | O_CREAT | (opts.append ? O_APPEND : O_TRUNC));
  try {
    writeWhole(fd, encode(text));
  } finally {
    close(fd);
  }
}

/** existsSync: false for anything access(F_OK) refuses. */
export function exists(path: string): boolean {
  let p: Uint8Array;
  try {
    p = cpath(path, "access");
  } catch {
    return false; // a NUL inside, or too long: what access(2) refuses
  }
  return files().access(p, 0) === 0;
}

export function unlink(path: string): void {
  if (files().unlink(cpath(path, "unlink")) !== 0) fail("unlink", path);
}

export function rmdir(path: string): void {
  if (files().rmdir(cpath(path, "rmdir")) !== 0) fail("rmdir", path);
}

// Probes: whether the kernel runs a system call that the runtime relies on (skiff doctor), made
// by calling it with arguments that change nothing. Bound on their own, like the file calls.

const probeSymbols = () => ({
  syscall: { args: ["i64", "i64", "i64", "i64", "i64"], returns: "i64" },
  __errno_location: { args: [], returns: "ptr" },
}) as const satisfies Record<string, FFIFunction>;
let probeLibc: Library<ReturnType<typeof probeSymbols>>["symbols"] | undefined;

/** x86_64 and aarch64 number the calls since 5.1 alike (the generic table). */
const PROBE_NUMBERS: Record<string, number> = { close_range: 436, openat2: 437 };

/**
 * "ok" when the kernel ran the call, else the errno's name: ENOSYS when it lacks it, EPERM or
 * EACCES when a seccomp filter or an LSM refuses it here. undefined on an architecture whose
 * number skiff does not know. openat2 opens "/" as an O_PATH descriptor in its own root (closed
 * at once); close_range closes the range [2^32-1, 2^32-1], where no descriptor can be.
 */
export function probeSyscall(name: "openat2" | "close_range"): string | undefined {
  if (process.arch !== "x64" && process.arch !== "arm64") return undefined;
  const l = (probeLibc ??= dlopen("libc.so.6", probeSymbols()).symbols);
  let r: number;
  if (name === "openat2") {
    const how = new BigUint64Array([BigInt(0o10000000 | O_CLOEXEC), 0n, 0x10n]); // O_PATH, mode, RESOLVE_IN_ROOT
    const path = cstr("/");
    r = Number(l.syscall(PROBE_NUMBERS.openat2!, -100, Number(ptr(path)), Number(ptr(how)), how.byteLength));
    if (r >= 0) files().close(r);
  } else r = Number(l.syscall(PROBE_NUMBERS.close_range!, 0xffffffff, 0xffffffff, 0, 0));
  return r >= 0 ? "ok" : errnoName(readMemory.i32(l.__errno_location()!, 0));
}
