// Properties of the seccomp compiler for fast-check: a short seeded run in profile-bpf-fuzz.test.ts,
// a long one in scripts/fuzz.ts. Test code only.
//
// - anyProfile: any linux.seccomp value (generated profiles with wrong types, hostile names and
//   numbers, or arbitrary JSON) compiles or is refused with a RUNTIME_SECCOMP_* SkiffError; a
//   compiled filter passes the kernel's checks (bpf-interpreter.ts checkProgram).
// - verdicts: for generated profiles and calls (architecture, number, arguments), the compiled
//   filter run in the BPF interpreter answers what `expectedVerdict` below says the profile means.
//   That evaluator is written apart from the compiler, from the rules as runc on libseccomp
//   applies them (see rules.ts and compile.ts for the same rules in prose).
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { ARCHES, OCI_ARCHES, type SeccompArch, syscallNumber, syscallTable, X32_SYSCALL_BIT } from "./arches.ts";
import { checkProgram, runFilter } from "./bpf-interpreter.ts";
import { decodeFilter } from "./bpf.ts";
import { compileSeccomp } from "./compile.ts";
import { ACTIONS, OPERATORS, readSeccompProfile, type ArgCondition, type SeccompProfile } from "./profile.ts";

const NATIVES: SeccompArch[] = ["x86_64", "i386", "aarch64", "arm", "x32"];
const U64 = (1n << 64n) - 1n;

// ---- the reference: what a profile means for one call ----

export interface Call {
  audit: number;
  nr: number;
  args: bigint[];
}

function retOf(action: string, errno: number | undefined): number {
  switch (action) {
    case "SCMP_ACT_KILL":
    case "SCMP_ACT_KILL_THREAD": return 0;
    case "SCMP_ACT_KILL_PROCESS": return 0x80000000;
    case "SCMP_ACT_TRAP": return 0x00030000;
    case "SCMP_ACT_ERRNO": return 0x00050000 + (errno ?? 1);
    case "SCMP_ACT_TRACE": return 0x7ff00000 + (errno ?? 1);
    case "SCMP_ACT_LOG": return 0x7ffc0000;
    case "SCMP_ACT_ALLOW": return 0x7fff0000;
    case "SCMP_ACT_NOTIFY": return 0x7fc00000;
  }
  throw new Error(`reference: action ${action}`);
}

/** x32's compat calls and arm's private calls: old, though numbered above the main sequence. */
function oldCall(abi: SeccompArch, nr: number): boolean {
  const rel = nr - ARCHES[abi].nrBase;
  return (abi === "x32" && rel >= 512 && rel < 548) || (abi === "arm" && rel >= 0xf0000 && rel < 0xf0800);
}

function holds(c: ArgCondition, args: bigint[], bits: 32 | 64): boolean {
  const cut = (v: bigint) => (bits === 32 ? v & 0xffffffffn : v);
  const a = cut(args[c.index] ?? 0n);
  const v = cut(c.value);
  switch (c.op) {
    case "SCMP_CMP_EQ": return a === v;
    case "SCMP_CMP_NE": return a !== v;
    case "SCMP_CMP_LT": return a < v;
    case "SCMP_CMP_LE": return a <= v;
    case "SCMP_CMP_GT": return a > v;
    case "SCMP_CMP_GE": return a >= v;
    case "SCMP_CMP_MASKED_EQ": return (a & v) === cut(c.valueTwo);
  }
}

