// docker volume ls's --filter (dangling, name, driver, label) and volume prune's (label, label!,
// and all: API 1.42's, which 1.41 clients do not send). An unknown key or a bad value is
// dockerd's 400 ("Invalid filter 'KEY'").
import { invalidArg } from "./errors.ts";
import type { VolumeRecord } from "./record.ts";

const LIST_KEYS = ["dangling", "name", "driver", "label"];
const PRUNE_KEYS = ["label", "label!", "all"];
const BOOLS: Record<string, boolean> = { true: true, "1": true, false: false, "0": false };

const bad = (what: string) => invalidArg("ENGINE_VOLUME_FILTER_INVALID", `Invalid filter '${what}'`, "volume ls takes dangling=true|false, name=, driver=, label=; volume prune label= and label!=", { field: "filters" });

function labelMatch(v: VolumeRecord, spec: string): boolean {
  const labels = v.labels ?? {};
  const eq = spec.indexOf("=");
  return eq < 0 ? spec in labels : labels[spec.slice(0, eq)] === spec.slice(eq + 1);
}

/** docker matches names as RE2 expressions; the forms people use (a substring, ^ and $) are matched here without a RegExp of the client's text. */
function nameMatch(name: string, v: string): boolean {
  const start = v.startsWith("^");
  const end = v.endsWith("$") && !v.endsWith("\\$");
  const core = v.slice(start ? 1 : 0, end ? -1 : undefined);
  if (start && end) return name === core;
  if (start) return name.startsWith(core);
  if (end) return name.endsWith(core);
  return name.includes(core);
}

function bool(key: string, values: string[]): boolean | undefined {
  if (!values.length) return undefined;
  const out = values.map((x) => BOOLS[x.toLowerCase()]);
  if (out.some((x) => x === undefined) || new Set(out).size > 1) throw bad(`${key}=[${values.join(" ")}]`);
  return out[0];
}

/** The volumes `filters` (docker's ls filters) keeps; `inUse` tells a volume's users apart. */
export function filterVolumes(volumes: VolumeRecord[], filters: Record<string, string[]>, inUse: (name: string) => boolean): VolumeRecord[] {
  for (const k of Object.keys(filters)) if (!LIST_KEYS.includes(k)) throw bad(k);
  const dangling = bool("dangling", filters.dangling ?? []);
  const any = (k: string, test: (x: string) => boolean) => !filters[k]?.length || filters[k]!.some(test);
  return volumes.filter(
    (v) =>
      (dangling === undefined || inUse(v.name) !== dangling) &&
      any("name", (x) => nameMatch(v.name, x)) &&
      any("driver", (x) => v.driver === x) &&
      (filters.label ?? []).every((x) => labelMatch(v, x)),
  );
}

/**
 * What prune takes: unused volumes matching the labels. As dockerd 20.10 (API 1.41), every unused
 * volume, named or anonymous; with all=false (API 1.42's default, asked for explicitly) only
 * the anonymous ones.
 */
export function pruneSelection(volumes: VolumeRecord[], filters: Record<string, string[]>, inUse: (name: string) => boolean): VolumeRecord[] {
  for (const k of Object.keys(filters)) if (!PRUNE_KEYS.includes(k)) throw bad(k);
  const all = bool("all", filters.all ?? []) ?? true;
  return volumes.filter(
    (v) => !inUse(v.name) && (all || v.anonymous) && (filters.label ?? []).every((x) => labelMatch(v, x)) && (filters["label!"] ?? []).every((x) => !labelMatch(v, x)),
  );
}
