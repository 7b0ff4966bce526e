// The health checks of running containers (health-state.ts decides): per container with a check,
// a loop that waits the interval, runs the probe as an exec, and records the result, the status and
// docker's `health_status: STATUS` event when the status changes. A probe that runs past its
// timeout is killed and counts as a failure with dockerd's words; one that cannot run counts as a
// failure with the reason. The loop ends with the container's process; a daemon that starts again
// resumes the loops of the containers it finds running, with the status they had. Each probe has
// dockerd's exec events (exec_create, exec_start, exec_die), as `docker events` shows them.
import type { Socket } from "node:net";
import { log } from "../../common/log.ts";
import type { ContainerEvents } from "./events.ts";
import type { Execs } from "./execs.ts";
import { applyProbeResult, effectiveHealthcheck, MAX_HEALTH_OUTPUT, probeArgv, probeOutput, probeTimings, startingHealth, timeoutOutput, type HealthConfig, type HealthResult } from "./health-state.ts";
import type { ContainerRecord } from "./record.ts";
import type { ContainerStore } from "./store.ts";
import type { HealthHooks } from "./supervisor-hooks.ts";
import { longTimeout } from "../../common/long-timeout.ts";

export interface HealthChecksOptions {
  store: ContainerStore;
  execs: Execs;
  events: ContainerEvents;
}

/** How long a killed probe's stream may take to end before it is let go. */
const KILLED_PROBE_GRACE_MS = 2000;

export class HealthChecks implements HealthHooks {
  private readonly loops = new Map<string, AbortController>();

  constructor(private readonly o: HealthChecksOptions) {}

  /** A (re)start: the status is "starting" again, the results so far are kept. */
  started(r: ContainerRecord): void {
    const cfg = effectiveHealthcheck(r.options.healthcheck, r.imageConfig.Healthcheck);
    if (!cfg) return;
    const now = this.o.store.get(r.id);
    if (!now) return;
    now.state.health = startingHealth(now.state.health);
    this.o.store.update(now);
    this.loop(r.id, cfg);
  }

  /** Found running after a daemon start: the checks go on from the recorded status. */
  resumed(r: ContainerRecord): void {
    const cfg = effectiveHealthcheck(r.options.healthcheck, r.imageConfig.Healthcheck);
    if (!cfg) return;
    if (!r.state.health) {
      r.state.health = startingHealth(undefined);
      this.o.store.update(r);
    }
    this.loop(r.id, cfg);
  }

  /** The container stopped: no more probes, and the status is "unhealthy", as dockerd sets it
   *  when its monitor stops (a new-user trial: it stayed "healthy" or "starting"). */
  stopped(id: string): void {
    if (!this.halt(id)) return;
    const now = this.o.store.get(id);
    if (!now?.state.health) return;
    now.state.health = { ...now.state.health, status: "unhealthy" };
    this.o.store.update(now);
  }

  /** Ends the probes of a container; whether it had any. */
  private halt(id: string): boolean {
    const loop = this.loops.get(id);
    loop?.abort();
    this.loops.delete(id);
    return !!loop;
  }

  close(): void {
    for (const a of this.loops.values()) a.abort();
    this.loops.clear();
  }

  private loop(id: string, cfg: HealthConfig): void {
    this.halt(id);
    const abort = new AbortController();
    this.loops.set(id, abort);
    const t = probeTimings(cfg);
    const run = async () => {
      while (!abort.signal.aborted) {
        await sleep(t.intervalMs, abort.signal);
        const r = this.o.store.get(id);
        if (abort.signal.aborted || !r) return;
        if (r.state.status !== "running") continue; // paused: no probe until it runs again
        const startMs = Date.now();
        const result = await this.probe(r, cfg, t.timeoutMs);
        // a probe that outlived its container's run counts for nothing (dockerd drops it too)
        const now = this.o.store.get(id);
        if (abort.signal.aborted || !now || now.state.status !== "running") continue;
        const before = now.state.health ?? startingHealth(undefined);
        now.state.health = applyProbeResult(before, result, { retries: t.retries, startPeriodMs: t.startPeriodMs, startedAtMs: Date.parse(now.state.startedAt), startMs });
        this.o.store.update(now);
        if (now.state.health.status !== before.status) this.o.events.emit(`health_status: ${now.state.health.status}`, now);
      }
    };
    run().catch((e: unknown) => log.warn(`container ${id}: its health checks stopped: ${(e as Error).message}`));
  }

