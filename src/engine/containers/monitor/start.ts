// Starting a monitor and following its start-up: the records on its stdout (protocol.ts) become
// promises, and each failure a SkiffError naming the step. After `ready` the monitor is on its own:
// the engine reaches it through its socket (socket.ts) and its files (exit-file.ts).
import { closeSync, openSync, readlinkSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { SkiffError } from "../../../common/errors.ts";
import { errnoName, errnoOf, errnoText } from "../../../common/errno.ts";
import { monitorArgs, monitorBinary, type MonitorConfig } from "./command.ts";
import { RECORD_SIZE, START_MSG, START_STEP, type StartStep } from "./protocol.ts";
import { describeWait, exitCodeOf } from "./wait-status.ts";

export interface MonitoredCommand {
  /** The create command (runc create …, skiff-exec …), or the process itself without a pid file. */
  argv: string[];
  /** Its fds from 3 on: an fd of ours passed through, or "pipe" for a new socket to it. */
  fds?: (number | "pipe")[];
  env?: Record<string, string>;
}

export interface MonitorReady {
  monitorPid: number;
  /** The container's init (or the exec's process). */
  initPid: number;
}

export interface Monitor {
  /** For each "pipe" in the command's fds, our end at the same index. */
  readonly stdio: readonly (number | null | undefined)[];
  /** The socket accepts connections (the monitor's pid); with attachFirst, attach now. */
  readonly listening: Promise<number>;
  /** The create command's exit code (128+signal when killed); rejects if it could not run. */
  readonly createExited: Promise<number>;
  /** The init's pid is known and the stdio (or pty) held. */
  readonly ready: Promise<MonitorReady>;
  /** Ends a monitor whose container (or exec) the runtime failed to make after the create command
   *  ran: it would wait for a pid file that never comes, with the dead init a zombie under it.
   *  SIGKILL, once it listens, if its pid still works in its dir (no other process by a reused pid). */
  abandon(): Promise<void>;
}

const STEP_BY_CODE = new Map<number, StartStep>(Object.entries(START_STEP).map(([name, s]) => [s.code, name as StartStep]));
const HINT: Partial<Record<StartStep, string>> = {
  arguments: "the engine and skiff-monitor are from different builds: run scripts/build",
  listen: "check that the state directory exists and no stale socket is left in it",
  consoleListen: "check that the state directory exists and no stale console socket is left in it",
  openLog: "check the log directory, its permissions and free space",
  exec: "check that the runtime's binary exists and is executable",
  pidFile: "the pid file must name a process the create command started",
  pidFileWait: "the create command exited and none of the container's processes is left, but no pid file named its init: the runtime (or the daemon driving it) failed or died before writing it; see the runtime's log",
  console: "the runtime must send the pty master over the console socket (runc's --console-socket)",
};

function stepError(step: StartStep | undefined, errno: number, value: number): SkiffError {
  const name = errnoName(errno);
  const what = step ? START_STEP[step].what : "an unknown step";
  const detail = step === "arguments" ? ` (argument ${value})` : "";
  return new SkiffError({
    layer: "engine",
    code: `ENGINE_MONITOR_${(step ?? "protocol").replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`,
    kind: name === "ENOENT" ? "not_found" : "failed_precondition",
    message: `start the container's monitor: ${what}: ${name} (${errnoText(name)})${detail}`,
    hint: HINT[step ?? "arguments"] ?? "see the monitor's log in the container's state directory",
    details: { step: step ?? String(value), errno: name },
  });
}

const exitedEarly = (during: string, errorLog: string) =>
  new SkiffError({
    layer: "engine", code: "ENGINE_MONITOR_EXITED", kind: "internal",
    message: `start the container's monitor: it exited while ${during}`,
    hint: `see ${errorLog} and the kernel log (dmesg)`,
    details: { step: during },
  });

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}
function deferred<T>(): Deferred<T> {
  const d = Promise.withResolvers<T>();
  d.promise.catch(() => {}); // a start-up nobody asks about must not be an unhandled rejection
  return d;
}

