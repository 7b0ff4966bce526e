// The entry of an unpack Worker thread (started by UnpackPool): runs unpackLayer for each job the
// pool sends, several at once interleaved on this thread's event loop. The protocol is in
// unpack-messages.ts.
//
// Contracts: every job ends with exactly one done or failed message. The lower dirs reach
// unpackLayer as a promise that settles when the pool's lowers or abort message comes; it never
// goes unhandled (an unhandled rejection ends a Bun worker, and every job on it). A message the
// protocol does not know is a programmer error and is thrown at top level: the worker dies and
// the pool fails its jobs, which is what tests use to kill one.
import { createReadStream } from "node:fs";
import { ByteChannel } from "../archive/index.ts";
import { ACK_STEP, fromWire, toWire, type ErrorOrigin, type FromWorker, type ToWorker } from "./unpack-messages.ts";
import { unpackLayer } from "./unpack-layer.ts";

declare const self: Worker;

interface Job {
  /** Fed by chunk/end/fail messages; absent for a file source. */
  stream?: ByteChannel;
  setLowers: (lowers: readonly string[]) => void;
  abortLowers: (e: Error) => void;
  /** The errors the pool sent (fail, abort), to name them when they come back out of unpackLayer. */
  sent: Map<unknown, ErrorOrigin>;
}

const jobs = new Map<number, Job>();
const JOB_MESSAGES = new Set<string>(["chunk", "end", "fail", "lowers", "abort"] satisfies Exclude<ToWorker["type"], "start">[]);
const post = (m: FromWorker) => self.postMessage(m);

self.addEventListener("message", (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === "start") return start(m);
  if (!JOB_MESSAGES.has(m.type)) throw new Error(`unpack worker: unknown message ${JSON.stringify(m.type)}`);
  const job = jobs.get(m.id);
  if (!job) return;
  switch (m.type) {
    case "chunk":
      void job.stream?.push(new Uint8Array(m.data));
      return;
    case "end":
      return job.stream?.end();
    case "fail": {
      const e = fromWire(m.error);
      job.sent.set(e, "source");
      return job.stream?.fail(e);
    }
    case "lowers":
      return job.setLowers(m.lowers);
    case "abort": {
      const e = fromWire(m.error);
      job.sent.set(e, "lowers");
      return job.abortLowers(e);
    }
  }
});

function start(m: Extract<ToWorker, { type: "start" }>): void {
  const lowers = Promise.withResolvers<readonly string[]>();
  lowers.promise.catch(() => undefined);
  if (m.lowers) lowers.resolve(m.lowers);
  // The pool bounds what it sends (STREAM_WINDOW), so the channel itself never holds a producer back.
  const stream = m.source === "stream" ? new ByteChannel(Infinity) : undefined;
  const job: Job = { stream, setLowers: lowers.resolve, abortLowers: lowers.reject, sent: new Map() };
  jobs.set(m.id, job);
  const source = m.source === "stream" ? acked(stream!, m.id) : createReadStream(m.source.file, { highWaterMark: 1 << 20 });
  unpackLayer({ ...m.options, source, lowers: lowers.promise })
    .then(
      (result) => post({ type: "done", id: m.id, result }),
      (e: unknown) => post({ type: "failed", id: m.id, error: toWire(e), origin: job.sent.get(e) }),
    )
    .finally(() => jobs.delete(m.id));
}

/** The stream's chunks, acknowledged to the pool in ACK_STEP batches as unpackLayer takes them. */
async function* acked(stream: ByteChannel, id: number): AsyncGenerator<Uint8Array> {
  let unacked = 0;
  for await (const c of stream) {
    unacked += c.byteLength;
    if (unacked >= ACK_STEP) {
      post({ type: "ack", id, bytes: unacked });
      unacked = 0;
    }
    yield c;
  }
}
