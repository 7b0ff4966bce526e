// The container routes that stream: logs (docker's 8-byte multiplexed frames without a tty, raw
// bytes with one) and wait (the head at once, the status when the condition holds).
import { endpoint, q } from "../endpoint.ts";
import { apiError } from "../http-error.ts";
import { containersOf } from "./containers.ts";

const RAW_STREAM = "application/vnd.docker.raw-stream";

/** docker's since/until: unix seconds ("1700000000.123456789"), an RFC 3339 time, or a Go duration back from now. */
function timeParam(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === "" || v === "0") return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const d = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(v);
  if (d) return Date.now() / 1000 - Number(d[1]) * { s: 1, m: 60, h: 3600 }[d[2] as "s" | "m" | "h"];
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw apiError("invalid_argument", "API_QUERY_INVALID", `query parameter ${name} must be a time, got ${JSON.stringify(v)}`, "give unix seconds, an RFC 3339 time, or a duration like 10m");
  return t / 1000;
}

/** A frame header: stream (1 stdout, 2 stderr), three zero bytes, the payload's length (big-endian u32). */
export function frameHeader(stream: 1 | 2, length: number): Uint8Array {
  const h = new Uint8Array(8);
  h[0] = stream;
  new DataView(h.buffer).setUint32(4, length);
  return h;
}

const BATCH = 64 * 1024;
const LATER = Symbol("later");
/** Resolves once the event loop has turned: what has not come by then is waiting on I/O or a timer. */
const afterNow = () => new Promise<typeof LATER>((r) => setImmediate(() => r(LATER)));
const SPACE = new Uint8Array([0x20]);

export const logs = endpoint(
  { query: { follow: q.bool(), stdout: q.bool(), stderr: q.bool(), since: q.string({ maxLength: 64 }), until: q.string({ maxLength: 64 }), timestamps: q.bool(), tail: q.string({ maxLength: 32 }), details: q.bool() } },
  (ctx, { query }) => {
    const svc = containersOf(ctx);
    const r = svc.inspect(ctx.params.id!);
    if (!query.stdout && !query.stderr) throw apiError("invalid_argument", "API_LOGS_NO_STREAM", "Bad parameters: you must choose at least one stream", "pass stdout=1 and/or stderr=1");
    if (r.options.log?.driver === "none") throw apiError("failed_precondition", "API_LOGS_NOT_KEPT", "configured logging driver does not support reading", "the container was created with --log-driver none: its output was not kept");
    // as dockerd: a tail that is no number is "all" (its strconv.Atoi error means every line)
    const tail = query.tail !== undefined && /^-?\d+$/.test(query.tail) ? Number(query.tail) : undefined;
    const abort = new AbortController();
    ctx.req.signal?.addEventListener("abort", () => abort.abort());
    const entries = svc.logs(r.id, {
      stdout: query.stdout,
      stderr: query.stderr,
      since: timeParam("since", query.since),
      until: timeParam("until", query.until),
      tail: tail !== undefined && tail < 0 ? undefined : tail,
      follow: query.follow,
      signal: abort.signal,
    });
    const tty = r.options.tty ?? false;
    const enc = new TextEncoder();
    // entries are gathered into chunks of about 64 KiB: 100,000 short lines are not 100,000 writes.
    // Following, a chunk also ends where the next entry is not there yet (it goes out now, and
    // that entry, still awaited, starts the next chunk): a reader that keeps up with a fast writer
    // must not fall behind the log's rotation.
    let pending: ReturnType<typeof entries.next> | undefined;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        const parts: Uint8Array[] = [];
        let size = 0;
        for (;;) {
          const next = pending ?? entries.next();
          pending = undefined;
          const got = parts.length && query.follow ? await Promise.race([next, afterNow()]) : await next;
          if (got === LATER) {
            pending = next;
            c.enqueue(Buffer.concat(parts));
            return;
          }
          const { value: e, done } = got;
          if (done) {
            if (parts.length) c.enqueue(Buffer.concat(parts));
            c.close();
            return;
          }
          // --details: the entry's attributes and a space, as dockerd writes them (there are none
          // here: no --log-opt labels or env, so a space alone), after the timestamp
          const line = query.details ? Buffer.concat([SPACE, e.line]) : e.line;
          const payload = query.timestamps ? Buffer.concat([enc.encode(`${e.time} `), line]) : line;
          if (!tty) parts.push(frameHeader(e.stream === "stdout" ? 1 : 2, payload.byteLength));
          parts.push(payload);
          size += payload.byteLength + 8;
          if (size >= BATCH) {
            c.enqueue(Buffer.concat(parts));
            return;
          }
        }
      },
      cancel() {
        abort.abort();
        void entries.return(undefined);
      },
    });
    return new Response(body, { headers: { "Content-Type": RAW_STREAM } });
  },
);

export const wait = endpoint({ query: { condition: q.string({ check: (v) => (["not-running", "next-exit", "removed"].includes(v) ? undefined : 'one of "not-running", "next-exit", "removed"') }) } }, (ctx, { query }) => {
  const svc = containersOf(ctx);
  const r = svc.inspect(ctx.params.id!); // an unknown container is a 404 before the head goes out
  const abort = new AbortController();
  const waited = svc.wait(r.id, (query.condition ?? "not-running") as "not-running" | "next-exit" | "removed", abort.signal);
  const body = new ReadableStream<Uint8Array>({
    async start(c) {
      try {
        const e = await waited;
        c.enqueue(new TextEncoder().encode(JSON.stringify({ Error: e.error ? { Message: e.error } : null, StatusCode: e.exitCode }) + "\n"));
        c.close();
      } catch {
        c.close(); // the client went away
      }
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(body, { headers: { "Content-Type": "application/json" } });
});
