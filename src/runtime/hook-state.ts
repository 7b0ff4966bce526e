// The state document hooks get on stdin (runtime-spec "State").
import type { ContainerState, Status } from "./state-store.ts";

export const OCI_VERSION = "1.2.0";

/** What the seccomp agent on listenerPath receives with the listener fd (runc's
 * ContainerProcessState). */
export function listenerMessage(s: ContainerState, pid: number, metadata: string | undefined) {
  return { ociVersion: OCI_VERSION, fds: ["seccompFd"], pid, metadata: metadata ?? "", state: hookState(s, pid, "creating") };
}

export function hookState(s: ContainerState, pid: number, status: Status) {
  return { ociVersion: OCI_VERSION, id: s.id, status, pid, bundle: s.bundle, annotations: s.annotations };
}
