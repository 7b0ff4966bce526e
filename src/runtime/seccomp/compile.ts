// OCI seccomp profile → classic BPF program for seccomp(SECCOMP_SET_MODE_FILTER, flags, prog).
//
// Program shape:
//   load seccomp_data.arch; one `jeq` per listed AUDIT_ARCH value; otherwise return the bad-arch action
//   for each AUDIT_ARCH value:
//     load seccomp_data.nr; binary search over ranges of syscall numbers → a return value or a rule block
//     the return values this section uses
//     one block per syscall with conditional rules (argument tests, rule by rule, then the default)
//
// Decisions that follow runc 1.1 on libseccomp (see also rules.ts):
// - the host's own architecture is always in the filter; `architectures` adds others;
// - a call made under an architecture not in the filter gets SECCOMP_RET_KILL_THREAD, libseccomp's
//   default bad-arch action, which runc keeps; on AUDIT_ARCH_X86_64, numbers with __X32_SYSCALL_BIT are
//   the x32 ABI, so they are "bad arch" unless x32 is listed, and plain numbers are unless x86_64 is;
// - ENOSYS stub: unless the default action is ALLOW, LOG or TRACE (or ERRNO with ENOSYS), a syscall
//   numbered above every syscall the profile names for that architecture returns ENOSYS instead of
//   the default, so that a newer libc's probe of a syscall the profile predates falls back cleanly
//   (clone3 → clone, for example) instead of failing with EPERM. Unlike runc, the blocks of old
//   calls numbered above the main sequence (x32's 512-547, arm's 0xf0000 on; arches.ts) do not
//   count as the highest named, and keep the default themselves: a profile naming x32's execve or
//   arm's set_tls would otherwise get EPERM for every call added since.
import { invalid } from "../../common/errors.ts";
import { ARCHES, FOREIGN_OCI_ARCHES, OCI_ARCHES, type SeccompArch, X32_SYSCALL_BIT } from "./arches.ts";
import { Assembler, DATA, encodeFilter, type Label, MAX_INSNS, OP } from "./bpf.ts";
import { emitCondition } from "./conditions.ts";
import { FILTER_FLAGS, FLAG_NEW_LISTENER, readSeccompProfile, type SeccompProfile } from "./profile.ts";
import { type ArchRules, type Decision, ENOSYS, RET, buildRuleTables, wantsEnosys } from "./rules.ts";

export interface CompileOptions {
  /** The architecture the container runs on natively (the host's): always part of the filter. */
  arch: SeccompArch;
  /** Names the config file in error messages. */
  where?: string;
}

export interface CompiledSeccomp {
  /** struct sock_filter[] as bytes, ready for the plan's `seccomp` step. */
  filter: Uint8Array;
  instructions: number;
  /** Flags for seccomp(SECCOMP_SET_MODE_FILTER, flags, ...), including NEW_LISTENER when `notify`. */
  flags: number;
  /** Some rule uses SCMP_ACT_NOTIFY: the loader gets a listener fd to pass to `listenerPath`. */
  notify: boolean;
  listenerPath?: string;
  listenerMetadata?: string;
  /** Syscall names no compiled architecture knows; skipped as runc does (worth a debug note). */
  skipped: string[];
  /** Listed architectures this kernel family never reports (mips, ppc, s390, ...); left out. */
  skippedArchitectures: string[];
}

const BAD_ARCH_RET = RET.KILL_THREAD;
const ENOSYS_RET = (RET.ERRNO | ENOSYS) >>> 0;
const U32_END = 2 ** 32;

/** A range of syscall numbers [start, next segment's start) and how it is decided. */
interface Segment {
  start: number;
  decision: Decision;
}

