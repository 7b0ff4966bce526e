// The one metadata database of the engine: <dataRoot>/metadata.db (bun:sqlite, WAL), shared by
// images, containers, volumes and networks, opened on first use. Its schema has versions
// (PRAGMA user_version): each migration runs once, in a transaction with the version bump, so a
// database is always at one version whatever moment the daemon died at. A database written by a
// newer skiff is refused rather than changed.
//
// synchronous = NORMAL (in WAL mode): a commit is in the WAL before it returns, so a daemon killed
// at any moment (live restore's case) loses nothing, and the database is consistent after a crash
// of the machine too; only the fsync waits for the next checkpoint, so a power cut may take the
// last commits back (a container created just before it is gone, and restore() removes its
// files). Each commit's fsync cost a `run --rm` five fsyncs (create, start, exit, removing,
// delete), 0.5-2 ms each on an idle disk and tens of ms on a busy one.
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { SkiffError, type Layer } from "../../common/errors.ts";

export interface Migration {
  /** 1, 2, 3 … in order: the version the database has once this ran. */
  version: number;
  /** What it adds, for the error if it fails. */
  what: string;
  sql: string;
}

/** Every migration of every table, in order; a concern adds its own at the end, never edits one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    what: "images, their layers, tags, repo digests and snapshots",
    // (IF NOT EXISTS: databases of skiff 0.1 have these tables at user_version 0)
    sql: `
CREATE TABLE IF NOT EXISTS images (id TEXT PRIMARY KEY, manifest_digest TEXT NOT NULL, manifest_media_type TEXT NOT NULL,
  index_digest TEXT, platform TEXT NOT NULL, created TEXT NOT NULL, size INTEGER NOT NULL, blobs TEXT NOT NULL, last_tag_time TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS image_layers (image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE, idx INTEGER NOT NULL,
  chain_id TEXT NOT NULL, PRIMARY KEY (image_id, idx));
CREATE INDEX IF NOT EXISTS image_layers_chain ON image_layers(chain_id);
CREATE TABLE IF NOT EXISTS tags (name TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS repo_digests (name TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS snapshots (chain_id TEXT PRIMARY KEY, dir TEXT NOT NULL UNIQUE, diff_id TEXT NOT NULL, size INTEGER NOT NULL);`,
  },
  {
    version: 2,
    what: "containers",
    // the record is JSON (the engine's own shape, versioned with the code); what is looked up by is a column
    sql: `
CREATE TABLE containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, image_id TEXT NOT NULL, created TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX containers_image ON containers(image_id);`,
  },
  {
    version: 3,
    what: "volumes",
    // a volume's record is JSON (labels, options, mount state); volume_users is the reference count: one row per
    // container whose config names the volume, gone with the container's row, and a used volume's row cannot go
    sql: `
CREATE TABLE volumes (name TEXT PRIMARY KEY, driver TEXT NOT NULL, created TEXT NOT NULL, anonymous INTEGER NOT NULL, record TEXT NOT NULL);
CREATE TABLE volume_users (volume TEXT NOT NULL REFERENCES volumes(name), container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
  PRIMARY KEY (volume, container_id));
CREATE INDEX volume_users_container ON volume_users(container_id);`,
  },
  {
    version: 4,
    what: "events",
    // every event docker's /events reports (container, image, volume, network), kept for `events --since`
    // across daemon restarts; seq orders events of the same nanosecond; events/event-store.ts prunes old rows
    sql: `
CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, time_nano INTEGER NOT NULL, type TEXT NOT NULL, action TEXT NOT NULL,
  actor_id TEXT NOT NULL, attributes TEXT NOT NULL, scope TEXT NOT NULL);
CREATE INDEX events_time ON events(time_nano);`,
  },
  {
    version: 5,
    what: "networks",
    // a network's record is JSON; network_endpoints are the containers on it (configured: aliases, a fixed
    // address), in the order they were connected (eth0, eth1 …), gone with the container's row; a network
    // with endpoints cannot go
    sql: `
CREATE TABLE networks (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE network_endpoints (network_id TEXT NOT NULL REFERENCES networks(id), container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL, config TEXT NOT NULL, PRIMARY KEY (network_id, container_id));
CREATE INDEX network_endpoints_container ON network_endpoints(container_id);`,
  },
];

export class MetadataDb {
  private opened?: Database;
  readonly path: string;

  constructor(
    readonly dataRoot: string,
    private readonly migrations: readonly Migration[] = MIGRATIONS,
  ) {
    this.path = join(dataRoot, "metadata.db");
  }

  get db(): Database {
    if (this.opened) return this.opened;
    let db: Database | undefined;
    try {
      mkdirSync(this.dataRoot, { recursive: true });
      db = new Database(this.path, { create: true, strict: true });
      db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
      migrate(db, this.migrations, this.path);
      this.opened = db;
      return db;
    } catch (e) {
      db?.close();
      throw dbError("engine", "open the metadata database", this.path, e);
    }
  }

  /** The schema version the database is at (opening it migrates it). */
  get version(): number {
    return (this.db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  }

  close(): void {
    this.opened?.close();
    this.opened = undefined;
  }

  /** Runs `fn` in one transaction; SQLITE_FULL and friends become `layer`'s IO errors. */
  tx<T>(layer: Layer, action: string, fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (e) {
      throw dbError(layer, action, this.path, e);
    }
  }
}

function migrate(db: Database, migrations: readonly Migration[], path: string): void {
  const at = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  const newest = migrations.at(-1)?.version ?? 0;
  if (at > newest)
    throw new SkiffError({
      layer: "engine",
      code: "ENGINE_METADATA_TOO_NEW",
      kind: "failed_precondition",
      message: `open the metadata database ${path}: it is at schema version ${at}, newer than this skiff's ${newest}`,
      hint: "a newer skiffd wrote it: run that version, or start this one on another --data-root",
      details: { path },
    });
  for (const m of migrations) {
    if (m.version <= at) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.exec(`PRAGMA user_version = ${m.version}`);
      })();
    } catch (e) {
      throw dbError("engine", `migrate the metadata database to version ${m.version} (${m.what})`, path, e);
    }
  }
}

/** SQLite's failures as the layer's IO error: a full disk says so, with a hint. */
export function dbError(layer: Layer, action: string, path: string, e: unknown): unknown {
  if (e instanceof SkiffError || !(e instanceof Error)) return e;
  const code = (e as { code?: string }).code ?? "";
  if (!code.startsWith("SQLITE_")) return e;
  const full = code.startsWith("SQLITE_FULL") || /disk is full|database or disk is full/i.test(e.message);
  return new SkiffError({
    layer,
    code: layer === "image" ? "IMAGE_IO" : "ENGINE_IO",
    kind: full ? "unavailable" : "internal",
    message: `${action}: ${full ? "no space left on device" : e.message}`,
    hint: full ? "free space under the storage root, then retry" : undefined,
    cause: e,
    details: { path, errno: full ? "ENOSPC" : undefined, sqlite: code },
  });
}
