// The monitor's command line: everything it does is decided here (paths, sizes, modes), so that
// the C side has no defaults of its own. Pure: tested without starting anything.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { SkiffError } from "../../../common/errors.ts";

export interface MonitorLog {
  /** docker's json-file log. */
  path: string;
  /** Rotate before an entry once the file holds this many bytes (0 or absent: never). */
  maxSize?: number;
  /** Files kept in all, the current one included (docker's max-file; 1: truncate instead). */
  maxFiles?: number;
}

export interface MonitorConfig {
  /** The monitor's working directory (the container's state dir): relative paths resolve in it,
   *  which keeps socket paths within the kernel's 108 bytes whatever the state root. */
  dir: string;
  /** The attach socket (attach, resize, wait); made with mode 0600, removed when the monitor ends. */
  socket: string;
  /** Written atomically when the container's init is reaped (see protocol.ts). */
  exitFile: string;
  /** Mode of the files the monitor creates: log files and the exit file. */
  fileMode: number;
  /** Where the monitor's own complaints go after start-up (and a tty create command's output). */
  errorLog: string;
  /** The pid file the create command (or the runtime that drives it) writes. Absent: the command
   *  itself is the container's process. */
  pidFile?: string;
  /** With pidFile: how long the monitor still waits for the pid file once the create command has
   *  exited and no process of the container is left (default PID_FILE_WAIT_MS); then it records
   *  the exit as NO_INIT_STATUS and ends. */
  pidFileWaitMs?: number;
  /** Absent for execs: docker logs no exec's output. */
  log?: MonitorLog;
  /** A pty: the monitor listens here for the create command's pty master (runc's --console-socket). */
  consoleSocket?: string;
  /** Keep the container's stdin open for attach clients (docker's -i); else it reads /dev/null. */
  stdin?: boolean;
  /** Close the container's stdin when the first attach client with stdin goes or half-closes. */
  stdinOnce?: boolean;
  /** Run the create command only once an attach client is connected (an exec's output starts at once). */
  attachFirst?: boolean;
}

/** The wait starts only when nothing of the container is left, so it bounds no live container. It
 *  covers what the engine does between its launcher's report and the pid file while the process is
 *  already gone: an exec that exits at once (the in-process runtime writes the file once it has
 *  exec-ed: a few ms) or an init killed in that window. Seconds are a stalled daemon, not a slow one;
 *  a wait too short would lose such an exec's exit code, one too long keeps an idle monitor. */
export const PID_FILE_WAIT_MS = 5000;

/** The arguments for a monitor running `command`, with `passFds` fds (from 3) passed through to it. */
export function monitorArgs(c: MonitorConfig, command: readonly string[], passFds = 0): string[] {
  if (!command.length) throw new Error("monitorArgs: an empty command");
  const args = ["--socket", c.socket, "--exit-file", c.exitFile, "--file-mode", c.fileMode.toString(8)];
  if (c.pidFile) args.push("--pid-file", c.pidFile, "--pid-file-wait", String(c.pidFileWaitMs ?? PID_FILE_WAIT_MS));
  if (c.log) {
    args.push("--log", c.log.path);
    if (c.log.maxSize) args.push("--log-max-size", String(c.log.maxSize));
    if (c.log.maxFiles) args.push("--log-max-files", String(c.log.maxFiles));
  }
  if (c.consoleSocket) args.push("--tty", "--console-socket", c.consoleSocket);
  if (c.stdin) args.push("--stdin");
  if (c.stdin && c.stdinOnce) args.push("--stdin-once");
  if (c.attachFirst) args.push("--attach-first");
  if (passFds) args.push("--pass-fds", String(passFds));
  return [...args, "--", ...command];
}

/** bin/skiff-monitor beside the running executable, else the native build (tests, bun run). */
export function monitorBinary(): string {
  const candidates = [process.env.SKIFF_MONITOR, join(dirname(process.execPath), "skiff-monitor"), join(import.meta.dir, "../../../../native/build/skiff-monitor")];
  const found = candidates.find((p): p is string => !!p && existsSync(p));
  if (!found)
    throw new SkiffError({ layer: "engine", code: "ENGINE_MONITOR_MISSING", kind: "failed_precondition", message: "find the container monitor skiff-monitor: not built", hint: "run scripts/build (or make -C native) to build it" });
  return found;
}
