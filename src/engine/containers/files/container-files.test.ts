import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildTar, readTar } from "../../archive/index.ts";
import { newRunState, type ContainerRecord } from "../record.ts";
import { ContainerFiles } from "./container-files.ts";
import * as sys from "../../../common/sys.ts";

// a stopped container over one lower layer, reached through the private overlay mounts
const dir = mkdtempSync("/tmp/skiff-container-files-");
const layer = { upper: join(dir, "upper"), work: join(dir, "work"), lowers: [join(dir, "lower")] };
for (const d of [layer.upper, layer.work, layer.lowers[0]!, join(dir, "exec")]) mkdirSync(d, { recursive: true });
mkdirSync(join(layer.lowers[0]!, "etc"));
writeFileSync(join(layer.lowers[0]!, "etc", "passwd"), "root:x:0:0::/root:/bin/sh\n");
const record = { id: "c".repeat(64), name: "c", imageId: "sha256:i", state: newRunState(), options: {}, imageConfig: { Env: [], ExposedPorts: [], Volumes: [], Labels: {} } } as unknown as ContainerRecord;
const files = new ContainerFiles({
  resolve: (ref) => {
    if (ref !== "c") throw new Error(`no container ${ref}`);
    return record;
  },
  containerLayer: () => layer,
  commitImage: async () => "sha256:new",
  pause: async () => {},
  emit: () => {},
  execRoot: join(dir, "exec"),
  volume: (name) => {
    volumeCalls.push(`mount ${name}`);
    return { path: join(dir, "volumes", name), release: () => volumeCalls.push(`release ${name}`) };
  },
});
const volumeCalls: string[] = [];
mkdirSync(join(dir, "etc-src"));
writeFileSync(join(dir, "etc-src", "conf"), "cfg\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mounted = () => readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(dir));

test("a copy into a stopped container lands in its upper dir; the container may not start meanwhile; nothing stays mounted", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const tar = buildTar([{ name: "new/", type: "dir" }, { name: "new/file", type: "file", data: "copied\n" }]);
  const body = (async function* () {
    yield tar.subarray(0, 512);
    await held;
    yield tar.subarray(512);
  })();
  const copying = files.extract("c", "/", body, { noOverwriteDirNonDir: true, copyUIDGID: false });
  await Bun.sleep(50);
  expect(files.isWriting(record.id)).toBe(true);
  expect(mounted().length).toBe(1);
  release();
  await copying;
  expect(files.isWriting(record.id)).toBe(false);
  expect(readFileSync(join(layer.upper, "new", "file"), "utf8")).toBe("copied\n");
  expect(mounted()).toEqual([]);
  expect(readdirSync(join(dir, "exec", "files"))).toEqual([]);
});

test("reading a stopped container sees the image's files and its own; the stat names the path; a missing path is docker's 404", async () => {
  const stat = await files.stat("c", "/etc/passwd");
  expect([stat.name, stat.size, stat.mode]).toEqual(["passwd", 26, 0o644]);
  const { tar } = await files.archive("c", "/new");
  const names: string[] = [];
  for await (const e of readTar(tar)) names.push(e.name);
  expect(names).toEqual(["new/", "new/file"]);
  await expect(files.stat("c", "/nope")).rejects.toThrow("Could not find the file /nope in container c");
  expect(mounted()).toEqual([]);
});

test("an archive returned unread still unmounts", async () => {
  const { tar } = await files.archive("c", "/etc");
  expect(mounted().length).toBe(1);
  await tar.return?.();
  expect(mounted()).toEqual([]);
  expect(existsSync(join(dir, "exec", "files"))).toBe(true);
});

test("a mount a killed daemon left under <execRoot>/files is unmounted and removed when the next one starts", () => {
  const stale = join(dir, "exec2", "files", "0123456789abcdef");
  mkdirSync(stale, { recursive: true });
  sys.mount("tmpfs", stale, "tmpfs", 0, "size=1m");
  expect(mounted().some((l) => l.includes(stale))).toBe(true);
  new ContainerFiles({ resolve: () => record, containerLayer: () => layer, commitImage: async () => "", pause: async () => {}, emit: () => {}, execRoot: join(dir, "exec2"), volume: () => ({ path: dir, release: () => {} }) });
  expect(mounted().some((l) => l.includes(stale))).toBe(false);
  expect(existsSync(stale)).toBe(false);
});

test("a stopped container's volume is reached at its content for a copy in, a stat and a copy out, and released after each", async () => {
  mkdirSync(join(dir, "volumes", "vol1"), { recursive: true });
  const before = record.options;
  record.options = { volumes: [{ name: "vol1", destination: "/data", readOnly: false, origin: "binds", mode: "z" }] } as ContainerRecord["options"];
  try {
    volumeCalls.length = 0;
    const tar = await new Response(Bun.spawn(["tar", "-C", join(dir, "etc-src"), "-cf", "-", "conf"], { stdout: "pipe" }).stdout).bytes();
    await files.extract("c", "/data", (async function* () { yield tar; })(), { noOverwriteDirNonDir: true, copyUIDGID: false });
    expect(readFileSync(join(dir, "volumes", "vol1", "conf"), "utf8")).toBe("cfg\n");
    expect(existsSync(join(layer.upper, "data", "conf"))).toBe(false);
    expect((await files.stat("c", "/data/conf")).size).toBe(4);
    const out = await files.archive("c", "/data/conf");
    for await (const _ of out.tar);
    expect(volumeCalls).toEqual(["mount vol1", "release vol1", "mount vol1", "release vol1", "mount vol1", "release vol1"]);
    expect(mounted()).toEqual([]);
  } finally {
    record.options = before;
  }
});
