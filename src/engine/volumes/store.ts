// Volume records in the engine's metadata database (schema version 3): a row per volume holding
// its record as JSON, and volume_users, the containers that use one (the reference count, which
// goes with a container's row).
import type { MetadataDb } from "../metadata/index.ts";
import type { VolumeRecord } from "./record.ts";

export class VolumeStore {
  constructor(private readonly meta: MetadataDb) {}

  /** Adds the record unless the name is taken; returns the record stored under the name. */
  insertIfAbsent(v: VolumeRecord): { record: VolumeRecord; created: boolean } {
    return this.meta.tx("engine", `record volume ${v.name}`, () => {
      const had = this.get(v.name);
      if (had) return { record: had, created: false };
      this.meta.db.query("INSERT INTO volumes (name, driver, created, anonymous, record) VALUES (?, ?, ?, ?, ?)").run(v.name, v.driver, v.created, v.anonymous ? 1 : 0, JSON.stringify(v));
      return { record: v, created: true };
    });
  }

  get(name: string): VolumeRecord | undefined {
    const row = this.meta.db.query("SELECT record FROM volumes WHERE name = ?").get(name) as { record: string } | null;
    return row ? (JSON.parse(row.record) as VolumeRecord) : undefined;
  }

  all(): VolumeRecord[] {
    return (this.meta.db.query("SELECT record FROM volumes ORDER BY name").all() as { record: string }[]).map((r) => JSON.parse(r.record) as VolumeRecord);
  }

  /** Removes the record unless a container uses it; returns the users that kept it. */
  deleteUnused(name: string): string[] {
    return this.meta.tx("engine", `remove volume ${name}`, () => {
      const users = this.users(name);
      if (!users.length) this.meta.db.query("DELETE FROM volumes WHERE name = ?").run(name);
      return users;
    });
  }

  /** Ids of the containers that use the volume. */
  users(name: string): string[] {
    return (this.meta.db.query("SELECT container_id FROM volume_users WHERE volume = ? ORDER BY container_id").all(name) as { container_id: string }[]).map((r) => r.container_id);
  }

  /** Every volume in use, with the number of its users. */
  usage(): Map<string, number> {
    const rows = this.meta.db.query("SELECT volume, count(*) AS n FROM volume_users GROUP BY volume").all() as { volume: string; n: number }[];
    return new Map(rows.map((r) => [r.volume, r.n]));
  }

  /** The container (its row must exist) uses these volumes. */
  addUser(containerId: string, names: readonly string[]): void {
    this.meta.tx("engine", `record the volumes of container ${containerId}`, () => {
      for (const n of new Set(names)) this.meta.db.query("INSERT OR IGNORE INTO volume_users (volume, container_id) VALUES (?, ?)").run(n, containerId);
    });
  }

  /** The container no longer uses its volumes (its row's removal does this too). */
  dropUser(containerId: string): void {
    this.meta.tx("engine", `release the volumes of container ${containerId}`, () => void this.meta.db.query("DELETE FROM volume_users WHERE container_id = ?").run(containerId));
  }
}
