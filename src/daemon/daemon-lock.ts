// What makes skiffd the only daemon on its paths: files holding the owner's pid (the data root's
// and the exec root's locks, and the --pidfile), created exclusively, and the API socket, which a
// live daemon answers on. A pid file is stale when its process is gone, or when the pid was reused
// (e.g. after a reboot): the process that has it now started after the file was written and is no
// skiff. A stale file is taken over; a live one refuses the start, as dockerd refuses ("pid file
// found, ensure docker is not running").
// A socket nobody answers on is stale (its daemon was killed) and is replaced. On exit, each file
// is removed only while it is still this process's: the pid file by its content, the socket by its
// inode, so a daemon never deletes what another one made.
import { closeSync, linkSync, lstatSync, openSync, readFileSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { errnoOf, errnoText } from "../common/errno.ts";
import { processStartTime } from "../common/proc-stat.ts";
import { SkiffError, type Layer } from "../common/errors.ts";

/** Whether `pid` runs: a zombie (a daemon killed with -9 that its parent has not reaped yet) does not. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return errnoOf(e) === "EPERM";
  }
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false; // gone between the two looks
  }
}

/** When process `pid` started, in ms since the epoch (from /proc: boot time + start ticks). */
function startedAt(pid: number): number | undefined {
  try {
    const ticks = processStartTime(pid);
    if (!ticks) return undefined;
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    // USER_HZ is 100 on every Linux architecture skiff runs on
    return Number.isFinite(ticks) && Number.isFinite(btime) ? (btime + ticks / 100) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** The boot time in /proc/stat has whole seconds; a pid file written within this of its process's start is its. */
const START_SLACK_MS = 2000;

const namesSkiff = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("skiff");
  } catch {
    return true; // cannot tell: assume it is
  }
};

/**
 * The pid a pid file names when that process is alive and may have written it; undefined when
 * the file is missing, unreadable, names no process, or names a reused pid: a process that
 * started after the file was last written and whose command line is no skiff's. Both must hold:
 * a clock set forward after the daemon started (NTP at boot) makes a live daemon look younger
 * than its file.
 */
export function livePid(path: string): number | undefined {
  let text: string;
  let mtimeMs: number;
  try {
    text = readFileSync(path, "utf8");
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || !alive(pid)) return undefined;
  const started = startedAt(pid);
  if (started !== undefined && started > mtimeMs + START_SLACK_MS && !namesSkiff(pid)) return undefined;
  return pid;
}

export interface PidFile {
  path: string;
  /** Removes the file if it still holds this process's pid. */
  release(): void;
}

export interface PidFileRefusal {
  layer: Layer;
  code: string;
  message: (pid: number) => string;
  hint: (pid: number) => string;
}

/** Fails with `refusal` when the file names a live process; a stale file stays (createPidFile replaces it). */
export function checkPidFile(path: string, refusal: PidFileRefusal): void {
  const pid = livePid(path);
  if (pid !== undefined) throw refused(path, pid, refusal);
}

const refused = (path: string, pid: number, r: PidFileRefusal) =>
  new SkiffError({ layer: r.layer, kind: "failed_precondition", code: r.code, message: r.message(pid), hint: r.hint(pid), details: { path, pid } });

/**
 * Creates `path` holding this process's pid, atomically and exclusively (written beside it, then
 * hard-linked into place: a reader never sees it empty, two daemons cannot both create it). A live
 * owner's file refuses with `refusal`; a stale one is replaced.
 */
export function createPidFile(path: string, refusal: PidFileRefusal): PidFile {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o644);
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if (errnoOf(e) !== "EEXIST") throw e;
      }
      const pid = livePid(path);
      if (pid !== undefined) throw refused(path, pid, refusal);
      if (attempt > 0)
        throw new SkiffError({ layer: refusal.layer, kind: "conflict", code: `${refusal.code}_RACE`, message: `create "${path}": another process keeps creating it`, hint: "is another skiffd starting? try again", details: { path } });
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  return { path, release: () => releaseIfOurs(path) };
}

function releaseIfOurs(path: string): void {
  try {
    if (Number(readFileSync(path, "utf8").trim()) === process.pid) unlinkSync(path);
  } catch {
    // gone already, or unreadable: not ours to remove
  }
}

