// skiffd's composition root: refuses to start as non-root (before it creates anything) and beside a
// live daemon on the same pid file, data root, exec root or socket; builds the image service over
// the data root; listens on the unix socket (mode 0660, group "skiff" when it exists) and writes
// the pid file; logs as dockerd does, to stderr. On stop it removes only the socket and files that
// are still its own. The only place that names the concrete ImageService.
import { chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync } from "node:fs";
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { errnoOf, errnoText } from "../common/errno.ts";
import { isSkiffError, SkiffError, type Layer } from "../common/errors.ts";
import { log } from "../common/log.ts";
import { writeErr } from "../common/stdio.ts";
import type { ImageService } from "../engine/images/index.ts";
import type { ContainerService } from "../engine/containers/index.ts";
import { acquireDaemonLock, acquireExecRootLock, checkPidFile, clearSocketPath, createPidFile, rootLockPath, rootRefusal, type PidFileRefusal } from "./daemon-lock.ts";
import { startApiServer, type ServerLog } from "../api/server.ts";
import { idleTrim } from "./idle-trim.ts";

export const SKIFF_VERSION = "0.1.0";

export interface DaemonOptions {
  dataRoot: string;
  execRoot: string;
  socketPath: string;
  pidFile: string;
  insecureRegistries: string[];
  /** The cgroup every container's is made under (dockerd's --cgroup-parent). */
  cgroupParent?: string;
  /** The default network's bridge device (--bridge) and address (--bip, checked by the network engine). */
  defaultBridge?: { device: string; bip?: string };
  /** Where the CNI plugins are looked for ($CNI_PATH); /usr/lib/cni and /opt/cni/bin when absent. */
  cniPluginDirs?: string[];
  debug: boolean;
  /** Where the daemon logs; stderr in dockerd's text format by default. */
  log?: ServerLog;
  /** Tests pass a fake; the daemon builds the real store otherwise. */
  images?: ImageService;
}

export interface Daemon {
  log: ServerLog;
  /** Waits (at most `ms`) for background work a clean stop should finish first (networks' detaches). */
  settle(ms: number): Promise<void>;
  stop(): void;
}

type Level = "debug" | "info" | "warning" | "error";

const logValue = (v: unknown): string => {
  const s = typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
  return /^[\w./:@+-]+$/.test(s) ? s : JSON.stringify(s);
};

/** dockerd's (logrus) text lines on stderr: time="…" level=info msg="API listen on …" key=value; debug lines with --debug only. */
export function stderrLog(debug: boolean, write: (line: string) => void = writeErr): ServerLog {
  const line = (level: Level) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (level === "debug" && !debug) return;
    const extra = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => ` ${k}=${logValue(v)}`)
      .join("");
    write(`time="${new Date().toISOString()}" level=${level} msg=${JSON.stringify(msg)}${extra}\n`);
  };
  return { debug: line("debug"), info: line("info"), warn: line("warning"), error: line("error") };
}

function groupId(name: string): number | undefined {
  try {
    const line = readFileSync("/etc/group", "utf8").split("\n").find((l) => l.startsWith(`${name}:`));
    const gid = line ? Number(line.split(":")[2]) : NaN;
    return Number.isInteger(gid) ? gid : undefined;
  } catch {
    return undefined;
  }
}

/** An errno failure of a start-up step as one SkiffError: the step, the path, the errno and a hint. */
export function startupError(layer: Layer, code: string, action: string, path: string, e: unknown, hint?: string): unknown {
  if (isSkiffError(e)) return e;
  const errno = errnoOf(e);
  if (!errno || !/^E[A-Z0-9]+$/.test(errno)) return e;
  const parent = dirname(path);
  const why =
    hint ??
    (errno === "ENOENT" || errno === "ENOTDIR"
      ? `"${parent}" cannot hold it: choose a path on a writable file system (not /proc or /sys)`
      : errno === "EACCES" || errno === "EPERM"
        ? "start skiffd as root, or choose a path this user may write"
        : errno === "EROFS"
          ? "choose a path on a writable file system"
          : errno === "ENOSPC" || errno === "EDQUOT"
            ? `free space on the file system of "${parent}"`
            : undefined);
  return new SkiffError({
    layer,
    code,
    kind: errno === "ENOENT" || errno === "ENOTDIR" ? "not_found" : errno === "ENOSPC" ? "unavailable" : "failed_precondition",
    message: `${action} "${path}": ${errnoText(errno)}`,
    hint: why,
    cause: e,
    details: { path, errno },
  });
}

const step = <T>(layer: Layer, code: string, action: string, path: string, f: () => T, hint?: string): T => {
  try {
    return f();
  } catch (e) {
    throw startupError(layer, code, action, path, e, hint);
  }
};

