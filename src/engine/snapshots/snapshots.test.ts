import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mount, umount } from "../../common/sys.ts";
import { chainIds, Snapshots } from "./snapshots.ts";

const tmp = `/tmp/skiff-test-${process.pid}/snapshots-with-a-long-enough-parent-directory-name`;
beforeAll(() => mkdirSync(tmp, { recursive: true }));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("snapshots", () => {
  test("chain ids follow the OCI definition", () => {
    const d = ["sha256:" + "a".repeat(64), "sha256:" + "b".repeat(64)];
    const c = chainIds(d);
    expect(c[0]).toBe(d[0]!);
    expect(c[1]).toBe("sha256:" + new Bun.CryptoHasher("sha256").update(`${d[0]} ${d[1]}`).digest("hex"));
  });

  test("a one-layer read-only rootfs is a bind mount; with a container layer it is an overlay", () => {
    const s = new Snapshots(join(tmp, "one"));
    const { tmp: t } = s.prepare();
    const dir = s.commit(t);
    expect(s.overlayMount([dir]).type).toBe("bind");
    const m = s.overlayMount([dir], s.prepareActive("c1"));
    expect(m.data).toBe(`lowerdir=${s.fsPath(dir)},upperdir=${join(s.root, "active/c1/fs")},workdir=${join(s.root, "active/c1/work")}`);
    expect(m.cwd).toBeUndefined();
  });

  test("opening removes the tmp-* and save-* dirs of dead processes, not a live one's nor those in use", () => {
    const root = join(tmp, "stale");
    const dead = 99999999; // above any pid_max
    const dirs = [`save-${dead}-a`, `tmp-${dead}-b`, `save-${process.ppid}-c`, `save-${process.pid}-d`, "7", "active"];
    for (const d of dirs) mkdirSync(join(root, d, "fs"), { recursive: true });
    writeFileSync(join(root, `save-${dead}-a`, "layer"), "decompressed layer");
    const s = new Snapshots(root);
    // save-<our pid>-d was not made by this process: an earlier one with our pid (a restarted container) left it
    expect(readdirSync(root).sort()).toEqual(["7", "active", `save-${process.ppid}-c`]);
    const scratch = s.scratch("save");
    const building = s.prepare();
    expect(new Snapshots(root).sweepStale()).toEqual([]);
    s.sweep();
    expect(existsSync(scratch)).toBe(true);
    expect(existsSync(building.fs)).toBe(true);
    s.dropScratch(scratch);
    s.discard(building.tmp);
    expect(readdirSync(root).sort()).toEqual(["7", "active", `save-${process.ppid}-c`]);
  });

  test.skipIf(process.getuid?.() !== 0)("mounts a 120-layer image for real with relative lowerdirs and reads the bottom layer", () => {
    const s = new Snapshots(join(tmp, "deep"));
    const dirs: string[] = [];
    for (let i = 0; i < 120; i++) {
      const { tmp: t, fs } = s.prepare();
      writeFileSync(join(fs, `layer-${i}`), String(i));
      if (i === 0) writeFileSync(join(fs, "bottom.txt"), "from the bottom\n");
      dirs.push(s.commit(t));
    }
    const active = s.prepareActive("deep-container");
    const m = s.overlayMount([...dirs].reverse(), active);
    expect(m.cwd).toBe(s.root);
    expect(m.data.length).toBeLessThan(4096);
    const target = join(tmp, "merged");
    mkdirSync(target, { recursive: true });
    const cwd = process.cwd();
    process.chdir(m.cwd!);
    try {
      mount(m.source, target, m.type, 0, m.data);
    } finally {
      process.chdir(cwd);
    }
    try {
      expect(readFileSync(join(target, "bottom.txt"), "utf8")).toBe("from the bottom\n");
      expect(readFileSync(join(target, "layer-119"), "utf8")).toBe("119");
      writeFileSync(join(target, "new"), "x");
      expect(readFileSync(join(active.upper, "new"), "utf8")).toBe("x");
    } finally {
      umount(target);
    }
  });
});
