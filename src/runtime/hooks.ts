// OCI hooks run by the runtime itself, in the runtime's namespaces: prestart and createRuntime
// (during create), poststart (after start) and poststop (after delete). Each gets the state JSON
// on stdin; createContainer and startContainer run inside the container (native/exec/hook.c).
import { SkiffError } from "../common/errors.ts";
import { errnoOf } from "../common/errno.ts";
import { log } from "../common/log.ts";
import type { Hook, HookKind } from "../oci/runtime-config.ts";

export function hookError(kind: HookKind, hook: Hook, how: string): SkiffError {
  return new SkiffError({
    layer: "runtime", code: "RUNTIME_HOOK_FAILED", kind: "failed_precondition",
    message: `run ${kind} hook ${hook.path}: ${how}`, hint: `check the hook program and hooks.${kind} in config.json`, details: { path: hook.path },
  });
}

/** "exited with status 3", "killed by signal 9", from a wait(2) status. */
export function describeWaitStatus(status: number): string {
  if ((status & 0x7f) === 0) return `exited with status ${(status >> 8) & 0xff}`;
  return `killed by signal ${status & 0x7f}`;
}

async function runOne(kind: HookKind, hook: Hook, state: string): Promise<void> {
  let proc: Bun.Subprocess<"pipe", "inherit", "inherit">;
  try {
    // path is the program; args is its whole argv, args[0] included (as execve takes them)
    proc = Bun.spawn({
      cmd: [hook.path, ...hook.args.slice(1)], argv0: hook.args[0] ?? hook.path,
      env: Object.fromEntries(hook.env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])),
      stdin: "pipe", stdout: "inherit", stderr: "inherit",
    });
  } catch (e) {
    throw hookError(kind, hook, `cannot start it (${(e as Error).message})`);
  }
  // A hook may exit without reading its state (runc ignores that too): EPIPE is not a failure.
  // Not awaited: a hook that never reads must still meet its timeout.
  const fed = (async () => {
    proc.stdin.write(state);
    await proc.stdin.end();
  })().catch((e: unknown) => {
    if (errnoOf(e) !== "EPIPE") log.warn(`write the state to ${kind} hook ${hook.path}: ${(e as Error).message}`);
  });
  let timer: Timer | undefined;
  const timedOut = hook.timeout
    ? new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), hook.timeout! * 1000);
      })
    : new Promise<never>(() => {});
  const result = await Promise.race([proc.exited, timedOut]);
  clearTimeout(timer);
  if (result === "timeout") {
    proc.kill("SIGKILL");
    await proc.exited;
    throw hookError(kind, hook, `timed out after ${hook.timeout}s and was killed`);
  }
  await fed; // settles once the hook has gone (its end of the pipe with it)
  if (result !== 0) throw hookError(kind, hook, proc.signalCode ? `killed by signal ${proc.signalCode}` : `exited with status ${result}`);
}

/** Runs the hooks in order; the first failure ends the run with its error. */
export async function runHooks(kind: HookKind, hooks: readonly Hook[] | undefined, state: object): Promise<void> {
  const json = JSON.stringify(state);
  for (const hook of hooks ?? []) await runOne(kind, hook, json);
}

/** poststart and poststop: a failure is a warning, and the rest still run (runtime-spec). */
export async function runHooksWarning(kind: HookKind, hooks: readonly Hook[] | undefined, state: object): Promise<void> {
  for (const hook of hooks ?? []) {
    try {
      await runOne(kind, hook, JSON.stringify(state));
    } catch (e) {
      log.warn((e as SkiffError).format?.() ?? String(e));
    }
  }
}