/** The engine over the data and exec roots: images and containers on one metadata database. */
async function realEngine(o: DaemonOptions): Promise<{ images: ImageService; containers: ContainerService; collectLeftovers(): void; close(): Promise<void> }> {
  const [{ ImageStore }, { MetadataDb }, { ContainerService, ContainerEvents }, { EventLog, EventStore, withImageEvents }] = await Promise.all([
    import("../engine/images/index.ts"),
    import("../engine/metadata/index.ts"),
    import("../engine/containers/index.ts"),
    import("../engine/events/index.ts"),
  ]);
  const metadata = new MetadataDb(o.dataRoot);
  // every event (containers, images, volumes) in one log, kept in the database for events --since
  const events = new EventLog(new EventStore(metadata));
  // registry credentials come with each request (X-Registry-Auth), never from a file of the daemon's
  const images = new ImageStore({ dataRoot: o.dataRoot, insecureRegistries: o.insecureRegistries, metadata });
  const containers = new ContainerService({ dataRoot: o.dataRoot, execRoot: o.execRoot, images, metadata, events: new ContainerEvents(events), cgroupParent: o.cgroupParent, ...(o.defaultBridge ? { defaultBridge: o.defaultBridge } : {}), ...(o.cniPluginDirs ? { cniPluginDirs: o.cniPluginDirs } : {}) });
  return {
    images: withImageEvents(images, events),
    containers,
    // what a daemon killed in a pull, load or import left (a layer and its blob no image names
    // yet), as containerd's GC collects it: no image or container can be using it. Called once the
    // API listens (start-up waits for none of it); a pull begun meanwhile holds it off (gc's guard).
    collectLeftovers: () => {
      try {
        const left = images.gc();
        if (left.snapshots.length || left.blobs.length) log.info(`removed what an interrupted image operation left: ${left.snapshots.length} layers, ${left.blobs.length} blobs, ${left.bytes} bytes`);
      } catch (e) {
        log.warn(`collect the layers and blobs no image names: ${(e as Error).message}`);
      }
    },
    close: () => {
      containers.close();
      events.flush();
      return images.close();
    },
  };
}

const pidFileRefusal = (path: string): PidFileRefusal => ({
  layer: "api",
  code: "API_PID_FILE_IN_USE",
  message: (pid) => `pid file "${path}" names a running process (pid ${pid}): ensure skiffd is not running`,
  hint: (pid) => `stop that daemon first (kill ${pid}), or pass another --pidfile (and -H and --data-root) to run a second one`,
});

/** The socket this daemon made, by inode: removed on stop only while it is still the one at `path`. */
function ownSocket(path: string): () => void {
  const { dev, ino } = lstatSync(path);
  return () => {
    try {
      const now = lstatSync(path);
      if (now.dev === dev && now.ino === ino) unlinkSync(path);
    } catch {
      // gone already
    }
  };
}

/**
 * As dockerd ("dockerd needs to be started with root privileges"): skiffd mounts, creates device
 * nodes and owns /run/skiff, and has no rootless mode. Checked before anything is created.
 */
export function requireRoot(euid: number | undefined = process.geteuid?.()): void {
  if (euid === undefined || euid === 0) return;
  throw new SkiffError({
    layer: "api",
    kind: "failed_precondition",
    code: "API_NOT_ROOT",
    message: `root privileges needed to start (it runs as uid ${euid})`,
    hint: "start it as root: sudo bin/skiffd (skiffd has no rootless mode)",
    details: { uid: euid },
  });
}

