// Test helper run as its own process by kernel.test.ts: loads a compiled filter into the calling
// thread with seccomp(2) through libc (bun:ffi), makes the requested syscalls and prints, as JSON,
// what the kernel answered. Only this short-lived process is ever filtered.
//
// stdin: {"seccompNr": n, "flags": n, "filter": "<hex>", "calls": [{"nr": n, "args": [n, ...]}]}
// stdout: {"loaded": 0 | -errno, "results": [{"ret": n, "errno": n}]}
import { dlopen, FFIType, ptr, read } from "bun:ffi";

const PR_SET_NO_NEW_PRIVS = 38;
const SECCOMP_SET_MODE_FILTER = 1;

const libc = dlopen("libc.so.6", {
  prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
  syscall: { args: [FFIType.i64, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i64 },
  __errno_location: { args: [], returns: FFIType.ptr },
});
const errno = () => read.i32(libc.symbols.__errno_location()!, 0);

const input = JSON.parse(await Bun.stdin.text()) as { seccompNr: number; flags: number; filter: string; calls: { nr: number; args?: number[] }[] };
const filter = Buffer.from(input.filter, "hex");
// struct sock_fprog { unsigned short len; struct sock_filter *filter; } (pointer at offset 8 on 64-bit)
const fprog = new BigUint64Array(2);
fprog[0] = BigInt(filter.length / 8);
fprog[1] = BigInt(ptr(filter));

if (libc.symbols.prctl(PR_SET_NO_NEW_PRIVS, 1n, 0n, 0n, 0n) !== 0) throw new Error(`prctl: errno ${errno()}`);
const loaded = Number(libc.symbols.syscall(BigInt(input.seccompNr), BigInt(SECCOMP_SET_MODE_FILTER), BigInt(input.flags), BigInt(ptr(fprog)), 0n, 0n, 0n));
const loadErrno = loaded < 0 ? errno() : 0;
const results = loaded < 0 ? [] : input.calls.map(({ nr, args = [] }) => {
  const a = [0, 1, 2, 3, 4, 5].map((i) => BigInt(args[i] ?? 0));
  const ret = Number(libc.symbols.syscall(BigInt(nr), a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!));
  return { ret, errno: ret < 0 ? errno() : 0 };
});
process.stdout.write(JSON.stringify({ loaded: loaded < 0 ? -loadErrno : 0, results }));
