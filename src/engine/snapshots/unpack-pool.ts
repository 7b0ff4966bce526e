// Unpacks layers on Worker threads (unpack-worker.ts), several at once: decompression, both
// digests, the tar parse and the file writes of unpackLayer all leave the main thread, which keeps
// only the network and the API. The protocol is in unpack-messages.ts.
//
// Contracts:
// - Workers start on the first job, up to `workers`; a job goes to an idle worker, else to a new
//   one while there is room, else to the one with the fewest bytes of layers in hand: one big
//   layer, the pull's critical path, keeps a thread to itself while the small ones share another.
// - A stream source is read here and posted in copies the pool owns (a chunk may still be in use
//   by whoever else holds it: image-pull tees the download into the content store), at most
//   STREAM_WINDOW bytes ahead of what the worker has consumed. When the job ends first (it failed),
//   the source is stopped through its iterator's return().
// - A job's error is rebuilt as the same SkiffError (code, layer, kind, message, hint, details) or,
//   for a plain error, its message and node-style code/errno/syscall/path; an error that came from
//   the caller (the source's or the lowers promise's) is returned as the caller's own object.
// - A worker that dies fails its jobs with IMAGE_UNPACK_WORKER_FAILED; later jobs get a new one.
// - An idle worker is unref()ed: it never keeps a process alive, and it is terminated once it has
//   been idle for `idleMs` (a worker is a JavaScript VM of its own: its heap and buffers would
//   otherwise stay in skiffd for good after a pull). close() terminates them all and fails the jobs
//   still running; it resolves once every worker thread has exited.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { SkiffError } from "../../common/errors.ts";
import { fromWire, STREAM_WINDOW, toWire, type FromWorker, type ToWorker, type UnpackJobOptions } from "./unpack-messages.ts";
import type { UnpackResult } from "./unpack-layer.ts";

/** unpackLayer's options, with a source another thread can take: a blob file, or a stream read here. */
export interface UnpackJob extends UnpackJobOptions {
  source: { file: string } | { stream: AsyncIterable<Uint8Array> };
  /** Lower dirs, topmost first; a promise when the parents are still being built. */
  lowers: Promise<readonly string[]> | readonly string[];
}

const WORKER_URL = workerUrl();

/**
 * The worker's module: beside this file when run from source (or from a compiled program bundled
 * in one piece); in a compiled program split into chunks (scripts/build splits skiff-engine so
 * that `skiff` loads none of the daemon's code) it is embedded under its source path, as .js.
 */
function workerUrl(): string {
  const beside = new URL("./unpack-worker.ts", import.meta.url);
  if (!beside.pathname.includes("$bunfs") || existsSync(beside.pathname)) return beside.href;
  const split = new URL("/$bunfs/root/engine/snapshots/unpack-worker.js", beside);
  return existsSync(split.pathname) ? split.href : beside.href;
}
const EXIT_WAIT_MS = 5000;
/** How long an idle worker is kept for the next job (the layers of one pull come in bursts). */
const IDLE_MS = 2000;
const UNKNOWN_WEIGHT = 1 << 20;

interface Slot {
  worker: Worker;
  jobs: Map<number, Running>;
  dead: boolean;
  exited: Promise<void>;
  idleTimer?: ReturnType<typeof setTimeout>;
}

interface Running {
  id: number;
  digest: string;
  resolve: (r: UnpackResult) => void;
  reject: (e: unknown) => void;
  settled: boolean;
  /** The compressed size, for balancing (a guess when unknown). */
  weight: number;
  /** Stream bytes posted and not yet acknowledged. */
  inFlight: number;
  /** Wakes the stream pump (an ack came, or the job settled). */
  wake?: () => void;
  /** Stops the stream source when the job settles while it is still being read. */
  stopSource?: () => void;
  sourceError?: unknown;
  lowersError?: unknown;
}

export class UnpackPool {
  private readonly max: number;
  private readonly idleMs: number;
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closed = false;

