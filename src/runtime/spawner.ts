// How the runtime starts the program that creates a container or runs an exec (the native
// executor, or a runc-compatible binary's `create`/`exec`). By default it is a plain child that
// shares our stdio; the engine passes a spawner that starts it under the container's monitor,
// which holds the container's stdio and outlives the daemon (the conmon model).

/** A started create/exec command. */
export interface Spawned {
  /** The child's fds as we hold them: for each "pipe" asked for, our end at the same index. */
  readonly stdio: readonly (number | null | undefined)[];
  /** The command's exit status (not the monitor's, when one stands in between). */
  readonly exited: Promise<number>;
  unref(): void;
}

export interface SpawnRequest {
  argv: string[];
  /** The child's fds from 3 on: an fd of ours passed through, or "pipe" for a new socket to it. */
  fds: (number | "pipe")[];
  env: Record<string, string>;
}

export type Spawner = (req: SpawnRequest) => Spawned;

/** A child with our own stdin, stdout and stderr: what skiff-oci's `create` and `exec` do. */
export const plainSpawner: Spawner = (req) => Bun.spawn(req.argv, { stdio: ["inherit", "inherit", "inherit", ...req.fds] as never, env: req.env });
