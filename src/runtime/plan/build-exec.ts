// A process to run in an existing container → the launch plan that joins it: the container's
// cgroup and every namespace of its init (the user namespace first, the mount namespace last),
// then the process steps shared with create.
import type { Process, RuntimeConfig } from "../../oci/runtime-config.ts";
import { BLOB, LAUNCHER_IGNORES } from "./build.ts";
import type { HostFacts } from "./process-steps.ts";
import { CLONE } from "./namespaces.ts";
import { processSteps, validateProcess } from "./process-steps.ts";
import type { SeccompFilter } from "./seccomp-filter.ts";
import { step, type Step } from "./step.ts";

/** Namespace types as /proc/PID/ns names them, in join order. */
const PROC_NS: [type: string, file: string][] = [
  ["user", "user"], ["ipc", "ipc"], ["uts", "uts"], ["network", "net"], ["pid", "pid"], ["cgroup", "cgroup"], ["time", "time"], ["mount", "mnt"],
];

export interface ExecPlanInput {
  proc: Process;
  /** The container's config (its namespaces and personality). */
  config: RuntimeConfig;
  initPid: number;
  cgroupProcs: string[];
  consoleSocket?: string;
  preserveFds: number;
  /** The launcher waits for the process and exits with its status. */
  foreground: boolean;
  home: string;
  host: HostFacts;
  /** The container's linux.seccomp compiled (plan/seccomp-filter.ts), when it has one. */
  seccomp?: SeccompFilter;
  /** The container's session keyring, joined as it is. */
  keyring?: string;
}

export function buildExecPlan(input: ExecPlanInput): Step[] {
  const { proc, config } = input;
  validateProcess(proc, config.linux.personality, input.host);
  const steps: Step[] = [];
  let slots = 0;
  const has = new Set(config.linux.namespaces.map((n) => n.type));
  const joins = PROC_NS.filter(([type]) => has.has(type)).map(([type, file]) => {
    const slot = slots++;
    const path = `/proc/${input.initPid}/ns/${file}`;
    steps.push(step("openPath", { slot, path, flags: 0 }, `open the container's ${type} namespace ${path}`));
    return { type, slot, path };
  });
  const cgroups = input.cgroupProcs.map((path) => {
    const slot = slots++;
    steps.push(step("openPath", { slot, path, flags: 1 }, `open ${path}`));
    return { slot, path };
  });
  let consoleSlot = -1;
  if (proc.terminal) {
    consoleSlot = slots++;
    if (input.consoleSocket) steps.push(step("connectSocket", { slot: consoleSlot, path: input.consoleSocket }, `connect to console socket ${input.consoleSocket}`));
    else steps.push(step("consolePair", { slot: consoleSlot }, "create the terminal relay's socket pair"));
  }
  const seccomp = input.seccomp;
  let listenerSlot: number | undefined;
  if (seccomp?.listenerPath !== undefined) {
    listenerSlot = slots++;
    steps.push(step("connectSocket", { slot: listenerSlot, path: seccomp.listenerPath }, `connect to the seccomp listener socket ${seccomp.listenerPath}`));
  }
  steps.push(step("spawn", { waitInit: input.foreground ? 1 : 0, ignoreSignals: input.foreground ? LAUNCHER_IGNORES : [] }, "fork the process's intermediate"));
  for (const c of cgroups) steps.push(step("joinCgroup", { slot: c.slot }, `join cgroup ${c.path}`));
  for (const j of joins) steps.push(step("setns", { slot: j.slot, nstype: CLONE[j.type]! }, `join the container's ${j.type} namespace`));
  steps.push(step("forkInit", {}, "fork the process inside the container's pid namespace"));
  steps.push(step("setsid", {}, "start a new session"));
  if (listenerSlot !== undefined) steps.push(step("readState", { which: BLOB.listenerMessage }, "receive the message for the seccomp listener"));
  // (an exec's terminal is its own: the container's /dev/console stays its init's, as runc's)
  if (consoleSlot >= 0) steps.push(step("console", { socketSlot: consoleSlot, rows: proc.consoleSize?.height ?? 0, cols: proc.consoleSize?.width ?? 0, mountConsole: 0 }, "set up the terminal"));
  steps.push(...processSteps({ proc, personality: config.linux.personality, lastCap: input.host.lastCap, home: input.home, preserveFds: input.preserveFds, seccomp, listenerSlot, setgroups: has.has("user") ? "unlessDenied" : true, stackLimit: input.host.stackLimit, pageSize: input.host.pageSize, keyring: input.keyring === undefined ? undefined : { name: input.keyring, perm: 0 } }));
  return steps;
}