/** Compiles `linux.seccomp` (raw JSON, validated here) for a container running on `options.arch`. */
export function compileSeccomp(raw: unknown, options: CompileOptions): CompiledSeccomp {
  const where = options.where ?? "config.json";
  const profile = readSeccompProfile(raw, where);
  const { arches, skippedArchitectures } = resolveArches(profile, options.arch, where);
  const tables = buildRuleTables(profile, arches);
  const enosys = wantsEnosys(profile);

  const asm = new Assembler();
  // Group by AUDIT_ARCH value (x86_64 and x32 share one), native first: the common case tests once.
  const groups = new Map<number, ArchRules[]>();
  for (const t of tables.perArch) groups.set(ARCHES[t.arch].audit, [...(groups.get(ARCHES[t.arch].audit) ?? []), t]);
  const badArch = asm.label("bad-arch");
  const sections = [...groups].map(([audit, members]) => ({ audit, members, label: asm.label(`arch-${audit.toString(16)}`) }));

  asm.ld(DATA.arch);
  sections.forEach((s, i) => {
    const next = i + 1 < sections.length ? asm.label("arch-next") : badArch;
    asm.jump(OP.JEQ_K, s.audit, s.label, next);
    if (next !== badArch) asm.place(next);
  });
  asm.place(badArch);
  asm.ret(BAD_ARCH_RET);

  for (const s of sections) {
    asm.place(s.label);
    emitSection(asm, segmentsFor(s.members, tables.defaultRet, enosys), tables.defaultRet);
  }

  const insns = asm.assemble();
  if (insns.length > MAX_INSNS)
    throw invalid("runtime", "RUNTIME_SECCOMP_TOO_LARGE", `compile linux.seccomp in ${where}: the filter needs ${insns.length} instructions, more than the kernel's ${MAX_INSNS}`, "remove rules or architectures from the profile", { field: "linux.seccomp" });

  const notify = profile.syscalls.some((r) => r.action === "SCMP_ACT_NOTIFY");
  return {
    filter: encodeFilter(insns),
    instructions: insns.length,
    flags: filterFlags(profile, notify),
    notify,
    listenerPath: profile.listenerPath,
    listenerMetadata: profile.listenerMetadata,
    skipped: tables.unknownNames,
    skippedArchitectures,
  };
}

function resolveArches(profile: SeccompProfile, native: SeccompArch, where: string) {
  const arches: SeccompArch[] = [native];
  const skippedArchitectures: string[] = [];
  profile.architectures.forEach((name, i) => {
    const arch = OCI_ARCHES[name];
    if (arch) {
      if (!arches.includes(arch)) arches.push(arch);
    } else if (FOREIGN_OCI_ARCHES.has(name)) {
      skippedArchitectures.push(name);
    } else {
      const field = `linux.seccomp.architectures[${i}]`;
      throw invalid("runtime", "RUNTIME_SECCOMP_INVALID", `read ${where}: ${field}: unknown architecture "${name}"`, `use names such as ${Object.keys(OCI_ARCHES).join(", ")}`, { field });
    }
  });
  return { arches, skippedArchitectures };
}

/**
 * TSYNC is left out: the executor loads the filter while it is single-threaded, so there is nothing
 * to synchronise (runc ignores the flag too), and with NEW_LISTENER the kernel would also want
 * TSYNC_ESRCH.
 */
function filterFlags(profile: SeccompProfile, notify: boolean): number {
  let flags = notify ? FLAG_NEW_LISTENER : 0;
  for (const f of profile.flags) if (f !== "SECCOMP_FILTER_FLAG_TSYNC") flags |= FILTER_FLAGS[f];
  return flags;
}

/**
 * The partition of all 2^32 syscall numbers of one AUDIT_ARCH section into ranges. Members are the
 * ABIs sharing it: on x86_64, numbers below __X32_SYSCALL_BIT belong to x86_64 and the rest to x32.
 */
