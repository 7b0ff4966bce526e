import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { lgetxattr, lsetxattr, mknod, S_IFCHR } from "../../common/sys.ts";
import { applyLayer } from "./apply-layer.ts";
import { readTar, buildTar, type TarWriteEntry } from "../archive/index.ts";
import { failure } from "../../common/failure.ts";
import fc from "fast-check";
import { APPLY_PROPERTIES } from "./apply-layer.fuzz.ts";

let base: string;
beforeEach(() => {
  base = `/tmp/skiff-test-${process.pid}/apply-${Math.random().toString(36).slice(2)}`;
  mkdirSync(base, { recursive: true });
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** Applies a layer into a fresh dir <base>/<name>; returns its path. */
async function layer(name: string, entries: TarWriteEntry[], lowers: string[] = []): Promise<string> {
  const dir = join(base, name);
  mkdirSync(dir);
  async function* src() {
    yield buildTar(entries);
  }
  await applyLayer(readTar(src()), { target: dir, lowers });
  return dir;
}
const opaque = (p: string) => lgetxattr(p, "trusted.overlay.opaque")?.toString();
const isWhiteout = (p: string) => lstatSync(p).isCharacterDevice() && lstatSync(p).rdev === 0;
const t = (sec: number, nsec = 0) => ({ sec, nsec });

describe("applyLayer writes every entry type with its metadata", () => {
  test("files, dirs, symlinks, hardlinks, devices and fifos", async () => {
    const d = await layer("l", [
      { name: "./", type: "dir", mode: 0o755, mtime: t(1000) },
      { name: "bin/", type: "dir", mode: 0o755, uid: 2, gid: 3, mtime: t(2000, 5) },
      { name: "bin/su", type: "file", data: "su!", mode: 0o4755, uid: 0, gid: 0, mtime: t(3000, 123456789) },
      { name: "bin/wall", type: "file", data: "w", mode: 0o2755, uid: 1000, gid: 5 },
      { name: "tmp/", type: "dir", mode: 0o1777 },
      { name: "bin/sh", type: "symlink", linkname: "/bin/busybox", uid: 7, gid: 8, mtime: t(4000) },
      { name: "bin/su2", type: "hardlink", linkname: "bin/su" },
      { name: "dev/null", type: "char", devmajor: 1, devminor: 3, mode: 0o666 },
      { name: "dev/sda", type: "block", devmajor: 8, devminor: 0, mode: 0o660, gid: 6 },
      { name: "run/fifo", type: "fifo", mode: 0o600 },
      { name: "cap", type: "file", data: "x", xattrs: new Map([["user.note", Buffer.from("hi")], ["security.capability", Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]]) },
      { name: "forged", type: "dir", xattrs: new Map([["trusted.overlay.opaque", Buffer.from("y")]]) },
    ]);
    const st = (p: string) => lstatSync(join(d, p), { bigint: true });
    expect(readFileSync(join(d, "bin/su"), "utf8")).toBe("su!");
    expect([Number(st("bin/su").mode & 0o7777n), st("bin/su").mtimeNs]).toEqual([0o4755, 3000123456789n]);
    expect([Number(st("bin/wall").mode & 0o7777n), st("bin/wall").uid, st("bin/wall").gid]).toEqual([0o2755, 1000n, 5n]);
    expect(Number(st("tmp").mode & 0o7777n)).toBe(0o1777);
    expect([st("bin").uid, st("bin").gid, st("bin").mtimeNs]).toEqual([2n, 3n, 2000000000005n]);
    expect(st("").mtimeNs).toBe(1000000000000n);
    expect([readlinkSync(join(d, "bin/sh")), st("bin/sh").uid, st("bin/sh").mtimeNs]).toEqual(["/bin/busybox", 7n, 4000000000000n]);
    expect(st("bin/su2").ino).toBe(st("bin/su").ino);
    expect(lstatSync(join(d, "dev/null")).isCharacterDevice() && lstatSync(join(d, "dev/null")).rdev).toBe(0x103);
    expect(lstatSync(join(d, "dev/sda")).isBlockDevice()).toBe(true);
    expect(Number(st("dev/sda").mode & 0o7777n)).toBe(0o660);
    expect(lstatSync(join(d, "run/fifo")).isFIFO()).toBe(true);
    expect(lgetxattr(join(d, "cap"), "user.note")?.toString()).toBe("hi");
    expect(lgetxattr(join(d, "cap"), "security.capability")?.byteLength).toBe(20);
    expect(opaque(join(d, "forged"))).toBeUndefined();
  });

  test("a layer replaces a directory by a file and back", async () => {
    const d = await layer("l", [
      { name: "a/", type: "dir" },
      { name: "a/old", type: "file", data: "1" },
      { name: "a", type: "file", data: "now a file" },
      { name: "b", type: "file", data: "x" },
      { name: "b/", type: "dir", mode: 0o700 },
      { name: "b/new", type: "file", data: "2" },
    ]);
    expect(readFileSync(join(d, "a"), "utf8")).toBe("now a file");
    expect(readdirSync(join(d, "b"))).toEqual(["new"]);
    expect(lstatSync(join(d, "b")).mode & 0o777).toBe(0o700);
  });
});

describe("applyLayer turns whiteouts into overlayfs markers", () => {
  test(".wh.NAME becomes a char device 0:0 and .wh..wh..opq an opaque xattr", async () => {
    const d = await layer("l", [
      { name: "etc/", type: "dir" },
      { name: "etc/.wh.passwd", type: "file" },
      { name: "var/", type: "dir" },
      { name: "var/.wh..wh..opq", type: "file" },
      { name: ".wh.root-level", type: "file" },
    ]);
    expect(isWhiteout(join(d, "etc/passwd"))).toBe(true);
    expect(isWhiteout(join(d, "root-level"))).toBe(true);
    expect(opaque(join(d, "var"))).toBe("y");
    expect(existsSync(join(d, "etc/.wh.passwd")) || existsSync(join(d, "var/.wh..wh..opq"))).toBe(false);
  });

  test("a directory created over a whiteout replaces it and is opaque", async () => {
    const d = await layer("l", [{ name: ".wh.data", type: "file" }, { name: "data/", type: "dir" }, { name: "data/f", type: "file" }]);
    expect(lstatSync(join(d, "data")).isDirectory()).toBe(true);
    expect(opaque(join(d, "data"))).toBe("y");
  });

  test("a whiteout does not remove what the same layer made", async () => {
    const d = await layer("l", [
      { name: "f", type: "file", data: "mine" },
      { name: ".wh.f", type: "file" },
      { name: "dir/", type: "dir" },
      { name: "dir/keep", type: "file" },
      { name: ".wh.dir", type: "file" },
    ]);
    expect(readFileSync(join(d, "f"), "utf8")).toBe("mine");
    expect(readdirSync(join(d, "dir"))).toEqual(["keep"]);
    expect(opaque(join(d, "dir"))).toBe("y");
  });

  test("a whiteout naming nothing is refused", async () => {
    expect((await failure(layer("l", [{ name: "a/.wh..", type: "file" }]))).code).toMatch(/IMAGE_LAYER_(INVALID|UNSAFE_PATH)/);
  });
});

describe("applyLayer with lower layers", () => {
  test("missing parents are created like the lower's directory", async () => {
    const lower = await layer("lower", [{ name: "srv/", type: "dir", mode: 0o750, uid: 33, gid: 34, mtime: t(5000), xattrs: new Map([["user.k", Buffer.from("v")]]) }]);
    const upper = await layer("upper", [{ name: "srv/www/index.html", type: "file", data: "hi" }], [lower]);
    const st = lstatSync(join(upper, "srv"));
    expect([st.mode & 0o7777, st.uid, st.gid, st.mtimeMs]).toEqual([0o750, 33, 34, 5000000]);
    expect(lgetxattr(join(upper, "srv"), "user.k")?.toString()).toBe("v");
    expect(lstatSync(join(upper, "srv/www")).mode & 0o7777).toBe(0o755);
  });

  test("a hardlink to a lower file copies it up and links to the copy", async () => {
    const lower = await layer("lower", [{ name: "usr/bin/perl", type: "file", data: "#!perl", mode: 0o4711, uid: 3 }]);
    const upper = await layer("upper", [{ name: "usr/bin/perl5", type: "hardlink", linkname: "usr/bin/perl" }], [lower]);
    const a = lstatSync(join(upper, "usr/bin/perl"));
    const b = lstatSync(join(upper, "usr/bin/perl5"));
    expect([a.ino === b.ino, a.ino === lstatSync(join(lower, "usr/bin/perl")).ino]).toEqual([true, false]);
    expect([readFileSync(join(upper, "usr/bin/perl5"), "utf8"), a.mode & 0o7777, a.uid]).toEqual(["#!perl", 0o4711, 3]);
  });

  test("a hardlink to a whited-out or opaque-hidden lower file is refused", async () => {
    const l1 = await layer("l1", [{ name: "a/f", type: "file" }, { name: "g", type: "file" }]);
    const l2 = await layer("l2", [{ name: "a/.wh..wh..opq", type: "file" }, { name: ".wh.g", type: "file" }], [l1]);
    expect((await failure(layer("u1", [{ name: "x", type: "hardlink", linkname: "a/f" }], [l2, l1]))).message).toMatch(/not in this layer or below it/);
    expect((await failure(layer("u2", [{ name: "x", type: "hardlink", linkname: "g" }], [l2, l1]))).message).toMatch(/not in this layer or below it/);
  });
});

describe("applyLayer writes first and merges with the lowers after", () => {
  /** Applies `entries` into <base>/<name> with lowers that only arrive once `ready` resolves. */
  async function layerBefore(name: string, entries: TarWriteEntry[], lowers: () => Promise<string[]>): Promise<string> {
    const dir = join(base, name);
    mkdirSync(dir);
    async function* src() {
      yield buildTar(entries);
    }
    await applyLayer(readTar(src()), { target: dir, lowers: lowers() });
    return dir;
  }

  test("a layer written before its lower exists ends as if written over it", async () => {
    let lower = "";
    const upper = await layerBefore("upper", [{ name: "srv/www/index.html", type: "file", data: "hi" }, { name: "srv/bin/sh2", type: "hardlink", linkname: "srv/bin/sh" }], async () => {
      lower = await layer("lower", [
        { name: "srv/", type: "dir", mode: 0o750, uid: 33, gid: 34, mtime: t(5000), xattrs: new Map([["user.k", Buffer.from("v")]]) },
        { name: "srv/bin/", type: "dir", mode: 0o711, mtime: t(6000) },
        { name: "srv/bin/sh", type: "file", data: "#!", mode: 0o4755, uid: 5, mtime: t(7000, 9) },
      ]);
      return [lower];
    });
    const st = (p: string) => lstatSync(join(upper, p), { bigint: true });
    expect([Number(st("srv").mode & 0o7777n), st("srv").uid, st("srv").gid, st("srv").mtimeNs]).toEqual([0o750, 33n, 34n, 5000000000000n]);
    expect(lgetxattr(join(upper, "srv"), "user.k")?.toString()).toBe("v");
    expect([Number(st("srv/bin").mode & 0o7777n), st("srv/bin").mtimeNs]).toEqual([0o711, 6000000000000n]);
    expect([readFileSync(join(upper, "srv/bin/sh2"), "utf8"), Number(st("srv/bin/sh2").mode & 0o7777n), st("srv/bin/sh2").uid, st("srv/bin/sh2").mtimeNs]).toEqual(["#!", 0o4755, 5n, 7000000000009n]);
    expect(st("srv/bin/sh").ino).toBe(st("srv/bin/sh2").ino);
    expect(st("srv/bin/sh").ino).not.toBe(lstatSync(join(lower, "srv/bin/sh"), { bigint: true }).ino);
  });

  test("a link to a lower file keeps the lower content when the layer then replaces the target", async () => {
    const lower = await layer("lower", [{ name: "a", type: "file", data: "old" }]);
    const upper = await layer("upper", [{ name: "b", type: "hardlink", linkname: "a" }, { name: "c", type: "hardlink", linkname: "b" }, { name: "a", type: "file", data: "new" }], [lower]);
    expect(["a", "b", "c"].map((n) => readFileSync(join(upper, n), "utf8"))).toEqual(["new", "old", "old"]);
    expect(lstatSync(join(upper, "b")).ino).toBe(lstatSync(join(upper, "c")).ino);
    expect(lstatSync(join(upper, "a")).ino).not.toBe(lstatSync(join(upper, "b")).ino);
  });

  test("a link to a lower symlink is a symlink", async () => {
    const lower = await layer("lower", [{ name: "sl", type: "symlink", linkname: "/etc/passwd", uid: 4 }]);
    const upper = await layer("upper", [{ name: "sl2", type: "hardlink", linkname: "sl" }], [lower]);
    expect([readlinkSync(join(upper, "sl2")), readlinkSync(join(upper, "sl")), lstatSync(join(upper, "sl2")).uid]).toEqual(["/etc/passwd", "/etc/passwd", 4]);
    expect(lstatSync(join(upper, "sl")).ino).toBe(lstatSync(join(upper, "sl2")).ino);
  });

  test("the lower file's other names join the group, unless the layer hides them", async () => {
    const lower = await layer("lower", [
      { name: "a", type: "file", data: "x" },
      { name: "b", type: "hardlink", linkname: "a" },
      { name: "d/e", type: "hardlink", linkname: "a" },
      { name: "g/h", type: "hardlink", linkname: "a" },
    ]);
    const upper = await layer("upper", [{ name: "c", type: "hardlink", linkname: "a" }, { name: "g/.wh..wh..opq", type: "file" }], [lower]);
    const ino = lstatSync(join(upper, "a")).ino;
    expect(["b", "c", "d/e"].map((n) => lstatSync(join(upper, n)).ino === ino)).toEqual([true, true, true]);
    expect(existsSync(join(upper, "g/h"))).toBe(false);
  });

  test("a lower symlink under an implied directory is refused at merge", async () => {
    const e = await failure(layerBefore("upper", [{ name: "lib/x", type: "file" }], async () => [await layer("lower", [{ name: "lib", type: "symlink", linkname: "/" }])]));
    expect([e.code, e.message]).toEqual(["IMAGE_LAYER_UNSAFE_PATH", expect.stringMatching(/goes through symlink "lib" of a lower layer/)]);
  });

  test("a hardlink whose target is in no lower is refused at merge, and a failed parent fails the layer", async () => {
    expect((await failure(layerBefore("u1", [{ name: "h", type: "hardlink", linkname: "nope" }], async () => [await layer("lower", [{ name: "f", type: "file" }])]))).message).toMatch(/not in this layer or below it/);
    const parentFailed = new Error("parent failed");
    expect((await failure(layerBefore("u2", [{ name: "f", type: "file" }], async () => Promise.reject(parentFailed)))).message).toBe("parent failed");
  });
});

describe("applyLayer refuses entries that would write outside the layer", () => {
  const cases: [string, TarWriteEntry[], RegExp][] = [
    ["a name with ..", [{ name: "../escape", type: "file", data: "x" }], /contains "\.\."/],
    ["a name with .. in the middle", [{ name: "a/../../escape", type: "file" }], /contains "\.\."/],
    ["an absolute name", [{ name: "/etc/escape", type: "file" }], /is an absolute path/],
    ["a file through a symlink of this layer", [{ name: "link", type: "symlink", linkname: "OUTSIDE" }, { name: "link/escape", type: "file", data: "x" }], /goes through symlink "link"/],
    ["a dir through a symlink", [{ name: "link", type: "symlink", linkname: "/" }, { name: "link/tmp/", type: "dir" }], /goes through symlink/],
    ["a hardlink to ..", [{ name: "h", type: "hardlink", linkname: "../OUTSIDE/secret" }], /contains "\.\."/],
    ["a hardlink to an absolute path", [{ name: "h", type: "hardlink", linkname: "/etc/shadow" }], /is an absolute path/],
    ["a hardlink through a symlink", [{ name: "l", type: "symlink", linkname: "OUTSIDE" }, { name: "h", type: "hardlink", linkname: "l/secret" }], /goes through symlink/],
  ];
  for (const [name, entries, why] of cases) {
    test(name, async () => {
      const outside = join(base, "OUTSIDE");
      mkdirSync(outside);
      writeFileSync(join(outside, "secret"), "s");
      const resolved = entries.map((e) => (e.linkname === "OUTSIDE" ? { ...e, linkname: outside } : e));
      const e = await failure(layer("l", resolved));
      expect(e.code).toBe("IMAGE_LAYER_UNSAFE_PATH");
      expect(e.message).toMatch(why);
      expect(readdirSync(outside)).toEqual(["secret"]);
      expect(readdirSync(base).sort()).toEqual(["OUTSIDE", "l"]);
    });
  }

  test("a path through a symlink of a lower layer is refused", async () => {
    const lower = await layer("lower", [{ name: "lib", type: "symlink", linkname: "/" }]);
    const e = await failure(layer("upper", [{ name: "lib/x", type: "file" }], [lower]));
    expect(e.message).toMatch(/goes through symlink "lib" of a lower layer/);
  });

  test("a hardlink to something that does not exist is refused", async () => {
    expect((await failure(layer("l", [{ name: "h", type: "hardlink", linkname: "nope" }]))).code).toBe("IMAGE_LAYER_INVALID");
  });

  test("a symlink's target is data, never followed, whatever it says", async () => {
    const d = await layer("l", [{ name: "l", type: "symlink", linkname: "../../../etc/passwd" }, { name: "l", type: "file", data: "replaced" }]);
    expect(readFileSync(join(d, "l"), "utf8")).toBe("replaced");
  });

  test("a target that is not empty is refused before anything is written", async () => {
    const d = join(base, "pre");
    mkdirSync(d);
    writeFileSync(join(d, "w"), "old");
    async function* src() {
      yield buildTar([{ name: "x", type: "file", data: "f" }]);
    }
    expect((await failure(applyLayer(readTar(src()), { target: d }))).message).toMatch(/is not empty/);
    expect(readdirSync(d)).toEqual(["w"]);
  });
});

describe("hostile layers (apply-layer.fuzz.ts: a seeded run, and the cases it found)", () => {
  test("containment: nothing outside the snapshot dirs changes, whatever one or two layers say", async () => {
    await fc.assert(APPLY_PROPERTIES(base).containment(), { seed: 8, numRuns: 250 });
  }, 30_000);

  test("a hardlink whose target lies under its own name is refused as such (it failed with EEXIST)", async () => {
    const e = await failure(layer("l", [{ name: "b", type: "hardlink", linkname: "b/c" }]));
    expect([e.code, e.message]).toEqual(["IMAGE_LAYER_INVALID", 'unpack layer: hardlink "b" points to "b/c", which is under itself']);
  });

  test("names no Linux file system holds are refused as such, quoted short (ENAMETOOLONG was an I/O error with a disk hint, quoting 5,000 bytes)", async () => {
    const long = await failure(layer("l", [{ name: `d/${"a".repeat(5000)}`, type: "file" }]));
    expect([long.code, long.message]).toEqual(["IMAGE_LAYER_INVALID", `unpack layer: entry ${JSON.stringify(`d/${"a".repeat(198)}…`)} has a component of 5000 bytes, more than the 255 a file name may have`]);
    expect(long.hint).toContain("no Linux file system can hold");
    const deep = await failure(layer("l2", [{ name: Array.from({ length: 20 }, () => "b".repeat(250)).join("/"), type: "file" }]));
    expect([deep.code, deep.message]).toEqual(["IMAGE_LAYER_INVALID", `unpack layer: entry ${JSON.stringify(`${Array.from({ length: 20 }, () => "b".repeat(250)).join("/").slice(0, 200)}…`)} is 5019 bytes long, too long a path for Linux (4096 bytes with the snapshot's own)`]);
    expect(readdirSync(join(base, "l2"))).toEqual([]);
  });

  test("a symlink with an empty target is refused as such (it failed with ENOENT)", async () => {
    const e = await failure(layer("l", [{ name: "s", type: "symlink", linkname: "" }]));
    expect([e.code, e.message]).toEqual(["IMAGE_LAYER_INVALID", 'unpack layer: symlink "s" has an empty target']);
  });
});

afterAll(() => {
  try {
    rmdirSync(`/tmp/skiff-test-${process.pid}`); // only when empty: other test files of this run may use it
  } catch {}
});
