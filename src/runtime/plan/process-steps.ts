// The process part of a launch plan, shared by create and exec: rlimits, personality, the
// bounding set, user and groups, capabilities, no_new_privs, umask, cwd, and the exec itself.
import { invalid } from "../../common/errors.ts";
import type { Process } from "../../oci/runtime-config.ts";
import { capabilityMask } from "../capabilities.ts";
import { log } from "../../common/log.ts";
import { parseSignal } from "../signals.ts";
import { checkExecLimits } from "./exec-limits.ts";
import type { SeccompFilter } from "./seccomp-filter.ts";
import { step, type Step } from "./step.ts";

const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5, RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10, RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};
const PERSONALITY: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };
const CAP_SYS_ADMIN = 21;
const RLIM_INFINITY = 2n ** 64n - 1n;
const rlimitValue = (v: number) => (v >= 2 ** 64 - 1 ? RLIM_INFINITY : BigInt(v));

export interface ProcessInput {
  proc: Process;
  personality?: { domain: string; flags: string[] };
  lastCap: number;
  /** HOME for the process when its env has none. */
  home: string;
  preserveFds: number;
  /** create: the exec fifo's slot, to wait on for start. exec runs at once. */
  fifo?: number;
  /** The compiled linux.seccomp filter. */
  seccomp?: SeccompFilter;
  /** The slot of the connected seccomp listener socket (when the filter notifies). */
  listenerSlot?: number;
  /** setgroups(2): allowed; false: denied (a rootless user namespace); "unlessDenied": as the
   * user namespace says when the process is in it (a namespace joined by path may deny it, and
   * then, as runc, the groups are left as they are). */
  setgroups?: boolean | "unlessDenied";
  /** startContainer hooks: after start, before the exec, inside the container. */
  startHooks?: Step[];
  /** The session keyring to join (and, with perm, to make), so that the process does not share
   * its caller's: create makes the container's, exec joins it. */
  keyring?: { name: string; perm: number };
  /** The runtime's own soft RLIMIT_STACK (bytes, Infinity if unlimited), which the process
   * inherits unless process.rlimits sets one, and the page size: execve's limits follow them. */
  stackLimit?: number;
  pageSize?: number;
}

const DEFAULT_STACK = 8 * 1024 * 1024;
const POINTER_SIZE = process.arch === "ia32" || process.arch === "arm" ? 4 : 8;
const EXEC_PATH_MAX = 4096; // the executor's buffer for the resolved file name

/** The longest name resolveExec can give execve: argv[0] itself, or it behind a PATH entry. */
function longestExecPath(file: string, pathVar: string): number {
  const bytes = Buffer.byteLength(file);
  if (file.includes("/")) return bytes;
  const dirs = pathVar.split(":").map((d) => (d ? Buffer.byteLength(d) + 1 : 0));
  return Math.min(EXEC_PATH_MAX - 1, Math.max(...dirs) + bytes);
}

/** The process part of a plan, shared by create and exec: limits, identity, privileges, exec. */
/** The signals a created container's waiting init dies of, as runc's does (its Go runtime's
 *  fatal ones; measured against runc 1.1: it outlives USR1, USR2, PIPE, ALRM, XCPU, XFSZ, VTALRM,
 *  PROF, IO, PWR and the real-time signals). As the init of its pid namespace it would otherwise
 *  outlive them all: `kill ID TERM` must stop a created container. */
