// Events in the metadata database (schema version 4), for `events --since` across daemon
// restarts. Pruned by count: the newest KEEP events stay (docker keeps 256 in memory and none
// across a restart); the oldest go every PRUNE_EVERY appends, so the table holds at most
// KEEP + PRUNE_EVERY rows. timeNano is past 2^53: it is bound as a bigint and read as text.
import type { MetadataDb } from "../metadata/index.ts";
import type { EngineEvent } from "./engine-event.ts";

export const KEEP = 10_000;
const PRUNE_EVERY = 500;

interface Row {
  t: string;
  type: string;
  action: string;
  actor_id: string;
  attributes: string;
  scope: string;
}

export class EventStore {
  private appended = 0;

  constructor(
    private readonly meta: MetadataDb,
    private readonly keep = KEEP,
  ) {}

  append(events: readonly EngineEvent[]): void {
    this.meta.tx("engine", "record events", () => {
      const insert = this.meta.db.query("INSERT INTO events (time_nano, type, action, actor_id, attributes, scope) VALUES (?, ?, ?, ?, ?, ?)");
      for (const e of events) insert.run(e.timeNano, e.type, e.action, e.id, JSON.stringify(e.attributes), e.scope);
      this.appended += events.length;
      if (this.appended >= PRUNE_EVERY) {
        this.appended = 0;
        this.meta.db.query("DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?").run(this.keep);
      }
    });
  }

  /** Events from `sinceNano` to `untilNano` (both included), oldest first. */
  between(sinceNano: bigint, untilNano?: bigint): EngineEvent[] {
    const rows = this.meta.db
      .query("SELECT CAST(time_nano AS TEXT) AS t, type, action, actor_id, attributes, scope FROM events WHERE time_nano >= ? AND time_nano <= ? ORDER BY seq")
      .all(sinceNano, untilNano ?? 9_223_372_036_854_775_807n) as Row[];
    return rows.map((r) => ({ type: r.type, action: r.action, id: r.actor_id, attributes: JSON.parse(r.attributes) as Record<string, string>, scope: r.scope, timeNano: BigInt(r.t) }));
  }

  count(): number {
    return (this.meta.db.query("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n;
  }
}
