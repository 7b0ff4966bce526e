import { afterAll, expect, test } from "bun:test";
import { existsSync, linkSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSkiffError } from "../../common/errors.ts";
import { MetadataDb } from "../metadata/index.ts";
import { VolumeService } from "./service.ts";

const dir = mkdtempSync(join(tmpdir(), "skiff-volumes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function fresh() {
  const root = join(dir, `r${n++}`);
  const meta = new MetadataDb(root);
  const events: string[] = [];
  const svc = new VolumeService({ dataRoot: root, metadata: meta, emit: (a, name) => events.push(`${a} ${name}`) });
  const container = (id: string) => meta.db.query("INSERT INTO containers (id, name, image_id, created, record) VALUES (?, ?, 'sha256:x', 'now', '{}')").run(id, `c-${id}`);
  return { root, meta, svc, events, container };
}
const failure = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (isSkiffError(e)) return [e.kind, e.message];
    throw e;
  }
  throw new Error("no failure");
};

test("create lays the volume out as dockerd does, and a second create of the name is the same volume", () => {
  const { root, svc, events } = fresh();
  const v = svc.create({ name: "data", labels: { a: "b" } });
  expect(v.mountpoint).toBe(join(root, "volumes/data/_data"));
  expect(statSync(join(root, "volumes")).mode & 0o777).toBe(0o701);
  expect(statSync(v.mountpoint).isDirectory()).toBe(true);
  expect(svc.create({ name: "data" }).labels).toEqual({ a: "b" });
  expect(events).toEqual(["create data"]);
  const anon = svc.create({});
  expect(anon.name).toMatch(/^[0-9a-f]{64}$/);
  expect(anon.anonymous).toBe(true);
});

test("bad names, an unknown driver and bad options are refused in dockerd's words, nothing made", () => {
  const { root, svc } = fresh();
  expect(failure(() => svc.create({ name: "x" }))).toEqual(["invalid_argument", "create x: volume name is too short, names should be at least two alphanumeric characters"]);
  for (const bad of ["..", "a/b", "../etc", "/abs", ".hidden", "a b", "é"]) expect(failure(() => svc.create({ name: bad }))[1]).toContain("includes invalid characters for a local volume name");
  expect(failure(() => svc.create({ name: "ok", driver: "nfs" }))).toEqual(["not_found", 'create ok: error looking up volume plugin nfs: plugin "nfs" not found']);
  expect(failure(() => svc.create({ name: "ok", options: { bogus: "1" } }))).toEqual(["invalid_argument", 'create ok: invalid option: "bogus"']);
  expect(failure(() => svc.create({ name: "ok", options: { type: "tmpfs" } }))).toEqual(["invalid_argument", 'create ok: missing required option: "device"']);
  expect(failure(() => svc.create({ name: "ok", options: { size: "1m" } }))[1]).toBe("create ok: quota size requested but no quota support");
  expect(existsSync(join(root, "volumes")) ? readdirSync(join(root, "volumes")) : []).toEqual([]);
  expect(svc.list()).toEqual([]);
});

test("rm is refused while a container uses the volume, force or not; it goes with the container's row", () => {
  const { svc, meta, container } = fresh();
  const v = svc.create({ name: "used" });
  container("c1");
  svc.use("c1", ["used"]);
  for (const force of [false, true]) expect(failure(() => svc.remove("used", { force }))).toEqual(["conflict", "remove used: volume is in use - [c1]"]);
  expect(svc.list({ dangling: ["false"] }).map((x) => x.name)).toEqual(["used"]);
  expect(svc.list({ dangling: ["true"] })).toEqual([]);
  meta.db.query("DELETE FROM containers WHERE id = 'c1'").run();
  svc.remove("used");
  expect(existsSync(join(v.mountpoint, ".."))).toBe(false);
  expect(failure(() => svc.remove("used"))).toEqual(["not_found", "get used: no such volume"]);
  svc.remove("used", { force: true });
});

test("list filters: name, label, driver, dangling; an unknown filter is dockerd's 400", () => {
  const { svc } = fresh();
  svc.create({ name: "alpha", labels: { env: "prod" } });
  svc.create({ name: "beta", labels: { env: "dev", x: "" } });
  expect(svc.list({ name: ["alp"] }).map((v) => v.name)).toEqual(["alpha"]);
  expect(svc.list({ label: ["env=dev"] }).map((v) => v.name)).toEqual(["beta"]);
  expect(svc.list({ label: ["env"] }).map((v) => v.name)).toEqual(["alpha", "beta"]);
  expect(svc.list({ driver: ["local"], name: ["^b"] }).map((v) => v.name)).toEqual(["beta"]);
  expect(failure(() => svc.list({ bogus: ["1"] }))).toEqual(["invalid_argument", "Invalid filter 'bogus'"]);
  expect(failure(() => svc.list({ dangling: ["x"] }))).toEqual(["invalid_argument", "Invalid filter 'dangling=[x]'"]);
});

test("prune: every unused volume (API 1.41), only anonymous ones with all=false, labels honoured, used ones kept", () => {
  const { svc, container } = fresh();
  svc.create({ name: "named" });
  svc.create({ name: "keep", labels: { keep: "1" } });
  const anon = svc.create({}).name;
  svc.create({ name: "busy" });
  container("c1");
  svc.use("c1", ["busy"]);
  const named = svc.inspect("named").mountpoint;
  writeFileSync(join(named, "f"), "12345");
  linkSync(join(named, "f"), join(named, "f2"));
  symlinkSync("/etc", join(named, "etc"));
  expect(svc.prune({ all: ["false"] }).deleted).toEqual([anon]);
  // counted as system df counts the volume (dockerd's directory.Size): a hard link once, a symlink its own 4 bytes
  expect(svc.prune({ "label!": ["keep"] })).toEqual({ deleted: ["named"], reclaimed: 5 + 4 });
  expect(svc.list().map((v) => v.name)).toEqual(["busy", "keep"]);
  expect(failure(() => svc.prune({ dangling: ["true"] }))).toEqual(["invalid_argument", "Invalid filter 'dangling'"]);
});

test("restore removes volume directories no record names (a create cut short)", () => {
  const { svc } = fresh();
  svc.create({ name: "real" });
  svc.driver.create("orphan");
  svc.restore(new Map());
  expect(readdirSync(svc.driver.root)).toEqual(["real"]);
});
