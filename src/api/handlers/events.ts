// GET /events: docker's event stream (container events), one JSON object per line, with the
// events kept in memory replayed for `since`, and docker's filters (type, container, event, image,
// label). Without `until` the stream stays open until the client goes.
import type { ContainerEvent } from "../../engine/containers/index.ts";
import { endpoint, q } from "../endpoint.ts";
import { apiError } from "../http-error.ts";
import { containersOf } from "./containers.ts";
import { filtersQuery } from "./params.ts";

const KEYS = ["type", "container", "event", "image", "label", "daemon", "network", "volume", "plugin", "node", "service", "secret", "config", "scope"];

function seconds(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw apiError("invalid_argument", "API_QUERY_INVALID", `query parameter ${name} must be a time, got ${JSON.stringify(v)}`, "give unix seconds or an RFC 3339 time");
  return t / 1000;
}

/** docker's wire form of an event, as a JSON line: timeNano as the exact integer (past 2^53 a JSON number loses digits). */
export function wireEvent(e: ContainerEvent): string {
  const time = Number(e.timeNano / 1_000_000_000n);
  const doc = { status: e.action, id: e.id, from: e.attributes.image, Type: "container", Action: e.action, Actor: { ID: e.id, Attributes: e.attributes }, scope: "local", time, timeNano: 0 };
  return JSON.stringify(doc).replace(/"timeNano":0\}$/, `"timeNano":${e.timeNano}}`);
}

export const events = endpoint({ query: { since: q.string({ maxLength: 64 }), until: q.string({ maxLength: 64 }), filters: filtersQuery } }, (ctx, { query }) => {
  const bus = containersOf(ctx).events;
  const f = query.filters;
  for (const k of Object.keys(f)) if (!KEYS.includes(k)) throw apiError("invalid_argument", "API_FILTERS_INVALID", `invalid filter '${k}'`, "see docker events --help for the filters");
  const since = seconds("since", query.since);
  const until = seconds("until", query.until);
  const any = (k: string, test: (v: string) => boolean) => !f[k]?.length || f[k]!.some(test);
  const wanted = (e: ContainerEvent) =>
    any("type", (v) => v === "container") &&
    any("container", (v) => e.id.startsWith(v) || e.attributes.name === v) &&
    any("event", (v) => e.action === v || e.action.startsWith(`${v}:`)) &&
    any("image", (v) => e.attributes.image === v) &&
    (f.label ?? []).every((v) => (v.includes("=") ? e.attributes[v.slice(0, v.indexOf("="))] === v.slice(v.indexOf("=") + 1) : v in e.attributes));
  const at = (e: ContainerEvent) => Number(e.timeNano) / 1e9;
  const enc = new TextEncoder();
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      const send = (e: ContainerEvent) => {
        if (until !== undefined && at(e) > until) return;
        if (wanted(e)) c.enqueue(enc.encode(wireEvent(e) + "\n"));
      };
      if (since !== undefined) for (const e of bus.past()) if (at(e) >= since) send(e);
      if (until !== undefined && until <= Date.now() / 1000) return c.close();
      const off = bus.on(send);
      const timer = until !== undefined ? setTimeout(() => (stop(), c.close()), (until - Date.now() / 1000) * 1000) : undefined;
      stop = () => {
        off();
        clearTimeout(timer);
      };
    },
    cancel() {
      stop();
    },
  });
  return new Response(body, { headers: { "Content-Type": "application/json" } });
});