/** The seccomp return value a validated profile gives one call, when compiled for `native`. */
export function expectedVerdict(p: SeccompProfile, native: SeccompArch, call: Call): number {
  const arches = new Set<SeccompArch>([native]);
  for (const name of p.architectures) if (OCI_ARCHES[name]) arches.add(OCI_ARCHES[name]!);
  let abi: SeccompArch | undefined;
  if (call.audit === ARCHES.x86_64.audit) {
    // As libseccomp: from __X32_SYSCALL_BIT up, every number is x32's (0x80000000 too).
    const want = call.nr >= X32_SYSCALL_BIT ? "x32" : "x86_64";
    if (arches.has(want)) abi = want;
  } else abi = [...arches].find((a) => ARCHES[a].audit === call.audit);
  if (!abi) return 0; // kill: an architecture the filter does not hold
  const fallback = retOf(p.defaultAction, p.defaultErrnoRet);
  let highest = -1;
  const rules: { ret: number; args: ArgCondition[] }[] = [];
  for (const rule of p.syscalls) {
    const ret = retOf(rule.action, rule.errnoRet);
    for (const name of rule.names) {
      const nr = syscallNumber(abi, name);
      if (nr === undefined) continue;
      if (!oldCall(abi, nr)) highest = Math.max(highest, nr);
      if (nr === call.nr && ret !== fallback) rules.push({ ret, args: rule.args });
    }
  }
  const unconditional = rules.find((r) => r.args.length === 0);
  if (unconditional) return unconditional.ret;
  const bits = ARCHES[abi].bits;
  for (const r of rules) {
    const sameIndexTwice = new Set(r.args.map((a) => a.index)).size < r.args.length;
    const match = sameIndexTwice ? r.args.some((c) => holds(c, call.args, bits)) : r.args.every((c) => holds(c, call.args, bits));
    if (match) return r.ret;
  }
  const permissive = ["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"].includes(p.defaultAction) || p.defaultErrnoRet === 38;
  if (!permissive && highest >= 0 && call.nr > highest && !oldCall(abi, call.nr)) return 0x00050000 + 38;
  return fallback;
}

// ---- arbitraries ----

const namePool = [...new Set(NATIVES.flatMap((a) => [...syscallTable(a).keys()]))];
const syscallName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...namePool) },
  { weight: 2, arbitrary: fc.constantFrom("read", "clone", "clone3", "close_range", "personality", "mount", "socket", "execve", "rseq", "cacheflush", "set_tls", "pwritev2", "mseal", "file_setattr") },
  { weight: 1, arbitrary: fc.constantFrom("no_such_call", "read\0", "READ", "__NR_read", "x".repeat(300), "\u{1F600}") },
);
const u64Value = fc.oneof(
  fc.constantFrom(0n, 1n, 2n, 8n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 32n, (1n << 32n) + 1n, 1n << 53n, (1n << 63n) - 1n, 1n << 63n, U64),
  fc.bigInt({ min: 0n, max: U64 }),
  fc.bigInt({ min: 0n, max: 0xffffn }),
);
/** As JSON would carry it: a number (exact below 2^53; 2^64 stands for 2^64-1) or, from a bigint parser, a bigint. */
const jsonValue = u64Value.chain((v) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? fc.constantFrom<bigint | number>(Number(v), v) : v === U64 ? fc.constantFrom<bigint | number>(2 ** 64, v) : fc.constant<bigint | number>(v)));
const condition = fc.record({ index: fc.integer({ min: 0, max: 5 }), value: jsonValue, valueTwo: fc.option(jsonValue, { nil: undefined }), op: fc.constantFrom(...OPERATORS) });
const action = fc.constantFrom(...ACTIONS.filter((a) => a !== "SCMP_ACT_NOTIFY"));
const rule = fc
  .record({ names: fc.array(syscallName, { minLength: 1, maxLength: 4 }), action, errnoRet: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }), args: fc.array(condition, { maxLength: 3 }) })
  .map((r) => (r.action === "SCMP_ACT_ERRNO" || r.action === "SCMP_ACT_TRACE" ? r : { ...r, errnoRet: undefined }));
