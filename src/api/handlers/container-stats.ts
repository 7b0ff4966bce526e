// GET /containers/{id}/stats: docker's StatsJSON. stream (docker's default) sends a frame at once
// and then one a second, each with the previous frame's CPU counters as precpu_stats, until the
// client goes or the container is removed; stream=false answers with one frame whose precpu_stats
// is a sample taken PRIME_MS before (dockerd waits for two ticks of its one-second collector: 1-2
// s); one-shot=true answers with one sample at once, precpu_stats zero. A container that is not
// running has dockerd's zero frame (its name and id only), at once without stream.
import { endpoint, q } from "../endpoint.ts";
import { apiError } from "../http-error.ts";
import { exactJson, statsJson, type PreviousStats } from "../wire/container-stats.ts";
import { containersOf } from "./containers.ts";

/** The interval between the two samples of a stream=false answer: at /proc/stat's 10 ms ticks on
 * two CPUs, 0.5 s reads the CPU % to within 1 %. */
export const PRIME_MS = 500;
const STREAM_INTERVAL_MS = 1000;

const boolValue = (v: string) => !["", "0", "no", "false", "none"].includes(v.trim().toLowerCase());
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
const previousOf = (doc: Record<string, unknown>): PreviousStats | undefined => (doc.read === "0001-01-01T00:00:00Z" ? undefined : { read: doc.read as string, cpu_stats: doc.cpu_stats as PreviousStats["cpu_stats"] });

export const stats = endpoint({ query: { stream: q.string({ maxLength: 16 }), "one-shot": q.bool() } }, async (ctx, { query }) => {
  const svc = containersOf(ctx);
  const id = svc.inspect(ctx.params.id!).id;
  // dockerd's BoolValueOrDefault: absent is true
  const stream = query.stream === undefined ? true : boolValue(query.stream);
  if (stream && query["one-shot"]) throw apiError("invalid_argument", "API_QUERY_INVALID", "cannot have stream=true and one-shot=true", "pass stream=false with one-shot=true");
  const headers = { "Content-Type": "application/json" };
  if (!stream) {
    const first = await svc.stats(id);
    if (!first.running || query["one-shot"]) return new Response(exactJson(statsJson(first)) + "\n", { headers });
    await sleep(PRIME_MS, ctx.req.signal);
    const second = await svc.stats(id);
    return new Response(exactJson(statsJson(second, second.running ? previousOf(statsJson(first)) : undefined)) + "\n", { headers });
  }
  const abort = new AbortController();
  ctx.req.signal?.addEventListener("abort", () => abort.abort());
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(c) {
      let previous: PreviousStats | undefined;
      while (!abort.signal.aborted) {
        let doc: Record<string, unknown>;
        try {
          doc = statsJson(await svc.stats(id), previous);
        } catch {
          break; // removed: dockerd's stream ends then too
        }
        previous = previousOf(doc);
        try {
          c.enqueue(enc.encode(exactJson(doc) + "\n"));
        } catch {
          break;
        }
        await sleep(STREAM_INTERVAL_MS, abort.signal);
      }
      try {
        c.close();
      } catch {}
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(body, { headers });
});
