// Newline-delimited JSON responses (pull, push, load, import) with docker's error rule: an error
// before the first line is an HTTP error with its status; after it, the status is already sent,
// so the error becomes the stream's last line {"errorDetail":{"message"},"error"}.
import type { ProgressEvent } from "../engine/image/service.ts";
import { errorResponse } from "./http-error.ts";
import { progressString } from "./units.ts";

export type JsonMessage = Record<string, unknown>;
export type Emit = (msg: JsonMessage) => void;

const HEADERS = { "Content-Type": "application/json" };

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
  return new Promise<Response>((resolve) => {
    let started = false;
    const emit: Emit = (msg) => {
      push(enc.encode(JSON.stringify(msg) + "\r\n"));
      if (!started) {
        started = true;
        resolve(new Response(stream, { headers: HEADERS }));
      }
    };
    work(emit).then(
      () => {
        if (!started) resolve(new Response(stream, { headers: HEADERS }));
        started = true;
        if (!closed) controller.close();
      },
      (e: unknown) => {
        if (!started) {
          started = true;
          resolve(errorResponse(e));
          return;
        }
        const message = e instanceof Error ? e.message : String(e);
        push(enc.encode(JSON.stringify({ errorDetail: { message }, error: message }) + "\r\n"));
        if (!closed) controller.close();
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
