// exec: run a further process in a created or running container, joined to its namespaces and
// cgroup. The process is a child of the launcher, which waits for it in the foreground.
import { join } from "node:path";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { precondition, SkiffError } from "../common/errors.ts";
import type { Process } from "../oci/runtime-config.ts";
import { readBundleConfig } from "./bundle-config.ts";
import { launch, MSG, type Launch } from "./executor.ts";
import type { Spawner } from "./spawner.ts";
import { readHostFacts } from "./host-facts.ts";
import { hookState, listenerMessage } from "./hook-state.ts";
import { homeOf } from "./passwd.ts";
import { buildExecPlan } from "./plan/build-exec.ts";
import { sessionKeyringName } from "./plan/process-steps.ts";
import { checkProcessStrings } from "./plan/plan-strings.ts";
import { containerStatus, type StateStore } from "./state-store.ts";

export interface ExecOptions {
  id: string;
  /** The process; callers start from `baseProcess` and change what their flags say. */
  process: Process;
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds?: number;
  /** Who starts the executor (the engine: under the exec's monitor). */
  spawner?: Spawner;
}

/** The container's own process from its config: what runc's exec starts from. */
export function baseProcess(store: StateStore, id: string): Process {
  const s = store.read(id);
  const proc = readBundleConfig(s.bundle).process;
  if (!proc) throw precondition("runtime", "RUNTIME_CONFIG_INVALID", `exec in container "${id}": its config has no process`, "pass --process FILE");
  return structuredClone(proc);
}

export async function execInContainer(store: StateStore, opts: ExecOptions): Promise<{ pid: number; launch: Launch }> {
  const s = store.read(opts.id);
  const status = containerStatus(store, s);
  if (status !== "created" && status !== "running")
    throw precondition("runtime", "RUNTIME_NOT_RUNNING", `exec in container "${opts.id}": it is ${status}`, "exec needs a created or running container");
  const config = readBundleConfig(s.bundle);
  checkProcessStrings(opts.process, "the exec process");
  const steps = buildExecPlan({
    proc: opts.process, config, initPid: s.pid, cgroupProcs: s.cgroupDirs.map((d) => join(d, "cgroup.procs")), consoleSocket: opts.consoleSocket,
    seccomp: config.linux.seccomp && (await import("./plan/seccomp-filter.ts")).seccompFilter(config.linux.seccomp),
    keyring: sessionKeyringName(opts.id), preserveFds: opts.preserveFds ?? 0, foreground: !opts.detach, home: homeOf(s.rootfs, opts.process.user.uid, config.mounts, s.bundle, config.linux.maskedPaths), host: readHostFacts(),
  });
  const launched = launch(steps, { preserveFds: opts.preserveFds ?? 0, spawner: opts.spawner });
  let pid = 0;
  try {
    // EOF comes when the process has exec-ed (the socket is close-on-exec); errors come before it.
    for (let m = await launched.next(); m; m = await launched.next()) {
      if (m.type === MSG.pid) {
        pid = m.value;
        const seccomp = config.linux.seccomp as { listenerMetadata?: string } | undefined;
        launched.sendBlobs(() => JSON.stringify({ ...listenerMessage(s, pid, seccomp?.listenerMetadata), state: hookState(s, s.pid, "running") }));
      }
      else if (m.type === MSG.error) throw launched.stepError(m);
    }
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