export async function startDaemon(o: DaemonOptions): Promise<Daemon> {
  const log = o.log ?? stderrLog(o.debug);
  requireRoot();
  // As dockerd: the pid file first. A live daemon's is refused before anything is touched.
  step("api", "API_PID_FILE_FAILED", "read pid file", o.pidFile, () => checkPidFile(o.pidFile, pidFileRefusal(o.pidFile)));
  // So are the data and exec roots of a live daemon (their locks are taken for good below).
  const sharedRoot = resolve(o.execRoot) === resolve(o.dataRoot);
  step("engine", "ENGINE_DATA_ROOT_FAILED", "read lock", rootLockPath(o.dataRoot), () => checkPidFile(rootLockPath(o.dataRoot), rootRefusal("data", o.dataRoot)));
  if (!sharedRoot) step("engine", "ENGINE_EXEC_ROOT_FAILED", "read lock", rootLockPath(o.execRoot), () => checkPidFile(rootLockPath(o.execRoot), rootRefusal("exec", o.execRoot)));
  // Then the socket: a live daemon's refuses the start, a stale one (its daemon was killed) goes.
  await clearSocketPath(o.socketPath, o.pidFile);
  step("engine", "ENGINE_DATA_ROOT_FAILED", "create data root", o.dataRoot, () => mkdirSync(o.dataRoot, { recursive: true, mode: 0o711 }));
  const lockPath = rootLockPath(o.dataRoot);
  const lock = step("engine", "ENGINE_DATA_ROOT_FAILED", "lock data root with", lockPath, () => acquireDaemonLock(lockPath, o.dataRoot));
  const cleanups: (() => void)[] = [() => lock.release()];
  const stop = () => {
    for (const c of cleanups.reverse().splice(0)) {
      try {
        c();
      } catch {}
    }
  };
  try {
    step("engine", "ENGINE_EXEC_ROOT_FAILED", "create exec root", o.execRoot, () => mkdirSync(o.execRoot, { recursive: true, mode: 0o700 }));
    if (!sharedRoot) {
      const execLockPath = rootLockPath(o.execRoot);
      const execLock = step("engine", "ENGINE_EXEC_ROOT_FAILED", "lock exec root with", execLockPath, () => acquireExecRootLock(execLockPath, o.execRoot));
      cleanups.push(() => execLock.release());
    }
    let images = o.images;
    let containers: ContainerService | undefined;
    let collectLeftovers: (() => void) | undefined;
    if (!images) {
      const engine = await realEngine(o);
      // stops the unpack workers; the process exits right after, so nothing waits for it
      cleanups.push(() => void engine.close());
      images = engine.images;
      containers = engine.containers;
      collectLeftovers = engine.collectLeftovers;
      // containers that ran on under their monitors while no daemon was up are followed again
      await engine.containers.restore();
    }
    step("api", "API_LISTEN_FAILED", "create socket directory", dirname(o.socketPath), () => mkdirSync(dirname(o.socketPath), { recursive: true }));
    // Listen on a name of our own, set the mode, then hard-link it to the socket path: the link
    // fails if a daemon got there since the check, and no client sees the socket before its mode
    // is set. (A server may remove the path it listened on when it stops: the private name, gone
    // by then, never the shared one.)
    const privatePath = join(dirname(o.socketPath), `.skiffd-${process.pid}.sock`);
    rmSync(privatePath, { force: true });
    let server: Awaited<ReturnType<typeof startApiServer>>;
    const quiet = idleTrim();
    cleanups.push(() => quiet.stop());
    try {
      server = await startApiServer({
        socketPath: privatePath,
        images,
        containers,
        log,
        onRequestDone: () => quiet.touch(),
        daemon: { id: createHash("sha256").update(hostname() + o.dataRoot).digest("hex").slice(0, 36), name: hostname(), version: SKIFF_VERSION, dataRoot: o.dataRoot, execRoot: o.execRoot, insecureRegistries: o.insecureRegistries, ...(o.cniPluginDirs ? { cniPluginDirs: o.cniPluginDirs } : {}), debug: o.debug },
      });
    } catch (e) {
      throw startupError("api", "API_LISTEN_FAILED", "listen on", o.socketPath, e, "check that its directory is writable") as Error;
    }
    cleanups.push(() => void server.stop(), () => rmSync(privatePath, { force: true }));
    try {
      chmodSync(privatePath, 0o660);
      const gid = groupId("skiff");
      if (gid !== undefined) chownSync(privatePath, 0, gid);
      try {
        linkSync(privatePath, o.socketPath);
      } catch (e) {
        // a file system without hard links: a rename, after the check above (a narrow race left)
        if (!["EPERM", "EOPNOTSUPP", "ENOSYS", "EMLINK"].includes(errnoOf(e) ?? "")) throw e;
        if (existsSync(o.socketPath)) throw Object.assign(new Error("exists"), { code: "EEXIST" });
        renameSync(privatePath, o.socketPath);
      }
    } catch (e) {
      if (errnoOf(e) === "EEXIST")
        throw new SkiffError({ layer: "api", kind: "conflict", code: "API_SOCKET_IN_USE", message: `listen on "${o.socketPath}": another daemon created it while this one started`, hint: "stop the other daemon, or pass another -H unix:///PATH", details: { path: o.socketPath } });
      throw startupError("api", "API_LISTEN_FAILED", "listen on", o.socketPath, e);
    } finally {
      rmSync(privatePath, { force: true });
    }
    cleanups.push(ownSocket(o.socketPath));
    step("api", "API_PID_FILE_FAILED", "create pid file directory", dirname(o.pidFile), () => mkdirSync(dirname(o.pidFile), { recursive: true }));
    const pidFile = step("api", "API_PID_FILE_FAILED", "write pid file", o.pidFile, () => createPidFile(o.pidFile, pidFileRefusal(o.pidFile)));
    cleanups.push(() => pidFile.release());
    log.info(`API listen on ${o.socketPath}`, { dataRoot: o.dataRoot, pid: process.pid });
    quiet.touch(); // what start-up (migrations, restore) left is collected too
    if (collectLeftovers) setImmediate(collectLeftovers);
    const settle = (ms: number) => containers?.settle(ms) ?? Promise.resolve();
    return { log, settle, stop };
  } catch (e) {
    stop();
    throw e;
  }
}
