// docker network ls's --filter (driver, id, label, name, scope, type, dangling) and network
// prune's (until, label, label!), applied. Their keys and values are checked once, where the API
// takes them (api/handlers/networks.ts, in dockerd's words): here an unknown key is ignored and a
// dangling value other than true or 1 is false.
import { parseTimestamp } from "../../common/timestamps.ts";
import type { NetworkRecord } from "./record.ts";

function labelMatch(n: NetworkRecord, spec: string): boolean {
  const eq = spec.indexOf("=");
  return eq < 0 ? spec in n.labels : n.labels[spec.slice(0, eq)] === spec.slice(eq + 1);
}

const any = (values: string[] | undefined, test: (v: string) => boolean) => !values?.length || values.some(test);

export function filterNetworks(all: NetworkRecord[], filters: Record<string, string[]>, inUse: (id: string) => boolean): NetworkRecord[] {
  const dangling = (filters.dangling ?? []).map((v) => v === "true" || v === "1");
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
  const until = (filters.until ?? []).map((v) => parseTimestamp(v, now / 1000) * 1000);
  return all.filter((n) => until.every((t) => Date.parse(n.created) < t) && (filters.label ?? []).every((v) => labelMatch(n, v)) && (filters["label!"] ?? []).every((v) => !labelMatch(n, v)));
}
