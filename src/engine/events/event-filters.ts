// docker's event filters (daemon/events/filter.go's Include), as a pure predicate: every key given
// must match. Values of one key are alternatives: `type` and `scope` match exactly; `container`,
// `volume`, `network`, `daemon`, `plugin`, `node`, `service`, `secret` and `config` match the
// actor's id or its `name` attribute, exactly or as a prefix, on events of any type (so
// container=x leaves out image events, as docker does); `image` matches the actor's id or its image
// (image events: `name`), with or without the tag; `event` matches the action exactly, or by
// prefix for health_status, exec_create and exec_start ("exec_start: sh -c …"); every `label`
// (key or key=value) must be among the attributes.
import type { EngineEvent } from "./engine-event.ts";

export type EventFilters = Readonly<Record<string, readonly string[]>>;

export const EVENT_FILTER_KEYS = ["type", "container", "event", "image", "label", "daemon", "network", "volume", "plugin", "node", "service", "secret", "config", "scope"] as const;

const NAMED = ["container", "volume", "network", "daemon", "plugin", "node", "service", "secret", "config"];
const FUZZY_ACTIONS = ["health_status", "exec_create", "exec_start"];

const given = (f: EventFilters, key: string): readonly string[] | undefined => (f[key]?.length ? f[key] : undefined);

const exact = (f: EventFilters, key: string, source: string): boolean => given(f, key)?.includes(source) ?? true;

const fuzzy = (f: EventFilters, key: string, source: string): boolean => given(f, key)?.some((v) => source === v || source.startsWith(v)) ?? true;

/** A reference without its tag ("busybox:1" → "busybox", "host:5000/a:1" → "host:5000/a"); a digest stays. */
export function stripTag(ref: string): string {
  if (ref.includes("@")) return ref;
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  return colon > slash ? ref.slice(0, colon) : ref;
}

function matchImage(f: EventFilters, e: EngineEvent): boolean {
  const name = e.attributes[e.type === "image" ? "name" : "image"] ?? "";
  return [e.id, name, stripTag(e.id), stripTag(name)].some((s) => exact(f, "image", s));
}

function matchLabels(f: EventFilters, attributes: Record<string, string>): boolean {
  const labels = given(f, "label");
  if (!labels) return true;
  return labels.every((v) => {
    const eq = v.indexOf("=");
    const key = eq < 0 ? v : v.slice(0, eq);
    if (!Object.hasOwn(attributes, key)) return false;
    return eq < 0 || attributes[key] === v.slice(eq + 1);
  });
}

export function eventMatches(f: EventFilters, e: EngineEvent): boolean {
  const action = given(f, "event")?.some((v) => FUZZY_ACTIONS.includes(v)) ? fuzzy(f, "event", e.action) : exact(f, "event", e.action);
  return (
    action &&
    exact(f, "type", e.type) &&
    exact(f, "scope", e.scope) &&
    NAMED.every((k) => fuzzy(f, k, e.id) || fuzzy(f, k, e.attributes.name ?? "")) &&
    matchImage(f, e) &&
    matchLabels(f, e.attributes)
  );
}