  constructor(opts: { workers?: number; idleMs?: number } = {}) {
    this.max = Math.max(1, opts.workers ?? Math.min(availableParallelism(), 4));
    this.idleMs = opts.idleMs ?? IDLE_MS;
  }

  unpack(job: UnpackJob): Promise<UnpackResult> {
    if (this.closed) return Promise.reject(poolClosed(job.expected?.digest));
    let slot: Slot;
    try {
      slot = this.pick();
    } catch (e) {
      return Promise.reject(workerFailed(job.expected?.digest, `start: ${(e as Error).message}`));
    }
    const { source, lowers, ...options } = job;
    const id = ++this.nextId;
    return new Promise<UnpackResult>((resolve, reject) => {
      const run: Running = { id, digest: job.expected?.digest ?? "", resolve, reject, settled: false, weight: job.expected?.size ?? UNKNOWN_WEIGHT, inFlight: 0 };
      slot.jobs.set(id, run);
      clearTimeout(slot.idleTimer);
      slot.worker.ref();
      const known = Array.isArray(lowers) ? (lowers as readonly string[]) : undefined;
      this.post(slot, { type: "start", id, source: "file" in source ? { file: source.file } : "stream", options, lowers: known });
      if (!known) {
        Promise.resolve(lowers).then(
          (l) => !run.settled && this.post(slot, { type: "lowers", id, lowers: l }),
          (e: unknown) => {
            run.lowersError = e;
            if (!run.settled) this.post(slot, { type: "abort", id, error: toWire(e) });
          },
        );
      }
      if ("stream" in source) void this.pump(slot, run, source.stream);
    });
  }

  /** Terminates the workers before returning (jobs still running fail); resolves once their threads have exited. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const s of slots) this.retire(s, poolClosed);
    await Promise.all(slots.map((s) => exitedOrLate(s)));
  }

  /** Tests: the live worker threads, to kill one as a crash would. */
  workersForTest(): Worker[] {
    return this.slots.map((s) => s.worker);
  }

