// Properties of docker's event filters (event-filters.ts) for fast-check: a short seeded run in
// event-filters.test.ts, a long one in scripts/fuzz.ts (engine.event-filters). Test code only.
//
// - a filter made of the event's own values (type, action, id, every attribute as a label) keeps it;
// - a new key never keeps more; a new value of type, container, event, image or volume never keeps
//   less, and a new label (they must all match) never keeps more;
// - no filter keeps everything; a type no event has keeps nothing.
import fc from "fast-check";
import type { EngineEvent } from "./engine-event.ts";
import { eventMatches, type EventFilters } from "./event-filters.ts";

const word = fc.stringMatching(/^[a-z0-9][a-z0-9._:-]{0,8}$/);
const event: fc.Arbitrary<EngineEvent> = fc.record({
  type: fc.constantFrom("container", "image", "volume", "network"),
  action: fc.constantFrom("create", "start", "die", "tag", "pull", "exec_start: ls", "health_status: healthy"),
  id: word,
  attributes: fc.dictionary(fc.constantFrom("name", "image", "driver", "com.x", "l"), word, { maxKeys: 4 }),
  scope: fc.constant("local"),
  timeNano: fc.constant(1n),
});
const keys = ["type", "container", "event", "image", "label", "volume", "network", "scope"] as const;
const filters = fc.dictionary(fc.constantFrom(...keys), fc.array(fc.oneof(word, fc.constantFrom("container", "start", "exec_start", "name", "com.x")), { minLength: 1, maxLength: 3 }), { maxKeys: 4 });

export const EVENT_FILTER_PROPERTIES = {
  ownValuesKeep: () =>
    fc.property(event, (e) => {
      const f: Record<string, string[]> = { type: [e.type], event: [e.action], image: [e.id] };
      if (e.type === "container") f.container = [e.id];
      if (Object.keys(e.attributes).length) f.label = Object.entries(e.attributes).map(([k, v]) => `${k}=${v}`);
      return eventMatches(f, e);
    }),
  monotone: () =>
    fc.property(event, filters, fc.constantFrom(...keys), word, (e, f: EventFilters, key, value) => {
      const withValue = { ...f, [key]: [...(f[key] ?? []), value] };
      if (!f[key] || key === "label") return !eventMatches(withValue, e) || eventMatches(f, e);
      return !eventMatches(f, e) || eventMatches(withValue, e);
    }),
  emptyAndUnknownType: () => fc.property(event, (e) => eventMatches({}, e) && !eventMatches({ type: ["plugin-x"] }, e)),
};