export interface DaemonLock {
  path: string;
  release(): void;
}

/** The refusal of a root (data or exec) that a live daemon's lock file holds. */
export const rootRefusal = (kind: "data" | "exec", root: string): PidFileRefusal => ({
  layer: "api",
  code: "API_DAEMON_RUNNING",
  message: (pid) => `start skiffd on ${kind} root "${root}": another skiffd (pid ${pid}) is using it`,
  hint: (pid) => `stop it first (kill ${pid}) or pass another --${kind}-root`,
});

/** The lock file of a data or exec root. */
export const rootLockPath = (root: string) => join(root, "skiffd.lock");

/** One daemon per data root: DATA_ROOT/skiffd.lock holds the owner's pid. */
export function acquireDaemonLock(path: string, dataRoot: string): DaemonLock {
  return createPidFile(path, rootRefusal("data", dataRoot));
}

/** One daemon per exec root (its runtime state): EXEC_ROOT/skiffd.lock holds the owner's pid. */
export function acquireExecRootLock(path: string, execRoot: string): DaemonLock {
  return createPidFile(path, rootRefusal("exec", execRoot));
}

/** What answers on a unix socket path. */
export type SocketState = { state: "absent" } | { state: "stale" } | { state: "live" } | { state: "not_socket" } | { state: "unknown"; errno: string };

/** Connects to `path` to learn whether a daemon serves it: ECONNREFUSED on a socket means its owner is gone. */
export async function probeSocket(path: string, timeoutMs = 1000): Promise<SocketState> {
  try {
    if (!lstatSync(path).isSocket()) return { state: "not_socket" };
  } catch (e) {
    return errnoOf(e) === "ENOENT" ? { state: "absent" } : { state: "unknown", errno: errnoOf(e) ?? String(e) };
  }
  return new Promise((resolve) => {
    const conn = createConnection({ path });
    const done = (s: SocketState) => {
      clearTimeout(timer);
      conn.destroy();
      resolve(s);
    };
    // a listener that does not accept within the timeout is busy, not gone
    const timer = setTimeout(() => done({ state: "live" }), timeoutMs);
    conn.once("connect", () => done({ state: "live" }));
    conn.once("error", (e) => {
      const errno = errnoOf(e) ?? String(e);
      done(errno === "ECONNREFUSED" ? { state: "stale" } : errno === "ENOENT" ? { state: "absent" } : { state: "unknown", errno });
    });
  });
}

/**
 * Makes way for this daemon's socket at `path`: nothing there, or a stale socket (removed here).
 * A live daemon's socket, or anything else at the path, refuses the start.
 */
export async function clearSocketPath(path: string, pidFile: string): Promise<void> {
  const s = await probeSocket(path);
  if (s.state === "absent") return;
  if (s.state === "stale") {
    rmSync(path, { force: true });
    return;
  }
  const pid = livePid(pidFile);
  const who = pid !== undefined ? `skiffd (pid ${pid}, from "${pidFile}")` : "another daemon";
  if (s.state === "live")
    throw new SkiffError({
      layer: "api",
      kind: "failed_precondition",
      code: "API_SOCKET_IN_USE",
      message: `listen on "${path}": ${who} is serving this socket`,
      hint: pid !== undefined ? `stop it first (kill ${pid}), or pass another -H unix:///PATH` : "stop the daemon that serves it, or pass another -H unix:///PATH",
      details: { path },
    });
  if (s.state === "not_socket")
    throw new SkiffError({ layer: "api", kind: "failed_precondition", code: "API_SOCKET_PATH_TAKEN", message: `listen on "${path}": the path exists and is not a socket`, hint: "remove it if it is left over, or pass another -H unix:///PATH", details: { path } });
  throw new SkiffError({
    layer: "api",
    kind: "failed_precondition",
    code: "API_SOCKET_CHECK_FAILED",
    message: `listen on "${path}": check whether a daemon serves it: ${errnoText(s.errno)}`,
    hint: s.errno === "EACCES" || s.errno === "EPERM" ? "start skiffd as root (or as the socket's owner)" : "remove the socket if no daemon uses it, or pass another -H unix:///PATH",
    details: { path, errno: s.errno },
  });
}
