// What happens to a container's process: start it under its monitor through its runtime, follow
// its exit (the monitor's socket, then its exit file), stop, kill, pause, wait, and find running
// containers again after a daemon restart. One operation at a time per container (start, stop and
// remove of the same container are queued); the exit is recorded by whoever follows it.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../../common/errors.ts";
import { log } from "../../common/log.ts";
import { mark } from "../../common/trace.ts";
import { parseSignal } from "../../runtime/signals.ts";
import type { Socket } from "node:net";
import { attach, exitRecorded, monitorSpawner, waitExit, type AttachOptions, type ContainerExit, type Monitor } from "./monitor/index.ts";
import { conflict, invalidArg } from "./errors.ts";
import { ExitWaiters, type Exit } from "./exit-waiters.ts";
import { MONITOR, monitorFiles } from "./layout.ts";
import { oomKills } from "./oom.ts";
import { isActive, type ContainerRecord } from "./record.ts";
import { shouldRestart } from "./restart-policy.ts";
import { writeInitFiles } from "./files/init-paths.ts";
import { RestartTimers } from "./restarts.ts";
import { endStrayMonitors, restoreContainers } from "./restore.ts";
import type { SupervisorOptions } from "./supervisor-hooks.ts";


const DEFAULT_STOP_TIMEOUT = 10;
const STOP_GRACE_AFTER_KILL_MS = 30_000;

/** A client waiting for the container's start to attach; `gone` once it has given up. */
interface PendingAttach {
  o: AttachOptions;
  resolve: (s: Socket) => void;
  reject: (e: unknown) => void;
  gone: boolean;
}

export class Supervisor {
  /** Per container: the exits waited for, resolved when the next exit is recorded. */
  private readonly exitWaiters = new ExitWaiters();
  private readonly removalWaiters = new ExitWaiters();
  /** Per container: the tail of its operations, so that they run one at a time. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly following = new Map<string, AbortController>();
  /** Per container: attaches waiting for its next start. */
  private readonly pendingAttach = new Map<string, PendingAttach[]>();
  private readonly restarts = new RestartTimers();

