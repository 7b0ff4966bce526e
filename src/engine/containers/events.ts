// Container events as docker reports them (/events): a type, an action, the container and its
// attributes (name, image, labels, exitCode …). Listeners are called synchronously, in order.
import type { ContainerRecord } from "./record.ts";

export interface ContainerEvent {
  action: string;
  id: string;
  /** name, image and the container's labels, plus what the action adds (exitCode, signal …). */
  attributes: Record<string, string>;
  /** Nanoseconds since the epoch. */
  timeNano: bigint;
}

/** Events kept for `events --since` (docker keeps 256 in memory). */
const KEPT = 1024;

export class ContainerEvents {
  private readonly listeners = new Set<(e: ContainerEvent) => void>();
  private readonly recent: ContainerEvent[] = [];

  /** The events kept, oldest first. */
  past(): readonly ContainerEvent[] {
    return this.recent;
  }

  on(listener: (e: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit(action: string, r: ContainerRecord, extra: Record<string, string> = {}): void {
    const ms = Date.now();
    const e: ContainerEvent = { action, id: r.id, attributes: { ...r.options.labels, image: r.image, name: r.name, ...extra }, timeNano: BigInt(ms) * 1_000_000n };
    this.recent.push(e);
    if (this.recent.length > KEPT) this.recent.shift();
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {} // a listener's failure is its own
    }
  }
}
