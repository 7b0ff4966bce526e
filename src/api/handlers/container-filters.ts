// docker ps's --filter (and container prune's): id, name, label, status, exited, ancestor, before,
// since, volume (a volume's name, a bind's host path, or the path in the container), health (starting, healthy, unhealthy, or none for a container without a checked run), until
// (prune), network (a network's name, or its id's prefix), publish and expose (a port or range,
// tcp unless said, among the published host ports or the container's ports). An unknown key or a
// status docker does not know is docker's 400.
import type { ContainerRecord, ContainerStatus } from "../../engine/containers/index.ts";
import { apiError } from "../http-error.ts";
import { summaryPortsJson, type ContainerNetwork } from "../wire/container-network-json.ts";

const LIST_KEYS = ["id", "name", "label", "status", "exited", "ancestor", "before", "since", "health", "volume", "network", "publish", "expose"];
const HEALTH = ["starting", "healthy", "unhealthy", "none"];
const PRUNE_KEYS = ["label", "label!", "until"];
const STATUSES: ContainerStatus[] = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];

/** docker's 400 for a filter; the hint names what is taken (both CLIs read it: no command is named). */
const invalid = (what: string, hint: string) => apiError("invalid_argument", "API_FILTERS_INVALID", `invalid filter '${what}'`, hint);

function labelMatch(r: ContainerRecord, spec: string): boolean {
  const labels = { ...r.imageConfig.Labels, ...r.options.labels };
  const eq = spec.indexOf("=");
  return eq < 0 ? spec in labels : labels[spec.slice(0, eq)] === spec.slice(eq + 1);
}

/**
 * docker matches name filters as RE2 expressions; a JavaScript RegExp of a client's text could
 * backtrack for ever, so the common forms are matched here: a substring, with ^ and $ anchors.
 */
function nameMatch(name: string, v: string): boolean {
  const start = v.startsWith("^");
  const end = v.endsWith("$") && !v.endsWith("\\$");
  const core = v.slice(start ? 1 : 0, end ? -1 : undefined).replace(/^\//, "");
  if (start && end) return name === core;
  if (start) return name.startsWith(core);
  if (end) return name.endsWith(core);
  return name.includes(core);
}

/** docker's durations for until: a timestamp, or a Go duration back from now ("10m", "1h30m"). */
function untilSeconds(v: string): number {
  const go = /^(\d+(?:\.\d+)?(?:h|m|s|ms))+$/.test(v);
  if (go) {
    let total = 0;
    for (const [, n, u] of v.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)) total += Number(n) * ({ h: 3600, m: 60, s: 1, ms: 0.001 } as Record<string, number>)[u!]!;
    return Date.now() / 1000 - total;
  }
  const t = /^\d+(\.\d+)?$/.test(v) ? Number(v) : Date.parse(v) / 1000;
  if (!Number.isFinite(t)) throw invalid(`until=${v}`, "until=TIMESTAMP (seconds since the epoch, or RFC 3339) or a Go duration before now (10m, 1h30m)");
  return t;
}

/** docker's volume filter: a volume's name, a bind's host path, or either's path in the container. */
const mountedThere = (r: ContainerRecord, v: string): boolean =>
  (r.options.volumes ?? []).some((m) => m.name === v || m.destination === v) || (r.options.binds ?? []).some((b) => b.source === v || b.destination === v);

/** dockerd's portOpFilter: "80", "80/udp", "8000-8010/tcp" → the set of "N/proto" it names. */
function portSet(values: readonly string[] | undefined, key: string): Set<string> | undefined {
  if (!values?.length) return undefined;
  const out = new Set<string>();
  for (const v of values) {
    const [range = "", proto = "tcp"] = v.split("/", 2);
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(range);
    const [lo, hi] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
    if (!(lo <= hi && hi <= 65535)) throw apiError("invalid_argument", "API_FILTERS_INVALID", `invalid filter '${key}=${v}'`, `${key}=PORT[/PROTO] or START-END[/PROTO]`);
    for (let p = lo; p <= hi; p++) out.add(`${p}/${proto}`);
  }
  return out;
}

