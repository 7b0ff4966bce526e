// start, kill, delete, state and list on containers in a state store.
import { precondition, SkiffError } from "../common/errors.ts";
import { errnoOf } from "../common/errno.ts";
import { close, O_NONBLOCK, O_WRONLY, open, unlink, write } from "../common/sys.ts";
import { setFrozen } from "./cgroups/freezer.ts";
import { cgroupPids, removeCgroup } from "./cgroups/manager.ts";
import { killAndWait } from "./kill.ts";
import { hookState, OCI_VERSION } from "./hook-state.ts";
import { runHooksWarning } from "./hooks.ts";
import { processStartTime } from "../common/proc-stat.ts";
import { containerStatus, type ContainerState, type StateStore, type Status } from "./state-store.ts";

/** The OCI state document (runtime-spec "State"), as `state` prints it. */
export interface OciState {
  ociVersion: string;
  id: string;
  status: Status;
  pid: number;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

export function ociState(store: StateStore, s: ContainerState): OciState {
  const status = containerStatus(store, s);
  const state: OciState = {
    ociVersion: OCI_VERSION, id: s.id, status, pid: status === "stopped" ? 0 : s.pid, bundle: s.bundle, rootfs: s.rootfs,
    created: s.created, owner: "",
  };
  // (no spread and no Object.keys: each is a first call `state` would pay for, issue 9)
  for (const _ in s.annotations) {
    state.annotations = s.annotations;
    break;
  }
  return state;
}

export async function startContainer(store: StateStore, id: string): Promise<void> {
  const s = store.read(id);
  const status = containerStatus(store, s);
  if (status !== "created") throw precondition("runtime", "RUNTIME_NOT_CREATED", `start container "${id}": it is ${status}, not created`, status === "stopped" ? `delete it with: skiff-oci delete ${id}` : "only a created container can be started");
  let fd: number;
  try {
    fd = open(store.fifo(id), O_WRONLY | O_NONBLOCK);
  } catch (e) {
    throw precondition("runtime", "RUNTIME_INIT_NOT_WAITING", `start container "${id}": its init is not waiting (${errnoOf(e) ?? (e as Error).message})`, `the init died; delete it with: skiff-oci delete ${id}`);
  }
  try {
    write(fd, new Uint8Array(1));
  } finally {
    close(fd);
  }
  unlink(store.fifo(id));
  await runHooksWarning("poststart", s.hooks?.poststart, hookState(s, s.pid, "running"));
}

export function killContainer(store: StateStore, id: string, sig: number, all: boolean): void {
  const s = store.read(id);
  const status = containerStatus(store, s);
  // as runc: --all signals what is left in the cgroup of a stopped container (processes of an init
  // that shared or had no pid namespace outlive it); without --all, runc's words: containerd
  // matches "container not running" to map this to "already finished"
  if (status === "stopped" && all) {
    for (const pid of cgroupPids(s.cgroupDirs)) signal(pid, sig);
    return;
  }
  if (status === "stopped" || status === "creating")
    throw precondition("runtime", "RUNTIME_NOT_RUNNING", `kill container "${id}": container not running (it is ${status})`, "only a created or running container can be signalled");
  for (const pid of all ? cgroupPids(s.cgroupDirs) : [s.pid]) signal(pid, sig);
  // as runc: a frozen task takes SIGKILL only once thawed (cgroup v1), and a paused container
  // that is killed is to stop, not to wait for a resume
  if (sig === 9 && status === "paused") setFrozen(s.cgroupDirs, false);
}

/** kill(2), where a process already gone is not an error. Never to pid 0 or below (the caller's
 *  process group, or every process). */
function signal(pid: number, sig: number): void {
  if (!(pid > 0)) throw new SkiffError({ layer: "runtime", code: "RUNTIME_STATE_INVALID", kind: "internal", message: `send signal ${sig} to pid ${pid}: not a process of a container`, hint: "the container's state.json names no process: delete it with --force" });
  try {
    process.kill(pid, sig);
  } catch (e) {
    if (errnoOf(e) !== "ESRCH") throw new SkiffError({ layer: "kernel", code: "RUNTIME_KILL_FAILED", kind: "internal", message: `send signal ${sig} to pid ${pid}: ${errnoOf(e)}`, cause: e });
  }
}

export async function deleteContainer(store: StateStore, id: string, force: boolean): Promise<void> {
  if (!store.exists(id)) {
    // as runc: the directory of a create cut short (reserved, no state.json) goes, or the id
    // could never be created again; --force on a container that is gone is fine
    store.remove(id);
    if (force) return;
  }
  const s = store.read(id);
  const status = containerStatus(store, s);
  // A created container is deleted without --force (its init only waits), as runc does; the
  // runtime-spec would refuse it, but engines delete created containers this way.
  if ((status === "running" || status === "paused") && !force) throw precondition("runtime", "RUNTIME_STILL_RUNNING", `delete container "${id}": it is ${status}`, `stop it first (skiff-oci kill ${id} KILL) or use delete --force`);
  // even with --force: the create is another process's work in progress (an engine's own, for
  // the in-process runtime), with no init yet (pid 0) to kill
  if (status === "creating")
    throw precondition("runtime", "RUNTIME_STILL_CREATING", `delete container "${id}": it is being created by pid ${s.creator}`, `wait for the create to end (it leaves the container created, or nothing), then delete it`);
  if (status === "paused") {
    // frozen tasks take SIGKILL only once thawed
    for (const pid of cgroupPids(s.cgroupDirs)) signal(pid, 9);
    setFrozen(s.cgroupDirs, false);
  }
  if (status !== "stopped") {
    await killAndWait(cgroupPids(s.cgroupDirs).filter((pid) => pid !== s.pid));
    if (processStartTime(s.pid) === s.startTime) await killAndWait([s.pid]);
  }
  await killAndWait(cgroupPids(s.cgroupDirs));
  removeCgroup(s.cgroupCreated, s.cgroupDirs);
  store.remove(id);
  await runHooksWarning("poststop", s.hooks?.poststop, hookState(s, 0, "stopped"));
}

/** Every container whose state reads; `unreadable` hears of the others (as runc's list warns). */
export function listContainers(store: StateStore, unreadable?: (id: string, e: unknown) => void): OciState[] {
  const out: OciState[] = [];
  for (const id of store.ids()) {
    try {
      out.push(ociState(store, store.read(id)));
    } catch (e) {
      unreadable?.(id, e);
    }
  }
  return out;
}
