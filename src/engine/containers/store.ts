// Container records in the engine's metadata database: a row per container (id, its unique name,
// the image it uses) holding the record as JSON. Every change is one transaction.
import { conflict, notFound } from "./errors.ts";
import type { MetadataDb } from "../metadata/index.ts";
import type { ContainerRecord } from "./record.ts";

export class ContainerStore {
  constructor(private readonly meta: MetadataDb) {}

  /** Adds a record; a name in use is docker's 409. */
  insert(r: ContainerRecord): void {
    this.meta.tx("engine", `record container ${r.name}`, () => {
      const other = this.meta.db.query("SELECT id FROM containers WHERE name = ?").get(r.name) as { id: string } | null;
      if (other) throw conflict("ENGINE_NAME_IN_USE", `Conflict. The container name "/${r.name}" is already in use by container "${other.id}". You have to remove (or rename) that container to be able to reuse that name.`, `remove it (skiff rm ${r.name}) or choose another --name`);
      this.meta.db.query("INSERT INTO containers (id, name, image_id, created, record) VALUES (?, ?, ?, ?, ?)").run(r.id, r.name, r.imageId, r.created, JSON.stringify(r));
    });
  }

  /** Writes the record's new state (and name). */
  update(r: ContainerRecord): void {
    this.meta.tx("engine", `update container ${r.name}`, () => {
      this.meta.db.query("UPDATE containers SET name = ?, record = ? WHERE id = ?").run(r.name, JSON.stringify(r), r.id);
    });
  }

  delete(id: string): void {
    this.meta.tx("engine", `remove container ${id}`, () => void this.meta.db.query("DELETE FROM containers WHERE id = ?").run(id));
  }

  get(id: string): ContainerRecord | undefined {
    const row = this.meta.db.query("SELECT record FROM containers WHERE id = ?").get(id) as { record: string } | null;
    return row ? (JSON.parse(row.record) as ContainerRecord) : undefined;
  }

  all(): ContainerRecord[] {
    return (this.meta.db.query("SELECT record FROM containers ORDER BY created DESC").all() as { record: string }[]).map((r) => JSON.parse(r.record) as ContainerRecord);
  }

  /** Ids of the containers using an image. */
  usingImage(imageId: string): string[] {
    return (this.meta.db.query("SELECT id FROM containers WHERE image_id = ?").all(imageId) as { id: string }[]).map((r) => r.id);
  }

  /**
   * docker's lookup: the full id, then the name (with or without "/"), then a unique id prefix.
   * No match is docker's 404, an ambiguous prefix its 400-ish "multiple IDs found".
   */
  resolve(ref: string): ContainerRecord {
    const name = ref.replace(/^\//, "");
    const byId = /^[0-9a-f]{64}$/.test(ref) ? this.get(ref) : undefined;
    if (byId) return byId;
    const byName = this.meta.db.query("SELECT record FROM containers WHERE name = ?").get(name) as { record: string } | null;
    if (byName) return JSON.parse(byName.record) as ContainerRecord;
    if (/^[0-9a-f]{1,63}$/.test(ref)) {
      const rows = this.meta.db.query("SELECT record FROM containers WHERE substr(id, 1, length($p)) = $p").all({ p: ref }) as { record: string }[];
      if (rows.length === 1) return JSON.parse(rows[0]!.record) as ContainerRecord;
      if (rows.length > 1) throw conflict("ENGINE_CONTAINER_AMBIGUOUS", `multiple IDs found with provided prefix: ${ref}`, "give more of the id, or the name");
    }
    throw notFound("ENGINE_CONTAINER_NOT_FOUND", `No such container: ${ref}`, "list containers with `skiff ps -a`", { container: ref });
  }
}
