// The state document hooks get on stdin (runtime-spec "State").
import { readText } from "../common/sys.ts";
import type { ContainerState, Status } from "./state-store.ts";

export const OCI_VERSION = "1.2.0";

/** What the seccomp agent on listenerPath receives with the listener fd (runc's
 * ContainerProcessState). */
export function listenerMessage(s: ContainerState, pid: number, metadata: string | undefined) {
  return { ociVersion: OCI_VERSION, fds: ["seccompFd"], pid, metadata: metadata ?? "", state: hookState(s, pid, "creating") };
}

/** The runtime-spec's state: `pid` is required while the container has a process (created,
 * running) and left out once it is stopped (poststop), as runc leaves it: a 0 would name no
 * process, and a hook reading it would look at /proc/0. */
export function hookState(s: ContainerState, pid: number, status: Status) {
  return { ociVersion: OCI_VERSION, id: s.id, status, ...(status === "stopped" ? {} : { pid }), bundle: s.bundle, annotations: s.annotations };
}

/** The state for the hooks of create: prestart and createRuntime (`pid` as the runtime sees it),
 * createContainer and startContainer (in the container: the pid as the container sees it). The
 * runtime-spec calls a container `created` once its environment exists (lifecycle step 2), which
 * is before any of these hooks runs, and until the user's program runs, after startContainer: so
 * `created`, as crun passes (runc passes `creating`). */
export function createHookState(s: ContainerState, pid: number, where: "runtime" | "container") {
  return hookState(s, where === "runtime" ? pid : pidInContainer(pid), "created");
}

/** The innermost of /proc/PID/status's NSpid: the pid in the process's own pid namespace. */
export function pidInContainer(pid: number): number {
  const line = readText(`/proc/${pid}/status`).match(/^NSpid:\s*(.*)$/m);
  return line ? Number(line[1]!.trim().split(/\s+/).at(-1)) : pid;
}