/** Starts a monitor for `command` (in its own session, no child of ours once it runs). */
export function startMonitor(config: MonitorConfig, command: MonitoredCommand): Monitor {
  const fds = command.fds ?? [];
  const errorLog = isAbsolute(config.errorLog) ? config.errorLog : join(config.dir, config.errorLog);
  const binary = monitorBinary();
  const args = monitorArgs(config, command.argv, fds.length);
  let errFd: number;
  try {
    errFd = openSync(errorLog, "a", config.fileMode);
  } catch (e) {
    throw new SkiffError({ layer: "engine", code: "ENGINE_MONITOR_SPAWN", kind: "failed_precondition", message: `start the container's monitor: open its log ${errorLog}: ${errnoOf(e) ?? (e as Error).message}`, hint: "check that the container's state directory exists", details: { path: errorLog, errno: errnoOf(e) }, cause: e });
  }
  let proc: Bun.Subprocess<"ignore", "pipe", number>;
  try {
    proc = Bun.spawn([binary, ...args], {
      cwd: config.dir,
      env: command.env ?? {},
      stdio: ["ignore", "pipe", errFd, ...fds] as never,
    }) as never;
  } catch (e) {
    throw new SkiffError({ layer: "engine", code: "ENGINE_MONITOR_SPAWN", kind: "internal", message: `start the container's monitor: ${(e as Error).message}`, hint: `check ${config.dir}`, cause: e });
  } finally {
    closeSync(errFd);
  }
  proc.unref(); // the first process exits at once; the monitor itself is not ours to wait for
  const listening = deferred<number>();
  const createExited = deferred<number>();
  const ready = deferred<MonitorReady>();
  const failAll = (e: unknown) => [listening, createExited, ready].forEach((d) => d.reject(e));
  void follow(proc.stdout, config, { listening, createExited, ready }, errorLog).catch(failAll);
  const abandon = () =>
    listening.promise.then(
      (pid) => {
        try {
          if (readlinkSync(`/proc/${pid}/cwd`) === resolve(config.dir)) process.kill(pid, "SIGKILL");
        } catch {
          // gone already
        }
      },
      () => undefined,
    );
  return { stdio: proc.stdio as unknown as (number | null)[], listening: listening.promise, createExited: createExited.promise, ready: ready.promise, abandon };
}

async function follow(
  stdout: ReadableStream<Uint8Array>,
  config: MonitorConfig,
  d: { listening: Deferred<number>; createExited: Deferred<number>; ready: Deferred<MonitorReady> },
  errorLog: string,
): Promise<void> {
  let buffered = Buffer.alloc(0);
  let monitorPid = 0;
  let initPid = 0;
  let stage = "detaching";
  for await (const chunk of stdout) {
    buffered = Buffer.concat([buffered, chunk]);
    for (; buffered.length >= RECORD_SIZE; buffered = buffered.subarray(RECORD_SIZE)) {
      const [type, step, errno, value] = [0, 4, 8, 12].map((o) => buffered.readInt32LE(o)) as [number, number, number, number];
      if (type === START_MSG.listening) {
        monitorPid = value;
        stage = config.attachFirst ? "waiting for the first attach" : "running the create command";
        d.listening.resolve(value);
      } else if (type === START_MSG.createExited) {
        const code = exitCodeOf(value);
        d.createExited.resolve(code);
        stage = config.pidFile ? `waiting for the pid file ${config.pidFile}` : stage;
        if (code !== 0)
          throw new SkiffError({ layer: "engine", code: "ENGINE_MONITOR_CREATE_FAILED", kind: "failed_precondition", message: `start the container: the create command ${describeWait(value)}`, hint: "the runtime's own log says why", details: { status: code } });
      } else if (type === START_MSG.initPid) {
        initPid = value;
        if (!config.pidFile) d.createExited.resolve(0);
        stage = config.consoleSocket ? `waiting for the pty master on ${config.consoleSocket}` : stage;
      } else if (type === START_MSG.ready) {
        d.ready.resolve({ monitorPid, initPid });
        return;
      } else if (type === START_MSG.error) {
        throw stepError(STEP_BY_CODE.get(step), errno, value);
      } else {
        throw new SkiffError({ layer: "engine", code: "ENGINE_MONITOR_PROTOCOL", kind: "internal", message: `start the container's monitor: unknown start-up record ${type}`, hint: "the engine and skiff-monitor are from different builds: run scripts/build" });
      }
    }
  }
  throw exitedEarly(stage, errorLog);
}
