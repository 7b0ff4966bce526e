// OCI hooks run by the runtime itself, in the runtime's namespaces: prestart and createRuntime
// (during create), poststart (after start) and poststop (after delete). Each gets the state JSON
// on stdin; createContainer and startContainer run inside the container (native/exec/hook.c).
import { SkiffError } from "../common/errors.ts";
import { errnoOf } from "../common/errno.ts";
import { log } from "../common/log.ts";
import { exists } from "../common/sys.ts";
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

/** How much of each of a hook's output streams is kept for its error message. */
const OUTPUT_KEPT = 4096;
/** How long a hook's output is still read after it exited (a child it left may hold the pipe). */
const OUTPUT_GRACE_MS = 200;

/** The stream read to its end, its first OUTPUT_KEPT bytes kept (the rest read and dropped, so the
 *  writer never blocks); cut short once `stop` resolves. */
async function collect(stream: ReadableStream<Uint8Array>, stop: Promise<unknown>): Promise<string> {
  const reader = stream.getReader();
  const kept: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  void stop.then(() => reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size < OUTPUT_KEPT) kept.push(value.subarray(0, OUTPUT_KEPT - size));
      else cut = true;
      size += value.byteLength;
    }
  } catch {
    // cancelled, or the pipe failed: what was read is what there is
  }
  const text = Buffer.concat(kept).toString("utf8").trimEnd();
  return cut ? `${text} … (${size} bytes in all)` : text;
}

/** What a failed hook printed, for its error (runc's: "stdout: …, stderr: …"). */
function printed(stdout: string, stderr: string): string {
  const parts = [stdout && `its stdout: ${JSON.stringify(stdout)}`, stderr && `its stderr: ${JSON.stringify(stderr)}`].filter(Boolean);
  return parts.length ? `; ${parts.join(", ")}` : "";
}

/**
 * One hook, as runc runs it: its state on stdin; its output captured, never the runtime's own
 * (an engine's caller reads that: podman logs would show it), and told only when it fails (and
 * under --debug); the bundle as its working directory (runc runs in the bundle); its env, or
 * the runtime's environment when the config gives none.
 */
async function runOne(kind: HookKind, hook: Hook, state: string, bundle: string): Promise<void> {
  let proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
  try {
    // path is the program; args is its whole argv, args[0] included (as execve takes them)
    proc = Bun.spawn({
      cmd: [hook.path, ...hook.args.slice(1)], argv0: hook.args[0] ?? hook.path,
      ...(hook.inheritEnv ? {} : { env: Object.fromEntries(hook.env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])) }),
      // (a bundle already removed, as an engine may before poststop: the runtime's own directory)
      ...(exists(bundle) ? { cwd: bundle } : {}),
      stdin: "pipe", stdout: "pipe", stderr: "pipe",
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
  const outputStop = proc.exited.then(() => Bun.sleep(OUTPUT_GRACE_MS));
  const output = Promise.all([collect(proc.stdout, outputStop), collect(proc.stderr, outputStop)]);
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
    const [stdout, stderr] = await output;
    throw hookError(kind, hook, `timed out after ${hook.timeout}s and was killed${printed(stdout, stderr)}`);
  }
  await fed; // settles once the hook has gone (its end of the pipe with it)
  const [stdout, stderr] = await output;
  if (stdout || stderr) log.debug(`${kind} hook ${hook.path} printed${printed(stdout, stderr).slice(1)}`);
  if (result !== 0) throw hookError(kind, hook, `${proc.signalCode ? `killed by signal ${proc.signalCode}` : `exited with status ${result}`}${printed(stdout, stderr)}`);
}

/** Runs the hooks in order; the first failure ends the run with its error. */
export async function runHooks(kind: HookKind, hooks: readonly Hook[] | undefined, state: { bundle: string }): Promise<void> {
  const json = JSON.stringify(state);
  for (const hook of hooks ?? []) await runOne(kind, hook, json, state.bundle);
}

/** poststart and poststop: a failure is a warning, and the rest still run (runtime-spec). */
export async function runHooksWarning(kind: HookKind, hooks: readonly Hook[] | undefined, state: { bundle: string }): Promise<void> {
  for (const hook of hooks ?? []) {
    try {
      await runOne(kind, hook, JSON.stringify(state), state.bundle);
    } catch (e) {
      log.warn((e as SkiffError).format?.() ?? String(e));
    }
  }
}
