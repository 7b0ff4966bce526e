// Reads an OCI `linux.seccomp` object (runtime-spec config-linux.md#seccomp) into typed, validated data.
// Every wrong type or value is a RUNTIME_SECCOMP_INVALID error naming the field.
import { invalid } from "../../common/errors.ts";
import { Checker } from "../../oci/check.ts";

export const ACTIONS = [
  "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
  "SCMP_ACT_TRACE", "SCMP_ACT_LOG", "SCMP_ACT_ALLOW", "SCMP_ACT_NOTIFY",
] as const;
export type ActionName = (typeof ACTIONS)[number];

export const OPERATORS = [
  "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
] as const;
export type Operator = (typeof OPERATORS)[number];

/** Flags of seccomp(SECCOMP_SET_MODE_FILTER) a profile may ask for (include/uapi/linux/seccomp.h). */
export const FILTER_FLAGS = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
} as const;
export const FLAG_NEW_LISTENER = 8;
export const FLAG_TSYNC_ESRCH = 16;

/** One argument comparison. For SCMP_CMP_MASKED_EQ `value` is the mask and `valueTwo` the datum. */
export interface ArgCondition {
  index: number;
  value: bigint;
  valueTwo: bigint;
  op: Operator;
}

export interface SyscallRule {
  names: string[];
  action: ActionName;
  errnoRet?: number;
  args: ArgCondition[];
}

export interface SeccompProfile {
  defaultAction: ActionName;
  defaultErrnoRet?: number;
  architectures: string[];
  flags: (keyof typeof FILTER_FLAGS)[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls: SyscallRule[];
}

const U64_MAX = (1n << 64n) - 1n;
// SECCOMP_RET_DATA is 16 bits; the kernel caps an errno above 4095 itself (MAX_ERRNO).
const RET_DATA_MAX = 0xffff;

/**
 * A 64-bit argument value. JSON.parse turns integers above 2^53 into the nearest double, so the
 * largest value (18446744073709551615, i.e. -1 as u64, which profiles do use) arrives as exactly 2^64;
 * that one value is read as 2^64-1. A caller that parses with bigints may pass them as they are.
 */
function u64(c: Checker, v: unknown, path: string): bigint {
  if (typeof v === "bigint") {
    if (v < 0n || v > U64_MAX) c.fail(path, "an integer in [0, 2^64-1]", String(v));
    return v;
  }
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 2 ** 64) c.fail(path, "an integer in [0, 2^64-1]", v);
  return v === 2 ** 64 ? U64_MAX : BigInt(v);
}

function oneOf<T extends string>(c: Checker, v: unknown, path: string, allowed: readonly T[], what: string): T {
  const s = c.str(v, path);
  if (!allowed.includes(s as T))
    throw invalid(c.layer, c.code, `read ${c.what}: ${path}: unknown ${what} "${s}"`, `use one of ${allowed.join(", ")}`, { field: path });
  return s as T;
}

/** errnoRet only means something for actions that carry a value; the spec says to fail otherwise. */
function errnoFor(c: Checker, action: ActionName, v: unknown, path: string): number | undefined {
  const errno = c.optInt(v, path, 0, RET_DATA_MAX);
  if (errno !== undefined && action !== "SCMP_ACT_ERRNO" && action !== "SCMP_ACT_TRACE")
    throw invalid(c.layer, c.code, `read ${c.what}: ${path} is set but action ${action} returns no errno`, "use errnoRet only with SCMP_ACT_ERRNO or SCMP_ACT_TRACE", { field: path });
  return errno;
}

function readArg(c: Checker, v: unknown, path: string): ArgCondition {
  const o = c.obj(v, path);
  return {
    index: c.int(o.index, `${path}.index`, 0, 5),
    value: u64(c, o.value, `${path}.value`),
    valueTwo: o.valueTwo === undefined || o.valueTwo === null ? 0n : u64(c, o.valueTwo, `${path}.valueTwo`),
    op: oneOf(c, o.op, `${path}.op`, OPERATORS, "operator"),
  };
}