/** `networks`: the networks each container is on (the network service's), for the network filter. */
export function filterContainers(records: ContainerRecord[], filters: Record<string, string[]>, o: { prune?: boolean; networks?: (id: string) => ContainerNetwork[]; imageId?: (ref: string) => string | undefined } = {}): ContainerRecord[] {
  const keys = o.prune ? PRUNE_KEYS : LIST_KEYS;
  for (const k of Object.keys(filters)) if (!keys.includes(k)) throw invalid(k, `the filters are ${keys.join(", ")}`);
  for (const s of filters.status ?? []) if (!STATUSES.includes(s as ContainerStatus)) throw invalid(`status=${s}`, `a status is one of ${STATUSES.join(", ")}`);
  for (const e of filters.exited ?? []) if (!/^-?\d+$/.test(e)) throw invalid(`exited=${e}`, "exited=CODE, an integer");
  for (const h of filters.health ?? []) if (!HEALTH.includes(h)) throw apiError("invalid_argument", "API_FILTERS_INVALID", `Unrecognised filter value for health: ${h}`, "use health=starting, healthy, unhealthy or none");
  const refTime = (ref: string) => {
    const r = records.find((x) => x.id === ref || x.name === ref.replace(/^\//, "") || x.id.startsWith(ref));
    if (!r) throw apiError("not_found", "API_CONTAINER_NOT_FOUND", `No such container: ${ref}`, "name a container skiff ps -a lists");
    return Date.parse(r.created);
  };
  const any = (k: string, test: (v: string) => boolean) => !filters[k]?.length || filters[k]!.some(test);
  // an ancestor by any reference to the image (busybox:latest, another tag of it), as dockerd resolves it
  const ancestors = new Map((filters.ancestor ?? []).map((v) => [v, o.imageId?.(v)]));
  const publish = portSet(filters.publish, "publish");
  const expose = portSet(filters.expose, "expose");
  // dockerd's: a published host port, or else a container port, of the running container's ports
  const portMatch = (r: ContainerRecord) =>
    (!publish && !expose) || summaryPortsJson(r).some((p) => publish?.has(`${p.PublicPort ?? 0}/${p.Type}`) || expose?.has(`${p.PrivatePort}/${p.Type}`));
  const onNetwork = (r: ContainerRecord, v: string) => {
    const nets = o.networks?.(r.id) ?? [];
    // host and none are networks to docker too (ps --filter network=host)
    return r.options.network === v || nets.some((n) => n.name === v || n.id.startsWith(v));
  };
  return records.filter(
    (r) =>
      any("id", (v) => r.id.startsWith(v)) &&
      any("name", (v) => nameMatch(r.name, v)) &&
      (filters.label ?? []).every((v) => labelMatch(r, v)) &&
      (filters["label!"] ?? []).every((v) => !labelMatch(r, v)) &&
      any("status", (v) => r.state.status === v) &&
      any("health", (v) => (r.state.health?.status ?? "none") === v) &&
      any("exited", (v) => r.state.status === "exited" && !r.state.startedAt.startsWith("0001") && r.state.exitCode === Number(v)) &&
      any("ancestor", (v) => r.image === v || r.imageId === v || r.imageId.replace(/^sha256:/, "").startsWith(v.replace(/^sha256:/, "")) || r.imageId === ancestors.get(v)) &&
      (filters.before ?? []).every((v) => Date.parse(r.created) < refTime(v)) &&
      (filters.since ?? []).every((v) => Date.parse(r.created) > refTime(v)) &&
      any("volume", (v) => mountedThere(r, v)) &&
      any("network", (v) => onNetwork(r, v)) &&
      portMatch(r) &&
      (filters.until ?? []).every((v) => Date.parse(r.created) / 1000 < untilSeconds(v)),
  );
}
