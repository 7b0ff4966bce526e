// create: from a bundle to a container whose init waits, set up, for start. On any failure
// nothing is left: no process, no cgroup, no state directory.
import { checkConsole } from "./console-check.ts";
import { statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { invalid, isSkiffError, SkiffError } from "../common/errors.ts";
import { log } from "../common/log.ts";
import { mark } from "../common/trace.ts";
import type { RuntimeConfig } from "../oci/runtime-config.ts";
import { readBundleConfig } from "./bundle-config.ts";
import { configureCgroup } from "./cgroups/configure.ts";
import { cgroupDirs, createCgroup, missingCgroupDirs, readCgroupLayout, removeCgroup } from "./cgroups/manager.ts";
import { launch, MSG, type Launch } from "./executor.ts";
import { readHostFacts } from "./host-facts.ts";
import { createHookState, listenerMessage } from "./hook-state.ts";
import { runHooks } from "./hooks.ts";
import { BLOB, buildCreatePlan, SYNC_TAG } from "./plan/build.ts";
import { sessionKeyringName } from "./plan/process-steps.ts";
import { homeOf } from "./passwd.ts";
import { killAndWait } from "./kill.ts";
import type { Spawner } from "./spawner.ts";
import type { RootfsMount } from "./plan/build.ts";
import { processStartTime } from "../common/proc-stat.ts";
import { StateStore, type ContainerState } from "./state-store.ts";

/** The init's death before it was ready; the kernel's OOM killer named when it was the cause (a
 *  memory limit below what starting the container takes kills the runtime's own process). */
async function initDied(dirs: readonly string[], config: RuntimeConfig): Promise<SkiffError> {
  const { oomKills } = await import("./cgroups/stats.ts"); // (only on this failure)
  const memory = config.linux.resources?.memory as { limit?: number } | undefined;
  const limit = memory?.limit;
  if (oomKills(dirs) > 0)
    return new SkiffError({
      layer: "kernel", code: "RUNTIME_INIT_OOM_KILLED", kind: "failed_precondition",
      message: `create container: the kernel's OOM killer killed the container's init before it was ready${limit !== undefined ? ` (linux.resources.memory.limit is ${limit} bytes)` : ""}`,
      hint: "the memory limit is below what starting the container takes: raise linux.resources.memory.limit (a few MiB at least)",
      details: { ...(limit !== undefined ? { limit } : {}) },
    });
  return new SkiffError({ layer: "runtime", code: "RUNTIME_INIT_DIED", kind: "internal", message: "create container: the container's init exited before it was ready", hint: "run with --debug and check the kernel log (dmesg)" });
}

export interface CreateOptions {
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  preserveFds?: number;
  /** Keep the caller's session keyring instead of a new one of the container's (runc's flag). */
  noNewKeyring?: boolean;
  /** `run` in the foreground: the returned launch ends with the container. */
  foreground?: boolean;
  /** Who starts the executor (the engine: under the container's monitor). */
  spawner?: Spawner;
  /** The engine's rootfs, mounted on root.path inside the container's mount namespace. */
  rootfsMount?: RootfsMount;
  /** The engine's: lo up in the container's new network namespace. */
  loopbackUp?: boolean;
}

export interface Created {
  state: ContainerState;
  launch: Launch;
}

export async function createContainer(store: StateStore, opts: CreateOptions): Promise<Created> {
  mark("start-up");
  const bundle = resolve(opts.bundle);
  const config = readBundleConfig(bundle);
  mark("config read");
  if (!config.root?.path) throw invalid("runtime", "RUNTIME_CONFIG_INVALID", `read ${bundle}/config.json: root.path is missing`, "set root.path to the rootfs directory");
  const rootfs = isAbsolute(config.root.path) ? config.root.path : join(bundle, config.root.path);
  try {
    if (!statSync(rootfs).isDirectory()) throw new Error("not a directory");
  } catch {
    throw invalid("runtime", "RUNTIME_ROOTFS_MISSING", `use rootfs ${rootfs}: not a directory`, `create the rootfs or fix root.path in ${bundle}/config.json`, { path: rootfs });
  }

  checkConsole(`create container "${opts.id}"`, { detach: !opts.foreground, terminal: !!config.process?.terminal, consoleSocket: opts.consoleSocket });

  const rootless = process.geteuid?.() !== 0;
  store.reserve(opts.id);
  const cleanup: (() => void | Promise<void>)[] = [() => store.remove(opts.id)];
  let launched: Launch | undefined;
  let pid = 0;
  try {
    let layout = readCgroupLayout();
    const cg = cgroupDirs(layout, config.linux.cgroupsPath, opts.id);
    const state: ContainerState = {
      id: opts.id, pid: 0, startTime: 0, bundle, rootfs, created: new Date().toISOString(), annotations: config.annotations,
      cgroupPath: cg.path, cgroupDirs: cg.dirs, cgroupCreated: [], creator: process.pid,
      hooks: { poststart: config.hooks.poststart, poststop: config.hooks.poststop }, resources: config.linux.resources,
    };
    // What will be made is recorded first, in the state's first write: a delete after a crash
    // amid the mkdirs removes it. Written again only if what was made differs (a parent that
    // another create made meanwhile): each write is a file and a rename on create's path.
    state.cgroupCreated = missingCgroupDirs(cg.dirs);
    store.write(state);
    let devices: ReturnType<typeof configureCgroup> = {};
    try {
      const created = createCgroup(cg.dirs);
      cleanup.push(() => removeCgroup(state.cgroupCreated, cg.dirs));
      if (!sameStrings(created, state.cgroupCreated)) {
        state.cgroupCreated = created;
        store.write(state);
      }
      devices = configureCgroup({ layout, dirs: cg.dirs, resources: config.linux.resources, where: join(bundle, "config.json"), skipDevices: rootless,
        hybridDeviceProgram: process.env.SKIFF_HYBRID_DEVICE_EBPF === "1" });
    } catch (e) {
      // As runc: a user without a delegated cgroup gets none, quietly (--debug says so), not a failure.
      if (!rootless || !isSkiffError(e) || !["EACCES", "EPERM", "EROFS"].includes(String(e.details.errno))) throw e;
      log.debug(`${e.message}: running without a cgroup of its own (no limits, no kill --all, no pause)`);
      layout = { mode: layout.mode, hierarchies: [] };
      cg.dirs.length = 0;
      state.cgroupDirs = [];
      store.write(state);
    }
    mark("cgroup made");

    const steps = buildCreatePlan({
      config, bundle, rootfs, fifoPath: store.fifo(opts.id), consoleSocket: opts.consoleSocket, preserveFds: opts.preserveFds ?? 0,
      keyring: opts.noNewKeyring ? undefined : sessionKeyringName(opts.id), noPivot: opts.noPivot ?? false, foreground: opts.foreground ?? false,
      cgroupProcs: cg.dirs.map((d) => join(d, "cgroup.procs")),
      cgroup: { hierarchies: layout.hierarchies.map((hierarchy, i) => ({ hierarchy, dir: cg.dirs[i]! })), cgroupns: config.linux.namespaces.some((n) => n.type === "cgroup") },
      home: homeOf(rootfs, config.process?.user.uid ?? 0, config.mounts, bundle, config.linux.maskedPaths, opts.rootfsMount),
      seccomp: config.linux.seccomp && (await import("./plan/seccomp-filter.ts")).seccompFilter(config.linux.seccomp),
      deviceFilter: devices.deviceProgram && { cgroup: devices.dir!, program: devices.deviceProgram },
      host: readHostFacts(),
      rootfsMount: opts.rootfsMount,
      loopbackUp: opts.loopbackUp,
    });
    mark("plan built");
    if (!config.linux.namespaces.some((n) => n.type === "mount"))
      log.debug("linux.namespaces lists no mount namespace: the container mounts in the runtime's own (runtime-spec: an unlisted type is inherited) and chroot stands in for pivot_root");
    launched = launch(steps, { preserveFds: opts.preserveFds ?? 0, spawner: opts.spawner });
    mark("executor spawned");
    // The init's pid travels intermediate → launcher → here, while the init reports ready
    // directly: under load ready can come first, so wait for both.
    let hooksDue = false; // createRuntime's sync may also overtake the pid: the hooks need it
    for (let ready = false; !ready || !pid; ) {
      if (hooksDue && pid) {
        hooksDue = false;
        try {
          await runHooks("prestart", config.hooks.prestart, createHookState(state, pid, "runtime"));
          await runHooks("createRuntime", config.hooks.createRuntime, createHookState(state, pid, "runtime"));
        } catch (e) {
          launched.resume(false);
          throw e;
        }
        launched.resume(true);
      }
      const m = await launched.next();
      if (!m) throw await initDied(cg.dirs, config);
      if (m.type === MSG.pid) {
        mark("init forked");
        pid = m.value;
        cleanup.push(() => killAndWait([pid]));
        const seccomp = config.linux.seccomp as { listenerMetadata?: string } | undefined;
        launched.sendBlobs((which) => JSON.stringify(which === BLOB.hookState ? createHookState(state, pid, "container") : listenerMessage(state, pid, seccomp?.listenerMetadata)));
      } else if (m.type === MSG.sync && m.value === SYNC_TAG.createRuntime) hooksDue = true;
      else if (m.type === MSG.error) throw launched.stepError(m);
      else if (m.type === MSG.ready) ready = true;
    }
    mark("init ready");
    state.pid = pid;
    state.startTime = processStartTime(pid);
    store.write(state);
    mark("state written");
    if (opts.pidFile) writeFileAtomic(resolve(opts.pidFile), String(pid), 0o644, false);
    if (!opts.foreground) {
      launched.close();
      launched.proc.unref();
    }
    return { state, launch: launched };
  } catch (e) {
    launched?.close();
    for (const undo of cleanup.reverse()) {
      try {
        await undo();
      } catch {}
    }
    throw e;
  }
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
