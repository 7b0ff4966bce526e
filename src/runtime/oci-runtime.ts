// The one way the engine (and skiff-oci's CLI) reaches an OCI runtime: skiff's own, called
// in-process (no process started per verb), or any runc-compatible binary driven through its
// command line, as containerd's shim and conmon drive runc. One conformance suite runs against both.
import type { Process } from "../oci/runtime-config.ts";
import type { OciState } from "./lifecycle.ts";
import type { RootfsMount } from "./plan/build.ts";
import type { Spawner } from "./spawner.ts";

export type { RootfsMount };

export type { OciState };

export interface RuntimeCreateOptions {
  /** Who starts the create command: the engine puts it under the container's monitor. */
  spawner?: Spawner;
  pidFile?: string;
  consoleSocket?: string;
  /** The rootfs as a mount onto the bundle's root.path (the engine's overlay). skiff's runtime
   * performs it inside the container's mount namespace; for another runtime it is mounted on the
   * host before create and unmounted after delete, as containerd's shim does. */
  rootfsMount?: RootfsMount;
  /** Bring lo up in the container's new network namespace (docker's sandbox does): skiff's
   * runtime does it in the init; for another runtime it is done from the host after create. */
  loopbackUp?: boolean;
}

export interface RuntimeExecOptions {
  spawner?: Spawner;
  pidFile?: string;
  consoleSocket?: string;
}

export interface OciRuntime {
  /** "skiff" for the in-process runtime, else the binary's name ("runc", "crun", "skiff-oci"). */
  readonly name: string;
  /** Where the runtime keeps its state (runc's --root): `skiff-oci --root DIR list` shows it. */
  readonly root: string;
  /** Creates the container from `bundle`; resolves with the init's pid once it waits for start. */
  create(id: string, bundle: string, o?: RuntimeCreateOptions): Promise<{ pid: number }>;
  start(id: string): Promise<void>;
  state(id: string): Promise<OciState>;
  kill(id: string, signal: number, o?: { all?: boolean }): Promise<void>;
  delete(id: string, o?: { force?: boolean }): Promise<void>;
  /** Starts a further process in the container, detached; resolves with its pid. */
  exec(id: string, process: Process, o?: RuntimeExecOptions): Promise<{ pid: number }>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** Deep-merges `resources` (linux.resources' shape) into the container's and applies them. */
  update(id: string, resources: Record<string, unknown>): Promise<void>;
  /** The pids in the container's cgroup. */
  ps(id: string): Promise<number[]>;
  /** cgroup statistics in the shape of `runc events --stats`'s "data". */
  stats(id: string): Promise<Record<string, unknown>>;
}
