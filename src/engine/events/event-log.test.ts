import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MetadataDb } from "../metadata/index.ts";
import { EventLog } from "./event-log.ts";
import { EventStore } from "./event-store.ts";

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "skiff-events-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

test("events are kept across a restart of the log (a new daemon on the same database), exact to the nanosecond", () => {
  const root = fresh();
  const db1 = new MetadataDb(root);
  const log1 = new EventLog(new EventStore(db1));
  const a = log1.emit("container", "create", "c1", { name: "x", image: "busybox" });
  const b = log1.emit("image", "tag", "sha256:1", { name: "me/app:1" });
  log1.flush();
  db1.close();
  const log2 = new EventLog(new EventStore(new MetadataDb(root)));
  const past = log2.past();
  expect(past.map((e) => [e.type, e.action, e.id, e.attributes.name, e.timeNano])).toEqual([
    ["container", "create", "c1", "x", a.timeNano],
    ["image", "tag", "sha256:1", "me/app:1", b.timeNano],
  ]);
  expect(a.timeNano > 1_600_000_000_000_000_000n).toBe(true);
  expect(log2.past(b.timeNano).map((e) => e.id)).toEqual(["sha256:1"]);
  expect(log2.past(0n, a.timeNano).map((e) => e.id)).toEqual(["c1"]);
});

test("times strictly increase and past() sees events not yet written", () => {
  const log = new EventLog(new EventStore(new MetadataDb(fresh())));
  const times = Array.from({ length: 50 }, (_, i) => log.emit("container", "start", `c${i}`).timeNano);
  for (let i = 1; i < times.length; i++) expect(times[i]! > times[i - 1]!).toBe(true);
  expect(log.past().length).toBe(50);
});

test("the store keeps the newest events only", () => {
  const db = new MetadataDb(fresh());
  const store = new EventStore(db, 100);
  const log = new EventLog(store);
  for (let i = 0; i < 1200; i++) log.emit("container", "start", `c${i}`);
  log.flush();
  expect(store.count()).toBeLessThanOrEqual(100 + 500);
  const past = log.past();
  expect(past.at(-1)!.id).toBe("c1199");
  expect(past[0]!.id).not.toBe("c0");
});

test("listeners get every event in order; one that throws does not stop the others", () => {
  const log = new EventLog();
  const seen: string[] = [];
  log.on(() => {
    throw new Error("mine");
  });
  const off = log.on((e) => seen.push(e.action));
  log.emit("volume", "create", "v1", { driver: "local" });
  off();
  log.emit("volume", "destroy", "v1", { driver: "local" });
  expect(seen).toEqual(["create"]);
  expect(log.past().map((e) => e.action)).toEqual(["create", "destroy"]);
});
