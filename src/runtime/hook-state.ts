// The state document hooks get on stdin (runtime-spec "State").
import type { ContainerState, Status } from "./state-store.ts";

export const OCI_VERSION = "1.2.0";

export function hookState(s: ContainerState, pid: number, status: Status) {
  return { ociVersion: OCI_VERSION, id: s.id, status, pid, bundle: s.bundle, annotations: s.annotations };
}