export const WAITING_INIT_ENDS = ["HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "SEGV", "TERM", "STKFLT", "SYS"].map((s) => parseSignal(s));

export function processSteps(input: ProcessInput): Step[] {
  const { proc } = input;
  const steps: Step[] = [];
  // As root still, before the ids change (runc and crun join theirs first thing in the init)
  if (input.keyring) steps.push(step("sessionKeyring", input.keyring, `join session keyring ${input.keyring.name}`));
  for (const r of proc.rlimits) {
    const resource = RLIMITS[r.type];
    steps.push(step("setrlimit", { resource: resource!, soft: rlimitValue(r.soft), hard: rlimitValue(r.hard) }, `set ${r.type} to ${r.soft}:${r.hard}`));
  }
  const persona = input.personality;
  if (persona) steps.push(step("personality", { persona: PERSONALITY[persona.domain]! }, `set personality ${persona.domain}`));
  const { lastCap, seccomp } = input;
  // The filter is loaded last, just before execve, so that nothing the executor does depends on
  // what the container's profile allows (the fifo, the reports, the hooks, marking fds
  // close-on-exec): after it comes execve alone, which is the profile's to allow. Its errors are
  // still create's: the kernel's verdict on the same filter is taken first in a throwaway child.
  const loadSeccomp = (): Step[] => {
    if (!seccomp) return [];
    if (seccomp.listenerPath !== undefined && input.listenerSlot !== undefined)
      return [step("seccompNotify", { filter: seccomp.filter, flags: seccomp.flags, socketSlot: input.listenerSlot }, `load the seccomp filter and send its listener to ${seccomp.listenerPath}`)];
    return [step("seccomp", { filter: seccomp.filter, flags: seccomp.flags }, "load the seccomp filter")];
  };
  const caps = proc.capabilities;
  // as runc: a capability this runtime or kernel does not know is left out, with a warning
  const ignored: string[] = [];
  const mask = (names: readonly string[] | undefined) => capabilityMask(names ?? [], lastCap, ignored);
  const bounding = mask(caps?.bounding);
  const drop: number[] = [];
  for (let c = 0; c <= lastCap; c++) if (!((bounding >> BigInt(c)) & 1n)) drop.push(c);
  if (drop.length) steps.push(step("dropBounding", { caps: drop }, "drop capabilities from the bounding set"));
  const { uid, gid, additionalGids } = proc.user;
  steps.push(step("setUser", { uid, gid, groups: additionalGids, setgroups: input.setgroups === false ? 0 : input.setgroups === "unlessDenied" ? 2 : 1 }, `set uid ${uid}, gid ${gid}, groups [${additionalGids.join(",")}]`));
  const permitted = mask(caps?.permitted);
  const inheritable = mask(caps?.inheritable);
  // The kernel raises an ambient capability only if it is permitted and inheritable; runc
  // skips the others silently, and so do we (its default spec lists ambient caps alone).
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN in the effective set, so that one
  // is kept until the load. It does not reach the process: execve computes the new permitted and
  // effective sets from the inheritable, ambient and bounding sets and the file's capabilities,
  // never from the old permitted or effective set (capabilities(7); only no_new_privs, not set
  // here, would intersect with the old permitted set).
  const loadAdmin = seccomp && !proc.noNewPrivileges ? 1n << BigInt(CAP_SYS_ADMIN) : 0n;
  const ambient = bitsOf(permitted & inheritable & mask(caps?.ambient));
  steps.push(step("setCaps", { effective: mask(caps?.effective) | loadAdmin, permitted: permitted | loadAdmin, inheritable, ambient }, "set capabilities"));
  if (ignored.length) log.warn(`ignoring unknown or unavailable capabilities: [${[...new Set(ignored)].join(" ")}]`);
  if (proc.noNewPrivileges) steps.push(step("noNewPrivs", {}, "set no_new_privs"));
  steps.push(step("umask", { mask: proc.user.umask ?? 0o022 }, "set umask"));
  steps.push(step("chdir", { path: proc.cwd }, `change to working directory ${proc.cwd}`));
  // as runc: an empty HOME is as none (it asks getenv, which cannot tell them apart), and gets the
  // user's in its place (a new-user trial: -e HOME= left the process without one)
  const env = proc.env.some((e) => e.startsWith("HOME=") && e !== "HOME=") ? proc.env : proc.env.includes("HOME=") ? proc.env.map((e) => (e === "HOME=" ? `HOME=${input.home}` : e)) : [...proc.env, `HOME=${input.home}`];
  const pathVar = env.findLast((e) => e.startsWith("PATH="))?.slice(5) ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  const stack = proc.rlimits.findLast((r) => r.type === "RLIMIT_STACK");
  checkExecLimits({
    argv: proc.args, env, fileBytes: longestExecPath(proc.args[0]!, pathVar), pageSize: input.pageSize ?? 4096, pointerSize: POINTER_SIZE,
    stackLimit: stack ? (stack.soft >= 2 ** 64 - 1 ? Infinity : stack.soft) : (input.stackLimit ?? DEFAULT_STACK),
  });
  steps.push(step("resolveExec", { file: proc.args[0]!, path: pathVar }, `find executable "${proc.args[0]}" in the container`));
  steps.push(step("keepFds", { count: 3 + input.preserveFds }, "close the runtime's file descriptors on exec"));
  if (seccomp) steps.push(step("seccompCheck", { filter: seccomp.filter, flags: seccomp.flags }, "load the seccomp filter (a trial in a child process)"));
  steps.push(step("ready", {}, "report the process ready"));
  const last = [...(input.startHooks ?? []), ...loadSeccomp(), step("exec", { argv: proc.args, env }, `exec "${proc.args[0]}"`)];
  if (input.fifo !== undefined) {
    steps.push(step("waitStart", { slot: input.fifo, endingSignals: WAITING_INIT_ENDS }, "wait for start"));
    // After start no runtime reads the reports: the init says a failure of these steps on its
    // stderr (the container's), as runc's init does, instead of exiting without a word.
    steps.push(step("afterStart", { whats: last.map((s) => `runtime: ${s.what}`) }, "keep the words of the steps after start"));
  }
  steps.push(...last);
  return steps;
}

/** The container's own session keyring, by runc's name for it (hooks and tools look for it). */
export const sessionKeyringName = (id: string) => `_ses.${id}`;

const bitsOf = (mask: bigint): number[] => {
  const out: number[] = [];
  for (let i = 0; i < 64; i++) if ((mask >> BigInt(i)) & 1n) out.push(i);
  return out;
};

/** What the plan needs to know of the host (read by runtime/host-facts.ts). */
export interface HostFacts {
  lastCap: number;
  /** Not root: the kernel lets only a user's own ids be mapped, and only with setgroups denied. */
  rootless: boolean;
  apparmor: boolean;
  selinux: boolean;
  /** The runtime's soft RLIMIT_STACK (Infinity if unlimited) and the page size: execve's limits. */
  stackLimit?: number;
  pageSize?: number;
}

export function validateProcess(proc: Process, personality: { domain: string } | undefined, host: HostFacts): void {
  const bad = (message: string, hint: string, code = "RUNTIME_CONFIG_INVALID") => {
    throw invalid("runtime", code, `read config.json: ${message}`, hint);
  };
  for (const r of proc.rlimits) if (!(r.type in RLIMITS)) bad(`process.rlimits type "${r.type}" is unknown`, "use names such as RLIMIT_NOFILE");
  for (const r of proc.rlimits) if (r.soft > r.hard) bad(`process.rlimits ${r.type} soft limit ${r.soft} exceeds hard limit ${r.hard}`, "set soft <= hard");
  if (personality && !(personality.domain in PERSONALITY)) bad(`linux.personality.domain "${personality.domain}" is unknown`, "use LINUX or LINUX32");
  if (proc.apparmorProfile && !host.apparmor)
    bad(`process.apparmorProfile "${proc.apparmorProfile}" is set but AppArmor is not enabled on this host`, "remove apparmorProfile or enable AppArmor", "RUNTIME_APPARMOR_UNAVAILABLE");
  if (proc.selinuxLabel && !host.selinux)
    bad(`process.selinuxLabel "${proc.selinuxLabel}" is set but SELinux is not enabled on this host`, "remove selinuxLabel or enable SELinux", "RUNTIME_SELINUX_UNAVAILABLE");
}