  private pick(): Slot {
    const idle = this.slots.find((s) => s.jobs.size === 0);
    if (idle) return idle;
    if (this.slots.length < this.max) return this.spawn();
    const load = (s: Slot) => [...s.jobs.values()].reduce((sum, r) => sum + r.weight, 0);
    return this.slots.reduce((a, b) => (load(b) < load(a) ? b : a));
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL);
    let exited!: () => void;
    const slot: Slot = { worker, jobs: new Map(), dead: false, exited: new Promise<void>((r) => (exited = r)) };
    worker.addEventListener("message", (ev: MessageEvent<FromWorker>) => this.received(slot, ev.data));
    // Bun reports an uncaught error with the source lines around it; the "error: …" line is the message.
    worker.addEventListener("error", (ev: ErrorEvent) => this.died(slot, /^(?:\w*error): (.*)$/im.exec(ev.message ?? "")?.[1] ?? (ev.message || "uncaught error")));
    worker.addEventListener("messageerror", () => this.died(slot, "a message could not be read"));
    worker.addEventListener("close", (ev: Event) => {
      exited();
      this.died(slot, `the thread exited (code ${(ev as CloseEvent).code})`);
    });
    this.slots.push(slot);
    return slot;
  }

  private received(slot: Slot, m: FromWorker): void {
    const run = slot.jobs.get(m.id);
    if (!run) return;
    if (m.type === "ack") {
      run.inFlight -= m.bytes;
      if (run.inFlight <= STREAM_WINDOW) run.wake?.();
    } else if (m.type === "done") {
      this.settle(slot, run, () => run.resolve(m.result));
    } else {
      const own = m.origin === "source" ? run.sourceError : m.origin === "lowers" ? run.lowersError : undefined;
      this.settle(slot, run, () => run.reject(own ?? fromWire(m.error)));
    }
  }

  /** Reads the caller's stream into the worker, STREAM_WINDOW bytes ahead at most. */
  private async pump(slot: Slot, run: Running, stream: AsyncIterable<Uint8Array>): Promise<void> {
    const it = stream[Symbol.asyncIterator]();
    let stopped = false;
    run.stopSource = () => {
      if (stopped) return;
      stopped = true;
      Promise.resolve(it.return?.()).catch(() => undefined);
    };
    try {
      for (;;) {
        const r = await it.next();
        if (run.settled) return run.stopSource();
        if (r.done) {
          stopped = true;
          return this.post(slot, { type: "end", id: run.id });
        }
        const data = ownedCopy(r.value);
        run.inFlight += data.byteLength;
        this.post(slot, { type: "chunk", id: run.id, data }, [data]);
        while (run.inFlight > STREAM_WINDOW && !run.settled) await new Promise<void>((w) => (run.wake = w));
      }
    } catch (e) {
      stopped = true;
      run.sourceError = e;
      if (!run.settled) this.post(slot, { type: "fail", id: run.id, error: toWire(e) });
    }
  }

  private settle(slot: Slot, run: Running, how: () => void): void {
    if (run.settled) return;
    run.settled = true;
    slot.jobs.delete(run.id);
    if (slot.jobs.size === 0 && !slot.dead) {
      slot.worker.unref();
      clearTimeout(slot.idleTimer);
      slot.idleTimer = setTimeout(() => this.retireIdle(slot), this.idleMs);
      slot.idleTimer.unref?.();
    }
    run.wake?.();
    run.stopSource?.();
    how();
  }

  private died(slot: Slot, why: string): void {
    if (slot.dead) return;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    this.retire(slot, (digest) => workerFailed(digest, why));
  }

  /** Terminates a worker that is still idle: the next job starts a new one. */
  private retireIdle(slot: Slot): void {
    if (slot.dead || slot.jobs.size > 0) return;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    this.retire(slot, poolClosed);
  }

  /** Marks the worker dead, terminates it and fails its jobs with `error(digest)`. */
  private retire(slot: Slot, error: (digest: string | undefined) => SkiffError): void {
    slot.dead = true;
    clearTimeout(slot.idleTimer);
    slot.worker.terminate();
    slot.worker.unref();
    for (const run of [...slot.jobs.values()]) this.settle(slot, run, () => run.reject(error(run.digest || undefined)));
  }

  private post(slot: Slot, m: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (!slot.dead) slot.worker.postMessage(m, transfer);
  }
}

/**
 * The worker's close event, or EXIT_WAIT_MS without one. The timer is what keeps the event loop
 * running meanwhile (a terminated worker does not, ref()ed or not), so `await close()` resumes.
 */
function exitedOrLate(slot: Slot): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((r) => (timer = setTimeout(r, EXIT_WAIT_MS)));
  return Promise.race([slot.exited, late]).finally(() => clearTimeout(timer));
}

/** A copy in a fresh ArrayBuffer, safe to transfer (the caller may still hold `chunk`). */
function ownedCopy(chunk: Uint8Array): ArrayBuffer {
  const b = new ArrayBuffer(chunk.byteLength);
  new Uint8Array(b).set(chunk);
  return b;
}

const layerName = (digest: string | undefined) => (digest ? `unpack layer ${digest}` : "unpack layer");

function workerFailed(digest: string | undefined, why: string): SkiffError {
  return new SkiffError({
    layer: "image",
    code: "IMAGE_UNPACK_WORKER_FAILED",
    kind: "internal",
    message: `${layerName(digest)}: the unpack worker died: ${why}`,
    hint: "retry; if it happens again, run skiffd with --debug and report the daemon's log",
    details: digest ? { digest } : {},
  });
}

function poolClosed(digest: string | undefined): SkiffError {
  return new SkiffError({
    layer: "image",
    code: "IMAGE_UNPACK_WORKER_FAILED",
    kind: "unavailable",
    message: `${layerName(digest)}: the unpack pool is closed (the daemon is shutting down)`,
    hint: "retry once the daemon is running again",
    details: digest ? { digest } : {},
  });
}
