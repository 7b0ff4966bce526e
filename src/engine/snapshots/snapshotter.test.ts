import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { SnapshotRecord } from "./snapshot-records.ts";
import { OverlaySnapshotter } from "./snapshotter.ts";
import { Snapshots } from "./snapshots.ts";

const tmp = `/tmp/skiff-test-${process.pid}/snapshotter`;
beforeAll(() => mkdirSync(tmp, { recursive: true }));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Snapshots with `layers` committed layers, chain IDs "c0", "c1", … bottom first. */
function store(name: string, layers: number) {
  const snapshots = new Snapshots(join(tmp, name));
  const records = new Map<string, SnapshotRecord>();
  for (let i = 0; i < layers; i++) {
    const dir = snapshots.commit(snapshots.prepare().tmp);
    records.set(`c${i}`, { chainId: `c${i}`, dir, diffId: `d${i}`, size: 0 });
  }
  const fs = (chainId: string) => snapshots.fsPath(records.get(chainId)!.dir);
  return { snapshots, fs, snapshotter: new OverlaySnapshotter(snapshots, { snapshot: (c) => records.get(c) }) };
}

describe("OverlaySnapshotter", () => {
  test("prepare: the image's layers as lowerdirs, topmost first, under the container's own upper and work dirs", () => {
    const { snapshots, fs, snapshotter } = store("prepare", 3);
    const m = snapshotter.prepare("ctr1", ["c0", "c1", "c2"]);
    const active = join(snapshots.root, "active/ctr1");
    expect(m).toEqual({ type: "overlay", source: "overlay", data: `lowerdir=${fs("c2")}:${fs("c1")}:${fs("c0")},upperdir=${active}/fs,workdir=${active}/work`, readonly: false, upper: `${active}/fs` });
    expect(existsSync(join(active, "fs")) && existsSync(join(active, "work"))).toBe(true);
  });

  test("view: the layers read-only, with no container layer made", () => {
    const { snapshots, fs, snapshotter } = store("view", 2);
    expect(snapshotter.view(["c0", "c1"])).toEqual({ type: "overlay", source: "overlay", data: `lowerdir=${fs("c1")}:${fs("c0")}`, readonly: true });
    expect(snapshotter.view(["c0"])).toEqual({ type: "bind", source: fs("c0"), data: "", readonly: true });
    expect(existsSync(join(snapshots.root, "active"))).toBe(false);
  });

  test("remove takes the container's layer away and leaves the image's", () => {
    const { snapshots, fs, snapshotter } = store("remove", 1);
    snapshotter.prepare("ctr1", ["c0"]);
    snapshotter.prepare("ctr2", ["c0"]);
    snapshotter.remove("ctr1");
    snapshotter.remove("never-made");
    expect(existsSync(join(snapshots.root, "active/ctr1"))).toBe(false);
    expect(existsSync(join(snapshots.root, "active/ctr2/fs"))).toBe(true);
    expect(existsSync(fs("c0"))).toBe(true);
  });

  test("a layer that is not committed fails prepare before the container's layer is made", () => {
    const { snapshots, snapshotter } = store("missing", 1);
    expect(() => snapshotter.prepare("ctr1", ["c0", "c1"])).toThrow("snapshot c1 is not committed");
    expect(existsSync(join(snapshots.root, "active/ctr1"))).toBe(false);
  });

  test("a key that is not a plain name is refused", () => {
    const { snapshotter } = store("key", 1);
    expect(() => snapshotter.prepare("../escape", ["c0"])).toThrow(expect.objectContaining({ code: "IMAGE_SNAPSHOT_KEY_INVALID" }));
  });
});
