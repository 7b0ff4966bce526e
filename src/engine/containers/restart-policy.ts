// docker's restart policies as pure decisions (moby's restartmanager): whether a container that
// exited is started again, and after how long. The supervisor (restarts.ts) applies them.
//
// The rules, as dockerd's: "no" never restarts; "always" restarts whatever the exit code;
// "unless-stopped" as always, unless the user stopped or killed the container; "on-failure[:N]"
// restarts on a non-zero exit code, at most N times (0: no limit). A stop or kill by the user ends
// the restarts of every policy until the next start (dockerd cancels its restart manager); only a
// daemon start brings "always" back (see restartAtDaemonStart).
//
// The delay before each restart: 100 ms, doubled on every restart, at most one minute; back to
// 100 ms once the container has run 10 s or more.

export type RestartPolicyName = "no" | "always" | "on-failure" | "unless-stopped";

export interface RestartPolicy {
  name: RestartPolicyName;
  /** on-failure's N; 0 for no limit (and for the other policies). */
  maximumRetryCount: number;
}

export const RESTART_POLICIES: readonly RestartPolicyName[] = ["no", "always", "on-failure", "unless-stopped"];

export const BACKOFF_FIRST_MS = 100;
export const BACKOFF_MAX_MS = 60_000;
/** A run at least this long resets the delay to BACKOFF_FIRST_MS. */
export const BACKOFF_RESET_AFTER_MS = 10_000;

/** The delay before the next restart, given the last one (0: none yet) and how long the container ran. */
export function nextRestartDelay(previousMs: number, ranMs: number): number {
  const prev = ranMs >= BACKOFF_RESET_AFTER_MS ? 0 : previousMs;
  if (prev <= 0) return BACKOFF_FIRST_MS;
  return Math.min(prev * 2, BACKOFF_MAX_MS);
}

export interface ExitFacts {
  exitCode: number;
  /** The user stopped or killed it (docker stop, kill, restart's stop) since its last start. */
  manuallyStopped: boolean;
  /** Restarts made by the policy since the last start by the user. */
  restartCount: number;
  /** The user sent it a signal other than its configured stop signal (see ContainerState). */
  killedByUser?: boolean;
}

/** Whether the policy starts the container again after this exit (the daemon running on). */
export function shouldRestart(policy: RestartPolicy | undefined, f: ExitFacts): boolean {
  if (!policy || policy.name === "no" || f.manuallyStopped) return false;
  switch (policy.name) {
    case "always":
      return true;
    case "unless-stopped":
      return !f.killedByUser;
    case "on-failure":
      return f.exitCode !== 0 && (policy.maximumRetryCount === 0 || f.restartCount < policy.maximumRetryCount);
  }
}

/**
 * Whether a daemon that starts finds this stopped container to start (dockerd's restore, its
 * restart manager asked afresh): it was started before, and "always"; "unless-stopped" unless the
 * user stopped it; "on-failure" on a non-zero exit code with retries left, stopped by the user or
 * not (dockerd's rule: its on-failure does not look at the stop).
 */
export function restartAtDaemonStart(policy: RestartPolicy | undefined, f: ExitFacts & { startedBefore: boolean }): boolean {
  if (!f.startedBefore || !policy) return false;
  if (policy.name === "always") return true;
  if (policy.name === "on-failure") return shouldRestart(policy, { ...f, manuallyStopped: false });
  return shouldRestart(policy, f);
}

/** dockerd's checks of a policy at create and update (its words). */
export function restartPolicyProblem(p: RestartPolicy, autoRemove: boolean): string | undefined {
  if (!RESTART_POLICIES.includes(p.name)) return `invalid restart policy '${p.name}'`;
  if (p.name !== "on-failure" && p.maximumRetryCount !== 0) return `maximum retry count cannot be used with restart policy '${p.name}'`;
  if (p.maximumRetryCount < 0) return "maximum retry count cannot be negative";
  if (autoRemove && p.name !== "no") return "can't create 'AutoRemove' container with restart policy";
  return undefined;
}
