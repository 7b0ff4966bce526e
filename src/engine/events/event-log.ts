// The engine's events, every type docker's /events reports (container, image, volume, network):
// a type, an action, an actor (its id and attributes) and the time in nanoseconds. Listeners are
// called synchronously, in order of emission. With a store, events are kept across daemon
// restarts for `events --since`: they are written in one transaction per turn of the event loop
// (a `run --rm` emits five or six at once), and past() writes what is pending before it reads.
import type { EngineEvent } from "./engine-event.ts";
import type { EventStore } from "./event-store.ts";


/** Without a store: the events kept in memory (docker keeps 256). */
const KEPT_IN_MEMORY = 1024;

/** Now in nanoseconds, never the same twice: the wall clock's milliseconds (as docker's time.Now,
 * it follows the system's clock when that is set) and the monotonic clock's fraction of one. */
function clock(): () => bigint {
  let last = 0n;
  return () => {
    const now = BigInt(Date.now()) * 1_000_000n + BigInt(Math.floor((performance.now() % 1) * 1e6));
    last = now > last ? now : last + 1n;
    return last;
  };
}

export class EventLog {
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly recent: EngineEvent[] = [];
  private pending: EngineEvent[] = [];
  private flushing?: ReturnType<typeof setImmediate>;
  private readonly now = clock();

  constructor(private readonly store?: EventStore) {}

  on(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit(type: string, action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    const e: EngineEvent = { type, action, id, attributes, scope: "local", timeNano: this.now() };
    if (this.store) {
      this.pending.push(e);
      this.flushing ??= setImmediate(() => this.flush());
    } else {
      this.recent.push(e);
      if (this.recent.length > KEPT_IN_MEMORY) this.recent.shift();
    }
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {} // a listener's failure is its own
    }
    return e;
  }

  /** The events kept from `sinceNano` on (and up to `untilNano`), oldest first. */
  past(sinceNano = 0n, untilNano?: bigint): EngineEvent[] {
    if (!this.store) return this.recent.filter((e) => e.timeNano >= sinceNano && (untilNano === undefined || e.timeNano <= untilNano));
    this.flush();
    return this.store.between(sinceNano, untilNano);
  }

  /** Writes the pending events (the daemon calls it when it stops). A failed write is not the emitter's
   * failure: the events were delivered to listeners, and only `--since` misses them. */
  flush(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length || !this.store) return;
    try {
      this.store.append(batch);
    } catch {}
  }
}
