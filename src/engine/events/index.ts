// The engine's events: the log (emit, listen, past), its store in the metadata database, docker's
// filters, and the image service that reports its actions. Volumes and networks emit through
// EventLog.emit("volume", "create", name, { driver: "local" }) as docker names them.
export { EventLog } from "./event-log.ts";
export type { EngineEvent } from "./engine-event.ts";
export { EventStore } from "./event-store.ts";
export { eventMatches, EVENT_FILTER_KEYS, stripTag, type EventFilters } from "./event-filters.ts";
export { withImageEvents } from "./image-events.ts";
