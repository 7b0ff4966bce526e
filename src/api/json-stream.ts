// Newline-delimited JSON responses (pull, push, load, import) with docker's error rule: an error
// before the first line is an HTTP error with its status; after it, the status is already sent,
// so the error becomes the stream's last line {"errorDetail":{"message"},"error"}, with skiff's
// code, layer and hint beside them as in an HTTP error body. Beside, not in errorDetail: docker's
// CLI decodes errorDetail.code as an integer (and JSON keys case-insensitively), so a string there
// would break it; unknown top-level keys it ignores.
import type { ProgressEvent } from "../engine/images/index.ts";
import { errorResponse, wireError } from "./http-error.ts";
import { progressString } from "./units.ts";

export type JsonMessage = Record<string, unknown>;
export type Emit = (msg: JsonMessage) => void;

const HEADERS = { "Content-Type": "application/json" };

/** The in-stream error line of `e`: docker's two fields, then skiff's code, layer and hint. */
export function streamErrorMessage(e: unknown): JsonMessage {
  const { message, ...rest } = wireError(e).body;
  return { errorDetail: { message }, error: message, ...rest };
}

/** How each streamed response ended: undefined when complete, else its error (for the server's log). */
const outcomes = new WeakMap<Response, Promise<unknown>>();

/** For a response of jsonStream() that started (status 200): settles with its error, or undefined. */
export const streamFailure = (res: Response): Promise<unknown> | undefined => outcomes.get(res);

export function jsonStream(work: (emit: Emit) => Promise<void>): Promise<Response> {
  const enc = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const pending: Uint8Array[] = [];
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      for (const chunk of pending.splice(0)) c.enqueue(chunk);
    },
    cancel() {
      closed = true;
    },
  });
  const push = (chunk: Uint8Array) => {
    if (closed) return;
    if (controller) controller.enqueue(chunk);
    else pending.push(chunk);
  };
  let settle!: (e: unknown) => void;
  const outcome = new Promise<unknown>((r) => (settle = r));
  const ok = () => {
    const res = new Response(stream, { headers: HEADERS });
    outcomes.set(res, outcome);
    return res;
  };
  return new Promise<Response>((resolve) => {
    let started = false;
    const emit: Emit = (msg) => {
      push(enc.encode(JSON.stringify(msg) + "\r\n"));
      if (!started) {
        started = true;
        resolve(ok());
      }
    };
    work(emit).then(
      () => {
        if (!started) resolve(ok());
        started = true;
        if (!closed) controller.close();
        settle(undefined);
      },
      (e: unknown) => {
        if (!started) {
          started = true;
          resolve(errorResponse(e));
          return;
        }
        push(enc.encode(JSON.stringify(streamErrorMessage(e)) + "\r\n"));
        if (!closed) controller.close();
        settle(e);
      },
    );
  });
}

/** A ProgressEvent as docker's JSONMessage: layer lines carry progressDetail (empty without
 * numbers), which tells the CLI to track them as lines of the live display. */
export function progressMessage(e: ProgressEvent): JsonMessage {
  const msg: JsonMessage = { status: e.status };
  if (e.id && /^[0-9a-f]{12}$/.test(e.id)) {
    const detail: Record<string, number> = {};
    if (e.current !== undefined) detail.current = e.current;
    if (e.total !== undefined) detail.total = e.total;
    msg.progressDetail = detail;
    const progress = progressString(detail);
    if (progress) msg.progress = progress;
  }
  if (e.id) msg.id = e.id;
  return msg;
}
