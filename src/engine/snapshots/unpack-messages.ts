// The messages between UnpackPool (main thread) and unpack-worker.ts, and the wire form of the
// errors they carry. One file, imported by both sides, so the protocol is written once.
//
// Per job (`id`, chosen by the pool):
//   pool → worker  start   the unpack options, the source (a blob file the worker reads itself,
//                          or "stream"), and the lower dirs when they are already known
//                  chunk   a stream's next bytes, as an ArrayBuffer the pool owns and transfers
//                  end     the stream is complete
//                  fail    the stream failed with `error`
//                  lowers  the lower dirs (sent once the caller's promise resolves)
//                  abort   the lower dirs will never come: the promise rejected with `error`
//   worker → pool  ack     `bytes` of the stream consumed since the last ack (backpressure: the
//                          pool keeps at most STREAM_WINDOW bytes unacknowledged per job)
//                  done    the UnpackResult
//                  failed  the error; `origin` says when it is the very error the pool sent
//                          (fail or abort), so the caller gets its own error object back
// Messages for a job the receiver no longer knows (settled, or never started) are ignored.
import { isSkiffError, SkiffError, type ErrorDetails, type ErrorKind, type Layer } from "../../common/errors.ts";
import type { UnpackLayerOptions, UnpackResult } from "./unpack-layer.ts";

/** Bytes of a stream posted to a worker and not yet consumed, per job. */
export const STREAM_WINDOW = 8 << 20;
/** The worker acks in steps of this much (well under STREAM_WINDOW, so the pool never waits on an ack that is not coming). */
export const ACK_STEP = 1 << 20;

export type UnpackJobOptions = Omit<UnpackLayerOptions, "source" | "lowers">;
export type ErrorOrigin = "source" | "lowers";

export type ToWorker =
  | { type: "start"; id: number; source: { file: string } | "stream"; options: UnpackJobOptions; lowers?: readonly string[] }
  | { type: "chunk"; id: number; data: ArrayBuffer }
  | { type: "end"; id: number }
  | { type: "fail"; id: number; error: WireError }
  | { type: "lowers"; id: number; lowers: readonly string[] }
  | { type: "abort"; id: number; error: WireError };

export type FromWorker =
  | { type: "ack"; id: number; bytes: number }
  | { type: "done"; id: number; result: UnpackResult }
  | { type: "failed"; id: number; error: WireError; origin?: ErrorOrigin };

/** An error as structured clone can carry it: a SkiffError's fields, or a plain error's message and node-style errno fields. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  skiff?: { code: string; layer: Layer; kind: ErrorKind; hint?: string; details: ErrorDetails };
  /** node:fs and common/sys errors: what io-error.ts maps from. */
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  cause?: WireError;
}

export function toWire(e: unknown, depth = 0): WireError {
  if (!(e instanceof Error)) return { name: "Error", message: String(e) };
  const w: WireError = { name: e.name, message: e.message, stack: e.stack };
  if (isSkiffError(e)) w.skiff = { code: e.code, layer: e.layer, kind: e.kind, hint: e.hint, details: cloneable(e.details) as ErrorDetails };
  const f = e as Partial<Record<"code" | "errno" | "syscall" | "path", unknown>>;
  if (!w.skiff && typeof f.code === "string") w.code = f.code;
  if (typeof f.errno === "number") w.errno = f.errno;
  if (typeof f.syscall === "string") w.syscall = f.syscall;
  if (typeof f.path === "string") w.path = f.path;
  if (e.cause !== undefined && depth < 3) w.cause = toWire(e.cause, depth + 1);
  return w;
}

export function fromWire(w: WireError): Error {
  const cause = w.cause ? fromWire(w.cause) : undefined;
  const e = w.skiff
    ? new SkiffError({ ...w.skiff, message: w.message, cause })
    : Object.assign(new Error(w.message, cause === undefined ? undefined : { cause }), { name: w.name });
  for (const k of ["code", "errno", "syscall", "path"] as const) if (w[k] !== undefined) Object.assign(e, { [k]: w[k] });
  if (w.stack) e.stack = w.stack;
  return e;
}

/** `v` if structured clone takes it, else its JSON form (bigints as strings, functions dropped). */
function cloneable(v: unknown): unknown {
  try {
    return structuredClone(v);
  } catch {
    return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)) ?? "null");
  }
}