function readRule(c: Checker, v: unknown, path: string): SyscallRule {
  const o = c.obj(v, path);
  const names = c.strs(o.names, `${path}.names`);
  if (names.length === 0) c.fail(`${path}.names`, "a non-empty array of syscall names", o.names);
  names.forEach((n, i) => n === "" && c.fail(`${path}.names[${i}]`, "a syscall name", n));
  const action = oneOf(c, o.action, `${path}.action`, ACTIONS, "action");
  // The listener exists only once the filter is loaded, and goes to the agent after it: a call
  // that waits for that same listener would never return. runc sends it with write; skiff's
  // executor with sendmsg. Both are refused, so that a profile runs under either or neither.
  const sender = action === "SCMP_ACT_NOTIFY" ? names.find((n) => n === "write" || n === "sendmsg") : undefined;
  if (sender)
    throw invalid(c.layer, c.code, `read ${c.what}: ${path}: SCMP_ACT_NOTIFY cannot be used for the ${sender} syscall`, `let ${sender} through, or use another action for it`, { field: path });
  return { names, action, errnoRet: errnoFor(c, action, o.errnoRet, `${path}.errnoRet`), args: c.arr(o.args, `${path}.args`, (x, p) => readArg(c, x, p)) };
}

/** Validates `linux.seccomp`; `where` names the config file in messages. */
export function readSeccompProfile(raw: unknown, where = "config.json"): SeccompProfile {
  const c = new Checker("runtime", "RUNTIME_SECCOMP_INVALID", where);
  const p = "linux.seccomp";
  const o = c.obj(raw, p);
  const defaultAction = oneOf(c, o.defaultAction, `${p}.defaultAction`, ACTIONS, "action");
  if (defaultAction === "SCMP_ACT_NOTIFY")
    throw invalid(c.layer, c.code, `read ${where}: ${p}.defaultAction cannot be SCMP_ACT_NOTIFY`, "notify for chosen syscalls only; the runtime itself sends the listener after the filter is loaded", { field: `${p}.defaultAction` });
  const architectures = c.strs(o.architectures, `${p}.architectures`);
  const flags = c.arr(o.flags, `${p}.flags`, (x, q) => oneOf(c, x, q, Object.keys(FILTER_FLAGS) as (keyof typeof FILTER_FLAGS)[], "seccomp flag"));
  const profile: SeccompProfile = {
    defaultAction,
    defaultErrnoRet: errnoFor(c, defaultAction, o.defaultErrnoRet, `${p}.defaultErrnoRet`),
    architectures,
    flags,
    listenerPath: c.optStr(o.listenerPath, `${p}.listenerPath`),
    listenerMetadata: c.optStr(o.listenerMetadata, `${p}.listenerMetadata`),
    syscalls: c.arr(o.syscalls, `${p}.syscalls`, (x, q) => readRule(c, x, q)),
  };
  const notify = profile.syscalls.some((r) => r.action === "SCMP_ACT_NOTIFY");
  if (notify && !profile.listenerPath)
    throw invalid(c.layer, c.code, `read ${where}: ${p} uses SCMP_ACT_NOTIFY but sets no listenerPath`, "set linux.seccomp.listenerPath to the seccomp agent's socket", { field: `${p}.listenerPath` });
  if (profile.listenerPath !== undefined && !profile.listenerPath.startsWith("/")) c.fail(`${p}.listenerPath`, "an absolute path", profile.listenerPath);
  if (flags.includes("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") && !notify)
    // The kernel refuses this flag without a listener (EINVAL); say so before the container starts.
    throw invalid(c.layer, c.code, `read ${where}: ${p}.flags has SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV but no rule uses SCMP_ACT_NOTIFY`, "remove the flag or add an SCMP_ACT_NOTIFY rule", { field: `${p}.flags` });
  return profile;
}