const architectures = fc.subarray(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_MIPS", "SCMP_ARCH_S390X"]);

/** Profiles the compiler should accept: the shape tools write, with odd but valid values. */
export const validProfile = fc
  .record({
    defaultAction: action,
    defaultErrnoRet: fc.option(fc.constantFrom(1, 38, 13, 0, 0xffff), { nil: undefined }),
    architectures,
    syscalls: fc.array(rule, { maxLength: 12 }),
  })
  .map((p) => (p.defaultAction === "SCMP_ACT_ERRNO" || p.defaultAction === "SCMP_ACT_TRACE" ? p : { ...p, defaultErrnoRet: undefined }));

/** Anything a config could hold in linux.seccomp, most of it nearly valid. */
const hostileProfile = fc.oneof(
  validProfile,
  validProfile.chain((p) =>
    fc.record({ field: fc.constantFrom("defaultAction", "architectures", "syscalls", "flags", "listenerPath", "defaultErrnoRet"), value: fc.anything({ maxDepth: 2 }) }).map(({ field, value }) => ({ ...p, [field]: value })),
  ),
  validProfile.chain((p) =>
    fc.record({ at: fc.nat(), field: fc.constantFrom("names", "action", "args", "errnoRet"), value: fc.anything({ maxDepth: 2 }) }).map(({ at, field, value }) => {
      const syscalls = [...p.syscalls];
      if (syscalls.length) syscalls[at % syscalls.length] = { ...syscalls[at % syscalls.length]!, [field]: value } as never;
      return { ...p, syscalls };
    }),
  ),
  fc.record({ defaultAction: fc.constantFrom("SCMP_ACT_ERRNO", "SCMP_ACT_ALLOW"), syscalls: fc.constant([{ names: ["read", ""], action: "SCMP_ACT_ALLOW" }]) }),
  fc.record({ defaultAction: fc.constantFrom("SCMP_ACT_ERRNO", "SCMP_ACT_ALLOW"), syscalls: fc.array(fc.record({ names: fc.anything(), action: fc.anything(), args: fc.array(fc.record({ index: fc.anything(), value: fc.anything(), op: fc.anything() }), { maxLength: 2 }) }), { maxLength: 3 }) }),
  fc.anything({ maxDepth: 3 }),
);

/** Calls worth asking about for one profile: its own numbers and their neighbours, the stub's edge, old blocks, anything. */
function callsFor(p: SeccompProfile): fc.Arbitrary<Call[]> {
  const abi = fc.constantFrom(...NATIVES);
  const named = (a: SeccompArch) => p.syscalls.flatMap((r) => r.names.map((n) => syscallNumber(a, n))).filter((n): n is number => n !== undefined);
  const values = p.syscalls.flatMap((r) => r.args.flatMap((c) => [c.value, c.valueTwo])).flatMap((v) => [v, v + 1n, v - 1n, v ^ (1n << 32n)]).filter((v) => v >= 0n && v <= U64);
  const arg = values.length ? fc.oneof(fc.constantFrom(...values), u64Value) : u64Value;
  const call = abi.chain((a) => {
    const base = ARCHES[a].nrBase;
    const mine = named(a).flatMap((n) => [n - 1, n, n + 1]).filter((n) => n >= 0);
    const nr = fc.oneof(
      ...(mine.length ? [fc.constantFrom(...mine)] : []),
      fc.integer({ min: 0, max: 600 }).map((n) => base + n),
      fc.constantFrom(base + 511, base + 512, base + 547, base + 548, 0xf0000 - 1, 0xf0000, 0xf0005, 0xf0800, X32_SYSCALL_BIT - 1, 0xffffffff),
      fc.nat({ max: 0xffffffff }),
    );
    const audit = fc.oneof({ weight: 9, arbitrary: fc.constant(ARCHES[a].audit) }, { weight: 1, arbitrary: fc.nat({ max: 0xffffffff }) });
    return fc.record({ audit, nr, args: fc.array(arg, { minLength: 6, maxLength: 6 }) });
  });
  return fc.array(call, { minLength: 1, maxLength: 40 });
}

// ---- properties ----

const anyProfile = () =>
  fc.property(hostileProfile, fc.constantFrom(...NATIVES), (raw, native) => {
    let compiled;
    try {
      compiled = compileSeccomp(raw, { arch: native });
    } catch (e) {
      if (!isSkiffError(e) || !e.code.startsWith("RUNTIME_SECCOMP_") || !e.hint) throw e;
      return;
    }
    checkProgram(decodeFilter(compiled.filter));
  });

const verdicts = () =>
  fc.property(
    fc.tuple(validProfile, fc.constantFrom(...NATIVES)).chain(([raw, native]) => {
      const profile = readSeccompProfile(raw);
      return fc.tuple(fc.constant(raw), fc.constant(profile), fc.constant(native), callsFor(profile));
    }),
    ([raw, profile, native, calls]) => {
      let compiled;
      try {
        compiled = compileSeccomp(raw, { arch: native });
      } catch (e) {
        // Only size may refuse a valid profile.
        if (isSkiffError(e) && e.code === "RUNTIME_SECCOMP_TOO_LARGE") return;
        throw e;
      }
      for (const c of calls) {
        const got = runFilter(compiled.filter, { arch: c.audit, nr: c.nr, args: c.args });
        const want = expectedVerdict(profile, native, c);
        if (got !== want) throw new Error(`call ${JSON.stringify({ ...c, args: c.args.map(String) })} on native ${native}: filter says 0x${got.toString(16)}, the profile 0x${want.toString(16)}`);
      }
    },
  );

export const SECCOMP_PROPERTIES: Record<"anyProfile" | "verdicts", () => fc.IRawProperty<any>> = { anyProfile, verdicts };