function segmentsFor(members: ArchRules[], defaultRet: number, enosys: boolean): Segment[] {
  const ret = (value: number): Decision => ({ kind: "ret", ret: value });
  const ranges: { lo: number; hi: number; rules?: ArchRules }[] = [];
  if (members.some((m) => m.arch === "x86_64" || m.arch === "x32")) {
    ranges.push({ lo: 0, hi: X32_SYSCALL_BIT, rules: members.find((m) => m.arch === "x86_64") });
    ranges.push({ lo: X32_SYSCALL_BIT, hi: U32_END, rules: members.find((m) => m.arch === "x32") });
  } else {
    ranges.push({ lo: 0, hi: U32_END, rules: members[0] });
  }

  const segs: Segment[] = [];
  const push = (start: number, decision: Decision) => {
    const last = segs.at(-1);
    // Neighbouring ranges with one fixed return value are one range.
    if (last && last.decision.kind === "ret" && decision.kind === "ret" && last.decision.ret === decision.ret) return;
    segs.push({ start, decision });
  };
  for (const { lo, hi, rules } of ranges) {
    if (!rules) {
      push(lo, ret(BAD_ARCH_RET));
      continue;
    }
    // Numbers no rule names: ENOSYS above the highest named one (outside the block of old
    // calls), the default below it.
    const stub = enosys && rules.maxNr >= 0;
    const { oldBlock, nrBase } = ARCHES[rules.arch];
    const block = oldBlock ? [nrBase + oldBlock[0], nrBase + oldBlock[1]] : [];
    const defaultAt = (nr: number) => (stub && nr > rules.maxNr && !(nr >= block[0]! && nr < block[1]!) ? ENOSYS_RET : defaultRet);
    const cuts = [rules.maxNr + 1, ...block];
    const fill = (from: number, to: number) => {
      for (const start of [from, ...cuts.filter((c) => c > from && c < to)]) push(start, ret(defaultAt(start)));
    };
    const numbers = [...rules.decisions.keys()].sort((a, b) => a - b);
    let at = lo;
    for (const nr of numbers) {
      if (nr > at) fill(at, nr);
      push(nr, rules.decisions.get(nr)!);
      at = nr + 1;
    }
    if (at < hi) fill(at, hi);
  }
  return segs;
}

/** One AUDIT_ARCH section: number dispatch, then its return values, then its rule blocks. */
function emitSection(asm: Assembler, segs: Segment[], defaultRet: number): void {
  const rets = new Map<number, Label>();
  const blocks: { label: Label; decision: Extract<Decision, { kind: "rules" }> }[] = [];
  const targetOf = (seg: Segment): Label => {
    if (seg.decision.kind === "ret") {
      let l = rets.get(seg.decision.ret);
      if (!l) rets.set(seg.decision.ret, (l = asm.label(`ret-${seg.decision.ret.toString(16)}`)));
      return l;
    }
    const label = asm.label(`rules-${seg.start}`);
    blocks.push({ label, decision: seg.decision });
    return label;
  };

  asm.ld(DATA.nr);
  if (segs.length === 1) asm.ja(targetOf(segs[0]!));
  else emitSearch(asm, segs, targetOf);
  for (const [value, label] of rets) {
    asm.place(label);
    asm.ret(value);
  }
  for (const { label, decision } of blocks) {
    asm.place(label);
    emitRules(asm, decision, defaultRet);
  }
}

/** A balanced binary search on range starts (`jge`), leaves jumping straight to their targets. */
function emitSearch(asm: Assembler, segs: Segment[], targetOf: (s: Segment) => Label): void {
  const mid = segs.length >> 1;
  const left = segs.slice(0, mid);
  const right = segs.slice(mid);
  const leftLabel = left.length === 1 ? targetOf(left[0]!) : asm.label("search");
  const rightLabel = right.length === 1 ? targetOf(right[0]!) : asm.label("search");
  asm.jump(OP.JGE_K, right[0]!.start, rightLabel, leftLabel);
  if (left.length > 1) {
    asm.place(leftLabel);
    emitSearch(asm, left, targetOf);
  }
  if (right.length > 1) {
    asm.place(rightLabel);
    emitSearch(asm, right, targetOf);
  }
}

/** Conditional rules of one syscall: each rule's conditions ANDed, rules tried in order. */
function emitRules(asm: Assembler, decision: Extract<Decision, { kind: "rules" }>, defaultRet: number): void {
  for (const rule of decision.rules) {
    const nextRule = asm.label("next-rule");
    rule.conditions.forEach((cond, i) => {
      const match = asm.label(i + 1 < rule.conditions.length ? "next-cond" : "rule-match");
      emitCondition(asm, cond, decision.bits, match, nextRule);
      asm.place(match);
    });
    asm.ret(rule.ret);
    asm.place(nextRule);
  }
  asm.ret(defaultRet);
}
