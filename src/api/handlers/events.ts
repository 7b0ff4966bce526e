// GET /events: docker's event stream (containers, images, volumes, networks), one JSON object per
// line: the events kept (in the database, across restarts) replayed for `since`, then the new ones
// as they come; docker's filters (engine/events' eventMatches). Without `until` the stream stays
// open until the client goes.
import { EVENT_FILTER_KEYS, eventMatches, type EngineEvent } from "../../engine/events/index.ts";
import { endpoint, q } from "../endpoint.ts";
import { apiError } from "../http-error.ts";
import { containersOf } from "./containers.ts";
import { filtersQuery } from "./params.ts";
import { longTimeout } from "../../common/long-timeout.ts";

/** Unix seconds (with a fraction) or an RFC 3339 time, as nanoseconds. */
function nanos(name: string, v: string | undefined): bigint | undefined {
  if (v === undefined || v === "") return undefined;
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (m) return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw apiError("invalid_argument", "API_QUERY_INVALID", `query parameter ${name} must be a time, got ${JSON.stringify(v)}`, "give unix seconds or an RFC 3339 time");
  return BigInt(t) * 1_000_000n;
}

/** docker's wire form of an event, as a JSON line: the deprecated status/id/from for containers and
 * images, timeNano as the exact integer (past 2^53 a JSON number loses digits). */
export function wireEvent(e: EngineEvent): string {
  const time = Number(e.timeNano / 1_000_000_000n);
  // omitempty, as docker's Message: a prune's event has no actor, so no id
  const id = e.id ? { id: e.id } : {};
  const legacy = e.type === "container" ? { status: e.action, ...id, from: e.attributes.image || undefined } : e.type === "image" ? { status: e.action, ...id } : {};
  const doc = { ...legacy, Type: e.type, Action: e.action, Actor: { ID: e.id, Attributes: e.attributes }, scope: e.scope, time, timeNano: 0 };
  return JSON.stringify(doc).replace(/"timeNano":0\}$/, `"timeNano":${e.timeNano}}`);
}

export const events = endpoint({ query: { since: q.string({ maxLength: 64 }), until: q.string({ maxLength: 64 }), filters: filtersQuery } }, (ctx, { query }) => {
  const log = containersOf(ctx).events.log;
  const f = query.filters;
  for (const k of Object.keys(f)) if (!(EVENT_FILTER_KEYS as readonly string[]).includes(k)) throw apiError("invalid_argument", "API_FILTERS_INVALID", `invalid filter '${k}'`, `the filters are ${EVENT_FILTER_KEYS.join(", ")}`);
  const since = nanos("since", query.since);
  const until = nanos("until", query.until);
  // dockerd's words, with the values as they were asked
  if (since !== undefined && until !== undefined && until < since)
    throw apiError("invalid_argument", "API_QUERY_INVALID", `\`since\` time (${query.since}) cannot be after \`until\` time (${query.until})`, "give a since that is before the until");
  const nowNano = () => BigInt(Date.now()) * 1_000_000n;
  const enc = new TextEncoder();
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      const send = (e: EngineEvent) => {
        if (until !== undefined && e.timeNano > until) return;
        if (eventMatches(f, e)) c.enqueue(enc.encode(wireEvent(e) + "\n"));
      };
      if (since !== undefined) for (const e of log.past(since, until)) send(e);
      if (until !== undefined && until <= nowNano()) return c.close();
      const off = log.on(send);
      // (an until months ahead waits too: a plain timer ended the stream at once past 24.8 days)
      const cancel = until !== undefined ? longTimeout(() => (stop(), c.close()), Number((until - nowNano()) / 1_000_000n)) : undefined;
      stop = () => {
        off();
        cancel?.();
      };
    },
    cancel() {
      stop();
    },
  });
  return new Response(body, { headers: { "Content-Type": "application/json" } });
});
