// Turns a profile's rules into what each architecture's filter decides per syscall number, applying
// the rule semantics of runc on libseccomp:
// - a rule whose action (with its errno) equals the default action is dropped (runc skips it because
//   libseccomp refuses it);
// - a rule naming the same argument index twice becomes one rule per condition, ORed (runc's "old
//   behaviour" for that case); otherwise a rule's conditions are ANDed;
// - once a syscall has an unconditional rule, that rule decides it and conditional rules are dropped,
//   whatever their order (libseccomp's rule database does this);
// - conditional rules of one syscall are tried in profile order, the first match deciding; when none
//   matches the syscall gets the default action. (libseccomp merges overlapping conditional rules
//   with different actions into one decision tree; profiles in use do not overlap that way.)
import { ARCHES, inOldBlock, type SeccompArch, syscallNumber } from "./arches.ts";
import type { ActionName, ArgCondition, SeccompProfile } from "./profile.ts";

/** SECCOMP_RET_* (linux/seccomp.h). */
export const RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

export const EPERM = 1;
export const ENOSYS = 38; // the same number on x86 and arm

/** The filter's return value for an action; ERRNO and TRACE carry errnoRet, EPERM when unset as in runc. */
export function actionValue(action: ActionName, errnoRet: number | undefined): number {
  switch (action) {
    case "SCMP_ACT_KILL":
    case "SCMP_ACT_KILL_THREAD": return RET.KILL_THREAD;
    case "SCMP_ACT_KILL_PROCESS": return RET.KILL_PROCESS;
    case "SCMP_ACT_TRAP": return RET.TRAP;
    case "SCMP_ACT_ERRNO": return (RET.ERRNO | (errnoRet ?? EPERM)) >>> 0;
    case "SCMP_ACT_TRACE": return (RET.TRACE | (errnoRet ?? EPERM)) >>> 0;
    case "SCMP_ACT_LOG": return RET.LOG;
    case "SCMP_ACT_ALLOW": return RET.ALLOW;
    case "SCMP_ACT_NOTIFY": return RET.USER_NOTIF;
  }
}

export interface ConditionalRule {
  conditions: ArgCondition[];
  ret: number;
}

/** How one syscall number is decided: a fixed return value, or conditional rules then the default. */
export type Decision = { kind: "ret"; ret: number } | { kind: "rules"; rules: ConditionalRule[]; bits: 32 | 64 };

export interface ArchRules {
  arch: SeccompArch;
  decisions: Map<number, Decision>;
  /** The highest syscall number any rule names on this arch (for the ENOSYS range), or -1;
   * the arch's block of old calls (arches.ts) does not count. */
  maxNr: number;
}

export interface RuleTables {
  defaultRet: number;
  perArch: ArchRules[];
  /** Names no compiled architecture knows: skipped, as runc skips them. */
  unknownNames: string[];
}

/** Splits a rule whose conditions test one argument index twice into single-condition rules. */
function conditionSets(args: ArgCondition[]): ArgCondition[][] {
  if (args.length === 0) return [[]];
  const indexes = new Set(args.map((a) => a.index));
  return indexes.size < args.length ? args.map((a) => [a]) : [args];
}

export function buildRuleTables(profile: SeccompProfile, arches: readonly SeccompArch[]): RuleTables {
  const defaultRet = actionValue(profile.defaultAction, profile.defaultErrnoRet);
  const perArch: ArchRules[] = arches.map((arch) => ({ arch, decisions: new Map(), maxNr: -1 }));
  const unknown = new Set<string>();

  for (const rule of profile.syscalls) {
    const ret = actionValue(rule.action, rule.errnoRet);
    const sets = conditionSets(rule.args);
    for (const name of rule.names) {
      let known = false;
      for (const table of perArch) {
        const nr = syscallNumber(table.arch, name);
        if (nr === undefined) continue;
        known = true;
        // Every named syscall counts for the ENOSYS range, even in a rule dropped below (as runc).
        if (nr > table.maxNr && !inOldBlock(table.arch, nr)) table.maxNr = nr;
        if (ret === defaultRet) continue;
        addRule(table.decisions, nr, sets, ret, ARCHES[table.arch].bits);
      }
      if (!known) unknown.add(name);
    }
  }
  return { defaultRet, perArch, unknownNames: [...unknown] };
}

function addRule(decisions: Map<number, Decision>, nr: number, sets: ArgCondition[][], ret: number, bits: 32 | 64): void {
  const current = decisions.get(nr);
  if (current?.kind === "ret") return; // an unconditional rule already decides this syscall
  if (sets.length === 1 && sets[0]!.length === 0) {
    decisions.set(nr, { kind: "ret", ret });
    return;
  }
  const rules = current?.rules ?? [];
  for (const conditions of sets) rules.push({ conditions, ret });
  decisions.set(nr, { kind: "rules", rules, bits });
}

/** Whether the ENOSYS stub applies: runc 1.1 adds it unless the default already allows or says ENOSYS. */
export function wantsEnosys(profile: SeccompProfile): boolean {
  if (profile.defaultErrnoRet === ENOSYS) return false;
  // A tracer is expected to handle unknown syscalls itself, so TRACE counts as permissive (runc).
  return !["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"].includes(profile.defaultAction);
}
