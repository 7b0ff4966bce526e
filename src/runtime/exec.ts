// exec: run a further process in a created or running container, joined to its namespaces and
// cgroup. The process is a child of the launcher, which waits for it in the foreground.
import { checkConsole } from "./console-check.ts";
import { join } from "node:path";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { precondition, SkiffError } from "../common/errors.ts";
import { mark } from "../common/trace.ts";
import type { Process, RuntimeConfig } from "../oci/runtime-config.ts";
import { readBundleConfig } from "./bundle-config.ts";
import { launch, MSG, type Launch } from "./executor.ts";
import type { Spawner } from "./spawner.ts";
import { readHostFacts } from "./host-facts.ts";
import { hookState, listenerMessage } from "./hook-state.ts";
import { homeOf } from "./passwd.ts";
import { buildExecPlan } from "./plan/build-exec.ts";
import { sessionKeyringName } from "./plan/process-steps.ts";
import { checkProcessStrings } from "./plan/plan-strings.ts";
import { containerStatus, type ContainerState, type StateStore } from "./state-store.ts";

export interface ExecOptions {
  id: string;
  /** The process; callers start from `baseProcess` and change what their flags say. */
  process: Process;
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds?: number;
  /** runc's --ignore-paused: exec into a paused container too (the process joins its frozen
   *  cgroup and runs once the container is resumed). */
  ignorePaused?: boolean;
  /** Who starts the executor (the engine: under the exec's monitor). */
  spawner?: Spawner;
  /** The container as the caller read it (else read here). */
  target?: ExecTarget;
}

/** The container's state and bundle config, read once for an exec (skiff-oci's exec builds its
 *  process from the config, then runs it: one read and one parse of each). */
export interface ExecTarget {
  state: ContainerState;
  config: RuntimeConfig;
}

export function readExecTarget(store: StateStore, id: string): ExecTarget {
  const state = store.read(id);
  return { state, config: readBundleConfig(state.bundle) };
}

/** The container's own process from its config: what runc's exec starts from. */
export function baseProcess(target: ExecTarget, id: string): Process {
  const proc = target.config.process;
  if (!proc) throw precondition("runtime", "RUNTIME_CONFIG_INVALID", `exec in container "${id}": its config has no process`, "pass --process FILE");
  return structuredClone(proc);
}

export async function execInContainer(store: StateStore, opts: ExecOptions): Promise<{ pid: number; launch: Launch }> {
  mark("start-up");
  const { state: s, config } = opts.target ?? readExecTarget(store, opts.id);
  const status = containerStatus(store, s);
  if (status === "paused" && !opts.ignorePaused)
    throw precondition("runtime", "RUNTIME_NOT_RUNNING", `exec in container "${opts.id}": cannot exec in a paused container (use --ignore-paused to override)`, `resume it first (skiff-oci resume ${opts.id}), or pass --ignore-paused: the process then runs once it is resumed`);
  if (status !== "created" && status !== "running" && status !== "paused")
    throw precondition("runtime", "RUNTIME_NOT_RUNNING", `exec in container "${opts.id}": it is ${status}`, "exec needs a created or running container");
  checkProcessStrings(opts.process, "the exec process");
  checkConsole(`exec in container "${opts.id}"`, { detach: opts.detach, terminal: !!opts.process.terminal, consoleSocket: opts.consoleSocket });
  mark("config read");
  const steps = buildExecPlan({
    proc: opts.process, config, initPid: s.pid, cgroupProcs: s.cgroupDirs.map((d) => join(d, "cgroup.procs")), consoleSocket: opts.consoleSocket,
    seccomp: config.linux.seccomp && (await import("./plan/seccomp-filter.ts")).seccompFilter(config.linux.seccomp),
    keyring: sessionKeyringName(opts.id), preserveFds: opts.preserveFds ?? 0, foreground: !opts.detach, home: execHome(s.pid, opts.process.user.uid), host: readHostFacts(),
  });
  mark("plan built");
  const launched = launch(steps, { preserveFds: opts.preserveFds ?? 0, spawner: opts.spawner });
  mark("executor spawned");
  let pid = 0;
  try {
    // EOF comes when the process has exec-ed (the socket is close-on-exec); errors come before it.
    for (let m = await launched.next(); m; m = await launched.next()) {
      if (m.type === MSG.pid) {
        mark("process forked");
        pid = m.value;
        const seccomp = config.linux.seccomp as { listenerMetadata?: string } | undefined;
        launched.sendBlobs(() => JSON.stringify({ ...listenerMessage(s, pid, seccomp?.listenerMetadata), state: hookState(s, s.pid, "running") }));
      }
      else if (m.type === MSG.error) throw launched.stepError(m);
    }
    mark("process started");
    if (!pid) throw new SkiffError({ layer: "runtime", code: "RUNTIME_INIT_DIED", kind: "internal", message: `exec in container "${opts.id}": the process ended before it started`, hint: "run with --debug" });
    if (opts.pidFile) writeFileAtomic(opts.pidFile, String(pid), 0o644, false);
    return { pid, launch: launched };
  } catch (e) {
    launched.close();
    if (pid) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    throw e;
  } finally {
    if (opts.detach) {
      launched.close();
      launched.proc.unref();
    }
  }
}

/** HOME for an exec whose env has none: from the /etc/passwd the container sees now, through its
 *  init's root (its mounts and masks in place; the engine's rootfs is mounted in there only). */
const execHome = (initPid: number, uid: number): string => homeOf(`/proc/${initPid}/root`, uid);
