// docker network ls's --filter (driver, id, label, name, scope, type, dangling) and network
// prune's (until, label, label!). An unknown key or a bad value is dockerd's 400 ("Invalid filter 'KEY'").
import { SkiffError } from "../../common/errors.ts";
import { parseTimestamp } from "../../common/timestamps.ts";
import type { NetworkRecord } from "./record.ts";

const LIST_KEYS = ["driver", "id", "label", "name", "scope", "type", "dangling"];
const PRUNE_KEYS = ["until", "label", "label!"];

const bad = (what: string, hint: string) => new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_FILTER_INVALID", kind: "invalid_argument", message: `Invalid filter '${what}'`, hint, details: { field: "filters" } });
const LIST_HINT = "network ls takes driver=, id=, label=, name=, scope=local|swarm|global, type=custom|builtin, dangling=true|false";

function labelMatch(n: NetworkRecord, spec: string): boolean {
  const eq = spec.indexOf("=");
  return eq < 0 ? spec in n.labels : n.labels[spec.slice(0, eq)] === spec.slice(eq + 1);
}

const any = (values: string[] | undefined, test: (v: string) => boolean) => !values?.length || values.some(test);

export function filterNetworks(all: NetworkRecord[], filters: Record<string, string[]>, inUse: (id: string) => boolean): NetworkRecord[] {
  for (const k of Object.keys(filters)) if (!LIST_KEYS.includes(k)) throw bad(k, LIST_HINT);
  for (const t of filters.type ?? []) if (t !== "custom" && t !== "builtin") throw bad(`type=${t}`, LIST_HINT);
  const dangling = (filters.dangling ?? []).map((v) => {
    const b = { true: true, "1": true, false: false, "0": false }[v.toLowerCase()];
    if (b === undefined) throw bad(`dangling=${v}`, LIST_HINT);
    return b;
  });
  return all.filter(
    (n) =>
      any(filters.driver, (v) => n.driver === v) &&
      any(filters.id, (v) => n.id.startsWith(v)) &&
      any(filters.name, (v) => n.name.includes(v)) &&
      any(filters.scope, (v) => v === "local") &&
      any(filters.type, (v) => (v === "builtin") === n.predefined) &&
      (filters.label ?? []).every((v) => labelMatch(n, v)) &&
      // as dockerd: dangling=true is the user-defined networks no container is on
      dangling.every((d) => d === (!n.predefined && !inUse(n.id))),
  );
}

/** The networks prune's filters select (until: created before; label, label!). */
export function pruneSelection(all: NetworkRecord[], filters: Record<string, string[]>, now = Date.now()): NetworkRecord[] {
  for (const k of Object.keys(filters)) if (!PRUNE_KEYS.includes(k)) throw bad(k, "network prune takes until=, label= and label!=");
  const until = (filters.until ?? []).map((v) => parseTimestamp(v, now / 1000) * 1000);
  return all.filter((n) => until.every((t) => Date.parse(n.created) < t) && (filters.label ?? []).every((v) => labelMatch(n, v)) && (filters["label!"] ?? []).every((v) => !labelMatch(n, v)));
}