  constructor(private readonly o: SupervisorOptions) {}

  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.queues.set(id, next.catch(() => undefined));
    return next;
  }

  /** The record as stored now (another operation may have changed it since it was read). */
  private fresh(r: ContainerRecord): ContainerRecord {
    return this.o.store.get(r.id) ?? r;
  }

  start(rec: ContainerRecord): Promise<"started" | "already"> {
    return this.serial(rec.id, async () => {
      const r = this.fresh(rec);
      // (a restarting container counts as running, as under dockerd)
      if (isActive(r.state)) return "already";
      if (r.state.status === "removing" || r.state.status === "dead")
        throw conflict("ENGINE_CONTAINER_NOT_STARTABLE", `cannot start container ${r.id}: it is ${r.state.status}`, "remove it and create a new one");
      // a start by the user begins the restart policy afresh
      this.restarts.reset(r.id);
      r.restartCount = 0;
      r.state.manuallyStopped = false;
      r.state.killedByUser = false;
      await this.launch(r);
      return "started";
    });
  }

  /** Resolves with the attach socket once the container starts (see ContainerService.attach). */
  attachAtStart(id: string, o: AttachOptions, signal?: AbortSignal): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const list = this.pendingAttach.get(id) ?? [];
      const entry: PendingAttach = { o, resolve, reject, gone: false };
      list.push(entry);
      this.pendingAttach.set(id, list);
      signal?.addEventListener("abort", () => {
        entry.gone = true;
        const l = this.pendingAttach.get(id) ?? [];
        const i = l.indexOf(entry);
        if (i >= 0) l.splice(i, 1);
        reject(signal.reason);
      });
    });
  }

  private async launch(r: ContainerRecord): Promise<void> {
    await this.detached(r.id);
    const runtime = this.o.runtimes.get(r.runtime);
    const dir = r.files.stateDir;
    await endStrayMonitors(dir);
    for (const f of Object.values(MONITOR)) rmSync(join(dir, f), { force: true });
    // a runtime's leftover of an earlier run (a daemon killed mid-start) would refuse the id
    await runtime.delete(r.id, { force: true }).catch(() => undefined);
    const tty = r.options.tty ?? false;
    const attaches = this.pendingAttach.get(r.id) ?? [];
    this.pendingAttach.delete(r.id);
    let monitor: Monitor | undefined;
    const spawner = monitorSpawner(
      {
        ...monitorFiles(dir),
        // docker's json-file log, rotated as --log-opt says; --log-driver none: no log at all
        ...(r.options.log?.driver === "none" ? {} : { log: { path: r.files.logPath, ...(r.options.log?.maxSize ? { maxSize: r.options.log.maxSize } : {}), ...(r.options.log?.maxFiles ? { maxFiles: r.options.log.maxFiles } : {}) } }),
        ...(tty ? { consoleSocket: MONITOR.console } : {}),
        stdin: r.options.openStdin ?? false,
        // as dockerd: StdinOnce never closes a tty's stdin (detach, then attach again, must type on)
        stdinOnce: (r.options.stdinOnce ?? false) && !tty,
        // attached clients hear the container from its first byte: it runs once they are connected
        attachFirst: attaches.length > 0,
      },
      (m) => {
        monitor = m;
        m.listening.then(
          () => {
            // a client gone while the container started lets go of its socket: held, it would keep
            // a --stdin-once container's stdin open for ever
            for (const a of attaches) attach(join(dir, MONITOR.socket), a.o).then((s) => (a.gone ? s.destroy() : a.resolve(s)), a.reject);
          },
          (e: unknown) => attaches.forEach((a) => a.reject(e)),
        );
      },
    );
    const rootfs = this.o.images.mountsFor(r.imageId, r.id);
    if (rootfs.upper) writeInitFiles(rootfs.upper);
    mark("engine: snapshot prepared");
    try {
      this.o.volumes?.mount(r);
      this.o.networks?.prepare(r);
      await runtime.create(r.id, r.files.bundle, {
        spawner,
        pidFile: join(dir, MONITOR.pidFile),
        // relative: the create command runs in the state dir (a socket path must fit 108 bytes)
        ...(tty ? { consoleSocket: MONITOR.console } : {}),
        // docker's sandbox brings lo up in every network namespace it makes
        loopbackUp: r.options.network !== "host" && !r.options.network?.startsWith("container:"),
        rootfsMount: { fstype: rootfs.type === "bind" ? "none" : rootfs.type, source: rootfs.source, data: rootfs.type === "bind" ? "bind" : rootfs.data, ...(rootfs.cwd ? { cwd: rootfs.cwd } : {}) },
      });
      const ready = await monitor!.ready;
      mark("engine: monitor holds the container");
      await this.o.networks?.up(r, ready.initPid);
      mark("engine: networks attached");
      await runtime.start(r.id);
      mark(`runtime (${runtime.name}): started`);
      r.state = { ...r.state, status: "running", pid: ready.initPid, exitCode: 0, error: "", oomKilled: false, startedAt: new Date().toISOString(), finishedAt: r.state.finishedAt };
      this.o.store.update(r);
    } catch (e) {
      attaches.forEach((a) => a.reject(e));
      await runtime.delete(r.id, { force: true }).catch(() => undefined);
      await monitor?.abandon(); // it would wait for an init that never comes
      this.o.volumes?.unmount(r.id);
      await this.o.networks?.down(r).catch((err: unknown) => log.warn(`container ${r.id}: detach its networks after a failed start: ${(err as Error).message}`));
      const error = e instanceof Error ? e.message : String(e);
      r.state = { ...r.state, status: r.state.status === "created" ? "created" : "exited", exitCode: startFailureExitCode(error, r.state.exitCode), error };
      this.o.store.update(r);
      // as dockerd: a --rm container that could not start goes (its client waits for the removal)
      if (r.options.autoRemove) queueMicrotask(() => void this.o.remove(r.id).catch((err: unknown) => log.warn(`container ${r.id}: --rm after a failed start: ${(err as Error).message}`)));
      throw e;
    }
    this.o.events.emit("start", r);
    this.o.health?.started(r);
    this.follow(r);
  }

  /** Follows the container's exit in the background. */
  private follow(r: ContainerRecord): void {
    if (this.following.has(r.id)) return;
    const abort = new AbortController();
    this.following.set(r.id, abort);
    const dir = r.files.stateDir;
    waitExit(join(dir, MONITOR.socket), join(dir, MONITOR.exitFile), abort.signal).then(
      (exit) => this.exited(r.id, exit),
      (e: unknown) => {
        if (abort.signal.aborted) return;
        this.exited(r.id, undefined, e instanceof Error ? e.message : String(e));
      },
    );
  }

  /** Records an exit: the runtime lets go of the container, waiters learn its code, --rm removes it. */
  private async exited(id: string, exit: ContainerExit | undefined, error = ""): Promise<void> {
    this.following.delete(id);
    this.o.health?.stopped(id);
    const autoRemove = await this.serial(id, async () => {
      this.o.volumes?.unmount(id); // (its processes are gone: the exit is known)
      const r = this.o.store.get(id);
      if (!r) return false;
      const exitCode = exit?.exitCode ?? 137;
      // (read before the runtime removes the cgroup that counts them)
      const oomKilled = oomKills(r.files.bundle) > 0;
      const finishedAt = exit?.finishedAt ?? new Date().toISOString();
      const restart = shouldRestart(r.options.restartPolicy, { exitCode, manuallyStopped: r.state.manuallyStopped ?? false, killedByUser: r.state.killedByUser ?? false, restartCount: r.restartCount });
      if (restart) r.restartCount++;
      r.state = { ...r.state, status: restart ? "restarting" : "exited", pid: 0, exitCode, oomKilled, error: exit ? "" : error, finishedAt };
      this.o.store.update(r);
      if (restart) this.restarts.schedule(id, Date.parse(finishedAt) - Date.parse(r.state.startedAt), () => void this.restartNow(id));
      if (oomKilled) this.o.events.emit("oom", r);
      await this.o.runtimes
        .get(r.runtime)
        .delete(id, { force: true })
        .catch((e: unknown) => log.warn(`container ${id}: the runtime kept it after it exited: ${(e as Error).message}`));
      this.o.events.emit("die", r, { exitCode: String(exitCode) });
      // after die, as dockerd's network disconnect events come (the DEL goes on in the background)
      this.detach(r);
      this.o.store.update(r);
      this.exitWaiters.notify(id, { exitCode, ...(r.state.error ? { error: r.state.error } : {}) });
      return !restart && (r.options.autoRemove ?? false);
    });
    // (outside the container's queue: removal waits for that queue to drain)
    if (autoRemove) await this.o.remove(id).catch((e: unknown) => log.warn(`container ${id}: --rm failed: ${(e as Error).message}`));
  }

  /** Per container: its networks' detach (CNI DEL) under way after an exit, and whether it had published ports. */
  private readonly detaching = new Map<string, { done: Promise<void>; ports: boolean }>();

  /**
   * The networks' detach after an exit, in the background: its published ports are let go and its
   * run state cleared at once, and the plugins' DEL (its namespace went with its processes: the
   * address reservation, a published port's rules) goes on while the exit is reported and --rm
   * removes it, off the path `run --rm` waits on. Its next start waits for it (a DEL of the last
   * run must not take the new run's address); so does a removal (rm returns with nothing of the
   * container's networks left), except --rm's of a container with no published port.
   */
  private detach(r: ContainerRecord): void {
    if (!this.o.networks) return;
    const ports = (r.state.ports?.length ?? 0) > 0;
    const done = this.o.networks
      .down(r)
      .catch((e: unknown) => log.warn(`container ${r.id}: detach its networks after its exit: ${(e as Error).message}`))
      .finally(() => {
        if (this.detaching.get(r.id)?.done === done) this.detaching.delete(r.id);
      });
    this.detaching.set(r.id, { done, ports });
  }

  /** Resolves once the networks' detach after the container's last exit has ended (at once if none runs). */
  async detached(id: string): Promise<void> {
    await this.detaching.get(id)?.done;
  }

  /** Waits (at most `ms`) for the networks' detaches still running: a daemon that stops right
   *  after a `run --rm` finishes its DEL instead of leaving it to the next start's markers. */
  async settle(ms: number): Promise<void> {
    const pending = [...this.detaching.values()].map((d) => d.done);
    if (pending.length) await Promise.race([Promise.all(pending), Bun.sleep(ms)]);
  }

  /** The policy's start after the back-off; a stop, kill or removal meanwhile cancels it. */
  private restartNow(id: string): Promise<void> {
    return this.serial(id, async () => {
      const r = this.o.store.get(id);
      if (!r || r.state.status !== "restarting") return;
      if (r.state.manuallyStopped) return this.endRestarting(r);
      await this.launch(r).catch((e: unknown) => log.warn(`container ${id}: the restart policy could not start it again: ${(e as Error).message}`));
    });
  }

  /** A restarting container stopped by the user: its pending start goes, it is exited. */
  private endRestarting(r: ContainerRecord): void {
    this.restarts.cancel(r.id);
    r.state = { ...r.state, status: "exited", manuallyStopped: true };
    this.o.store.update(r);
  }

  async wait(rec: ContainerRecord, condition: "not-running" | "next-exit" | "removed", signal?: AbortSignal): Promise<Exit> {
    const r = this.fresh(rec);
    if (condition === "removed") return this.removalWaiters.next(r.id, signal);
    if (condition === "not-running" && !isActive(r.state)) return { exitCode: r.state.exitCode, ...(r.state.error ? { error: r.state.error } : {}) };
    return this.exitWaiters.next(r.id, signal);
  }

  removed(id: string): void {
    this.removalWaiters.notify(id, { exitCode: this.lastExit.get(id) ?? 0 });
    this.lastExit.delete(id);
  }

  private readonly lastExit = new Map<string, number>();

  kill(rec: ContainerRecord, signal = "SIGKILL"): Promise<void> {
    const sig = signalOf(signal);
    return this.serial(rec.id, async () => {
      const r = this.fresh(rec);
      if (!isActive(r.state)) throw conflict("ENGINE_CONTAINER_NOT_RUNNING", `Container ${r.id} is not running`, `start it first: skiff start ${r.name}`);
      // as dockerd: a kill by the user ends the restart policy's restarts until the next start,
      // unless the container has a stop signal of its own and this is another one (not KILL)
      const own = ownStopSignal(r);
      if (own && sig !== 9 && sig !== signalOf(own)) {
        this.mark(r, "killedByUser");
        if (r.state.status === "restarting") return;
      } else {
        if (r.state.status === "restarting") return this.endRestarting(r);
        this.mark(r, "manuallyStopped");
      }
      const rt = this.o.runtimes.get(r.runtime);
      // as dockerd: a process that ended a moment ago is no failure (its exit is on its way)
      await rt.kill(r.id, sig, { all: false }).catch(async (e: unknown) => {
        if (!(await exitRecorded(join(r.files.stateDir, MONITOR.exitFile)))) throw e;
      });
      // frozen tasks take SIGKILL only once thawed: a paused container dies at once, as under dockerd
      if (sig === 9 && r.state.status === "paused") await rt.resume(r.id).catch(() => undefined);
      this.o.events.emit("kill", r, { signal: String(sig) });
    });
  }

  /** docker stop: the stop signal, then SIGKILL after the timeout; "already" when not running. */
  async stop(rec: ContainerRecord, timeoutSeconds?: number, signal?: string): Promise<"stopped" | "already"> {
    if (!isActive(this.fresh(rec).state)) return "already";
    const r = await this.settleRestart(rec);
    if (!isActive(r.state)) {
      this.o.events.emit("stop", r);
      return "stopped";
    }
    const sig = signalOf(signal ?? ownStopSignal(r) ?? "SIGTERM");
    const timeout = timeoutSeconds ?? r.options.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
    const exit = this.exitWaiters.next(r.id);
    const runtime = this.o.runtimes.get(r.runtime);
    if (r.state.status === "paused") await runtime.resume(r.id).catch(() => undefined);
    // each signal sent is a kill event, as dockerd's (before the die it brings)
    const signalled = (n: number) => this.o.events.emit("kill", this.fresh(r), { signal: String(n) });
    // (with -t 0 too, as dockerd: the stop signal, then SIGKILL at once)
    await runtime.kill(r.id, sig).then(() => signalled(sig), () => undefined);
    const inTime = timeout < 0 ? await exit : await Promise.race([exit, Bun.sleep(timeout * 1000).then(() => undefined)]);
    if (!inTime) {
      await runtime.kill(r.id, 9, { all: true }).then(() => signalled(9), () => undefined);
      const killed = await Promise.race([exit, Bun.sleep(STOP_GRACE_AFTER_KILL_MS).then(() => undefined)]);
      if (!killed) throw new SkiffError({ layer: "engine", code: "ENGINE_STOP_TIMEOUT", kind: "unavailable", message: `stop container ${r.name}: it did not exit after SIGKILL`, hint: "check the host for processes stuck in the kernel (D state)" });
    }
    this.o.events.emit("stop", this.fresh(r));
    return "stopped";
  }

  /** Sets a flag of the user's doing on the record as stored and on `r` (only that flag: the rest
   *  of the stored record stays as it is): stopped (manuallyStopped), or signalled with another
   *  signal than its own stop signal (killedByUser). */
  private mark(r: ContainerRecord, flag: "manuallyStopped" | "killedByUser"): void {
    const now = this.o.store.get(r.id);
    if (!now) return;
    now.state[flag] = true;
    this.o.store.update(now);
    r.state[flag] = true;
  }

  /**
   * For a stop, kill or removal by the user: marks it stopped by the user, so that no exit from now
   * on restarts it; a restart pending or under way is waited for (its queue) and, if it had not
   * started, ended. The record as it is then: still active only if the process runs.
   */
  private async settleRestart(rec: ContainerRecord): Promise<ContainerRecord> {
    this.mark(rec, "manuallyStopped");
    if (this.fresh(rec).state.status === "restarting")
      await this.serial(rec.id, async () => {
        const now = this.fresh(rec);
        if (now.state.status === "restarting") this.endRestarting(now);
      });
    const r = this.fresh(rec);
    // (a restart that was under way wrote its record over the mark)
    if (isActive(r.state)) this.mark(r, "manuallyStopped");
    return r;
  }

  async restart(rec: ContainerRecord, timeoutSeconds?: number): Promise<void> {
    await this.stop(rec, timeoutSeconds);
    await this.start(this.fresh(rec));
    this.o.events.emit("restart", this.fresh(rec));
  }

  pause(rec: ContainerRecord, pause: boolean): Promise<void> {
    return this.serial(rec.id, async () => {
      const r = this.fresh(rec);
      if (pause && r.state.status === "paused") throw conflict("ENGINE_CONTAINER_PAUSED", `Container ${r.id} is already paused`, `resume it: skiff unpause ${r.name}`);
      if (!pause && r.state.status !== "paused") throw conflict("ENGINE_CONTAINER_NOT_PAUSED", `Container ${r.id} is not paused`, "only a paused container can be unpaused");
      if (!isActive(r.state)) throw conflict("ENGINE_CONTAINER_NOT_RUNNING", `Container ${r.id} is not running`, `start it first: skiff start ${r.name}`);
      const rt = this.o.runtimes.get(r.runtime);
      await (pause ? rt.pause(r.id) : rt.resume(r.id));
      r.state.status = pause ? "paused" : "running";
      this.o.store.update(r);
      this.o.events.emit(pause ? "pause" : "unpause", r);
    });
  }

  /** Before removal: a running container is killed and its exit recorded, and its networks' detach
   *  waited for (unless `detachInBackground`, with no published port); nothing is followed any more. */
  async forget(rec: ContainerRecord, o: { detachInBackground?: boolean } = {}): Promise<void> {
    this.restarts.reset(rec.id);
    this.o.health?.stopped(rec.id);
    const r = isActive(this.fresh(rec).state) ? await this.settleRestart(rec) : this.fresh(rec);
    this.lastExit.set(r.id, r.state.exitCode);
    if (isActive(r.state)) {
      const exit = this.exitWaiters.next(r.id);
      const rt = this.o.runtimes.get(r.runtime);
      if (r.state.status === "paused") await rt.resume(r.id).catch(() => undefined);
      await rt.kill(r.id, 9, { all: true }).then(() => this.o.events.emit("kill", r, { signal: "9" }), () => undefined);
      const e = await Promise.race([exit, Bun.sleep(STOP_GRACE_AFTER_KILL_MS).then(() => undefined)]);
      if (e) this.lastExit.set(r.id, e.exitCode);
    }
    // whatever was seen of its exit, the runtime lets go of it (its processes, cgroup and state)
    await this.o.runtimes
      .get(r.runtime)
      .delete(r.id, { force: true })
      .catch((err: unknown) => log.warn(`container ${r.id}: the runtime could not delete it: ${(err as Error).message}`));
    await endStrayMonitors(r.files.stateDir);
    if (!o.detachInBackground || this.detaching.get(r.id)?.ports) await this.detached(r.id);
    this.following.get(r.id)?.abort();
    this.following.delete(r.id);
    for (const a of this.pendingAttach.get(r.id) ?? []) a.reject(conflict("ENGINE_CONTAINER_REMOVED", `container ${r.id} was removed`, "attach to another container"));
    this.pendingAttach.delete(r.id);
    await this.queues.get(r.id);
    this.queues.delete(r.id);
  }

  /** Finds the containers again after a daemon start (restore.ts; see ContainerService.restore). */
  restore(records: ContainerRecord[]): Promise<void> {
    return restoreContainers(
      {
        runtimes: this.o.runtimes,
        health: this.o.health,
        stateParent: this.o.stateParent,
        follow: (r) => this.follow(r),
        exited: (id, exit, error) => this.exited(id, exit, error),
        start: (r) => this.start(r),
        remove: (id) => this.o.remove(id),
        restartDue: (id) => this.restarts.schedule(id, 0, () => void this.restartNow(id)),
      },
      records,
    );
  }

  close(): void {
    for (const a of this.following.values()) a.abort();
    this.following.clear();
    this.restarts.close();
  }
}

/** The exit code a start that failed leaves, as dockerd's (translateContainerdStartErr): 127 for a
 *  command that is not there, 126 for one that cannot be run, 127 for a mount of a directory onto a
 *  file or the reverse; else the run before's stays, and 128 (exitUnknown) where it was 0. */
export function startFailureExitCode(error: string, before: number): number {
  const e = error.toLowerCase();
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(e)) return 127;
  if (/permission denied|is a directory/.test(e)) return 126;
  if (e.includes("not a directory")) return 127;
  return before || 128;
}

/** The container's own stop signal: --stop-signal, else the image's STOPSIGNAL; none when neither. */
const ownStopSignal = (r: ContainerRecord): string | undefined => r.options.stopSignal || r.imageConfig.StopSignal || undefined;

/** A signal named by the user (kill -s, stop -s, --stop-signal): its number, or dockerd's 400 in its
 *  words, refused by the engine whatever the container's state, not by the runtime. */
function signalOf(signal: string): number {
  try {
    return parseSignal(signal);
  } catch {
    throw invalidArg("ENGINE_SIGNAL_INVALID", `Invalid signal: ${signal}`, "give a signal name (SIGTERM, KILL, USR1 …) or a number from 1 to 64", { field: "signal" });
  }
}
