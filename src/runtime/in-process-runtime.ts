// skiff's runtime as a library behind OciRuntime: each verb is a function call on the state
// store; only create and exec start a process (the native executor, through the spawner). The
// state is skiff-oci's own format under `root`, so `skiff-oci --root ROOT list` sees these containers.
import { Checker } from "../oci/check.ts";
import { checkProcess, type Process } from "../oci/runtime-config.ts";
import { cgroupStats } from "./cgroups/stats.ts";
import { containerPids, pauseContainer, updateContainer } from "./control.ts";
import { createContainer } from "./create.ts";
import { execInContainer } from "./exec.ts";
import { deleteContainer, killContainer, ociState, startContainer } from "./lifecycle.ts";
import type { OciRuntime, OciState, RuntimeCreateOptions, RuntimeExecOptions } from "./oci-runtime.ts";
import { StateStore } from "./state-store.ts";

export class InProcessRuntime implements OciRuntime {
  readonly name = "skiff";
  private readonly store: StateStore;

  constructor(readonly root: string) {
    this.store = new StateStore(root);
  }

  async create(id: string, bundle: string, o: RuntimeCreateOptions = {}): Promise<{ pid: number }> {
    const { state } = await createContainer(this.store, { id, bundle, pidFile: o.pidFile, consoleSocket: o.consoleSocket, spawner: o.spawner, rootfsMount: o.rootfsMount, loopbackUp: o.loopbackUp });
    return { pid: state.pid };
  }

  start(id: string): Promise<void> {
    return startContainer(this.store, id);
  }

  async state(id: string): Promise<OciState> {
    return ociState(this.store, this.store.read(id));
  }

  async kill(id: string, signal: number, o: { all?: boolean } = {}): Promise<void> {
    killContainer(this.store, id, signal, o.all ?? false);
  }

  delete(id: string, o: { force?: boolean } = {}): Promise<void> {
    return deleteContainer(this.store, id, o.force ?? false);
  }

  async exec(id: string, process: Process, o: RuntimeExecOptions = {}): Promise<{ pid: number }> {
    // as runc reads --process: a runtime-spec process, its defaults filled in
    const checked = checkProcess(new Checker("runtime", "RUNTIME_CONFIG_INVALID", "the exec process"), process, "process");
    const { pid } = await execInContainer(this.store, { id, process: checked, detach: true, pidFile: o.pidFile, consoleSocket: o.consoleSocket, spawner: o.spawner });
    return { pid };
  }

  async pause(id: string): Promise<void> {
    pauseContainer(this.store, id, true);
  }

  async resume(id: string): Promise<void> {
    pauseContainer(this.store, id, false);
  }

  async update(id: string, resources: Record<string, unknown>): Promise<void> {
    updateContainer(this.store, id, resources);
  }

  async ps(id: string): Promise<number[]> {
    return containerPids(this.store, id);
  }

  async stats(id: string): Promise<Record<string, unknown>> {
    return cgroupStats(this.store.read(id).cgroupDirs);
  }
}
