// Container events as docker reports them (/events): type "container", an action, the container's
// id and its attributes (name, image, labels, exitCode …), emitted into the engine's event log
// (engine/events: the one stream of every type, kept for `events --since`).
import { EventLog, type EngineEvent } from "../events/index.ts";
import type { ContainerRecord } from "./record.ts";

export type ContainerEvent = EngineEvent;

export class ContainerEvents {
  constructor(readonly log: EventLog = new EventLog()) {}

  /** The container events kept, oldest first. */
  past(): EngineEvent[] {
    return this.log.past().filter((e) => e.type === "container");
  }

  on(listener: (e: EngineEvent) => void): () => void {
    return this.log.on((e) => e.type === "container" && listener(e));
  }

  emit(action: string, r: ContainerRecord, extra: Record<string, string> = {}): void {
    this.log.emit("container", action, r.id, { ...r.options.labels, image: r.image, name: r.name, ...extra });
  }
}