  /** One probe: its exit code and output, -1 with the reason when it timed out or could not run. */
  private async probe(r: ContainerRecord, cfg: HealthConfig, timeoutMs: number): Promise<HealthResult> {
    const start = new Date().toISOString();
    const done = (exitCode: number, output: string): HealthResult => ({ start, end: new Date().toISOString(), exitCode, output });
    let execId: string | undefined;
    let socket: Socket | undefined;
    let exitCode = -1;
    const timedOut = Bun.sleep(timeoutMs).then(() => "timeout" as const);
    try {
      const argv = probeArgv(cfg.test);
      const e = this.o.execs.create(r, { cmd: argv, attachStdout: true, attachStderr: true });
      execId = e.id;
      this.o.events.emit(`exec_create: ${argv.join(" ")}`, r, { execID: e.id });
      const started = this.o.execs.start(r, e.id, { detach: false });
      void started.then(() => this.o.events.emit(`exec_start: ${argv.join(" ")}`, r, { execID: e.id }), () => undefined);
      const first = await Promise.race([started, timedOut]);
      if (first === "timeout") {
        void started.then((s) => s?.destroy(), () => undefined);
        return done(-1, timeoutOutput(timeoutMs));
      }
      socket = first;
      const output = collectOutput(socket!);
      const ended = await Promise.race([output, timedOut]);
      if (ended === "timeout") {
        // killed as dockerd kills it; its stream then ends
        if (e.pid > 0) killQuietly(e.pid);
        await Promise.race([output, Bun.sleep(KILLED_PROBE_GRACE_MS)]);
        return done(-1, timeoutOutput(timeoutMs));
      }
      exitCode = await this.exitCode(e.id);
      return done(exitCode, probeOutput(ended));
    } catch (err) {
      return done(-1, err instanceof Error ? err.message : String(err));
    } finally {
      socket?.destroy();
      if (execId) {
        this.o.execs.drop(execId);
        this.o.events.emit("exec_die", r, { execID: execId, exitCode: String(exitCode) });
      }
    }
  }

  /** The probe's exit code once its monitor has recorded it (its stream may end a moment before). */
  private async exitCode(execId: string): Promise<number> {
    for (let i = 0; i < 100; i++) {
      const e = this.o.execs.get(execId);
      if (!e.running && e.exitCode !== null) return e.exitCode;
      await Bun.sleep(10);
    }
    return -1;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {} // it has ended meanwhile
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // (an --health-interval past 24.8 days waits too: a plain timer would fire at once)
    const cancel = longTimeout(done, ms);
    function done() {
      cancel();
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

/** The probe's output (stdout and stderr in the order written) from its multiplexed stream, the
 *  first MAX_HEALTH_OUTPUT bytes and one more (so that probeOutput knows there was more). */
function collectOutput(s: Socket): Promise<Uint8Array> {
  return new Promise((resolve) => {
    let pending = Buffer.alloc(0);
    const kept: Buffer[] = [];
    let size = 0;
    s.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 8) {
        const len = pending.readUInt32BE(4);
        if (pending.length < 8 + len) break;
        if (size <= MAX_HEALTH_OUTPUT) {
          const part = pending.subarray(8, 8 + Math.min(len, MAX_HEALTH_OUTPUT + 1 - size));
          kept.push(Buffer.from(part));
          size += part.length;
        }
        pending = pending.subarray(8 + len);
      }
    });
    const end = () => resolve(Buffer.concat(kept));
    s.once("end", end);
    s.once("close", end);
    s.once("error", end);
  });
}
