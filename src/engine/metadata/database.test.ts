import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isSkiffError } from "../../common/errors.ts";
import { MetadataDb, MIGRATIONS } from "./database.ts";

const dir = `/tmp/skiff-test-${process.pid}/metadata-db`;
let n = 0;
const fresh = () => {
  const d = join(dir, String(n++));
  mkdirSync(d, { recursive: true });
  return d;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a new database is migrated to the newest version, every table made", () => {
  const m = new MetadataDb(fresh());
  expect(m.version).toBe(MIGRATIONS.at(-1)!.version);
  const tables = (m.db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  expect(tables).toEqual(expect.arrayContaining(["containers", "image_layers", "images", "repo_digests", "snapshots", "tags", "volume_users", "volumes"]));
  m.close();
});

test("commits go to the WAL without an fsync each (synchronous NORMAL), and one made survives the connection's end unclosed", () => {
  const d = fresh();
  const m = new MetadataDb(d);
  expect(m.db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
  expect(m.db.query("PRAGMA synchronous").get()).toEqual({ synchronous: 1 });
  m.db.exec("INSERT INTO containers (id, name, image_id, created, record) VALUES ('c1', 'n1', 'sha256:y', 'now', '{}')");
  // (not closed: a daemon killed -9 never closes it) another connection reads the commit
  const other = new MetadataDb(d);
  expect(other.db.query("SELECT name FROM containers WHERE id = 'c1'").get()).toEqual({ name: "n1" });
  other.close();
  m.close();
});

test("a database of skiff 0.1 (image tables at version 0) keeps its rows and gains the new tables", () => {
  const d = fresh();
  const old = new Database(join(d, "metadata.db"), { create: true });
  old.exec(MIGRATIONS[0]!.sql);
  old.exec("INSERT INTO tags (name, image_id) VALUES ('a:1', 'sha256:x')");
  old.close();
  const m = new MetadataDb(d);
  expect(m.version).toBe(MIGRATIONS.at(-1)!.version);
  expect(m.db.query("SELECT name FROM tags").all()).toEqual([{ name: "a:1" }]);
  m.close();
});

test("a migration that fails leaves the database at the version before it, and says which one", () => {
  const d = fresh();
  const newest = MIGRATIONS.at(-1)!.version;
  const broken = [...MIGRATIONS, { version: newest + 1, what: "a broken table", sql: "CREATE TABLE x (a); CREATE TABLE x (a);" }];
  let err: unknown;
  try {
    void new MetadataDb(d, broken).db;
  } catch (e) {
    err = e;
  }
  expect(isSkiffError(err) && err.message).toContain(`migrate the metadata database to version ${newest + 1} (a broken table)`);
  expect(new MetadataDb(d).version).toBe(newest);
});

test("a database from a newer skiff is refused, not changed", () => {
  const d = fresh();
  const db = new Database(join(d, "metadata.db"), { create: true });
  db.exec("PRAGMA user_version = 99");
  db.close();
  let err: unknown;
  try {
    void new MetadataDb(d).db;
  } catch (e) {
    err = e;
  }
  expect(isSkiffError(err) && [err.code, err.message]).toEqual(["ENGINE_METADATA_TOO_NEW", `open the metadata database ${join(d, "metadata.db")}: it is at schema version 99, newer than this skiff's ${MIGRATIONS.at(-1)!.version}`]);
  const again = new Database(join(d, "metadata.db"));
  expect(again.query("PRAGMA user_version").get()).toEqual({ user_version: 99 });
  expect(again.query("SELECT count(*) AS n FROM sqlite_master").get()).toEqual({ n: 0 });
  again.close();
});
