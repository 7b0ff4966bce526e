import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { readTar, type TarEntry } from "./tar-reader.ts";
import { buildTar, tarEntry } from "./tar-writer.ts";
import { failure } from "../failure.ts";

const dir = `/tmp/skiff-test-${process.pid}/tar-reader`;
beforeAll(() => mkdirSync(dir, { recursive: true }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* chunked(b: Uint8Array, size = 4096) {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}
type Read = Omit<TarEntry, "body"> & { data: string };
async function list(b: Uint8Array, size?: number): Promise<Read[]> {
  const out: Read[] = [];
  for await (const e of readTar(chunked(b, size))) {
    const parts: Uint8Array[] = [];
    for await (const p of e.body()) parts.push(p);
    const { body: _, ...h } = e;
    out.push({ ...h, data: Buffer.concat(parts).toString() });
  }
  return out;
}

const longName = `${"d".repeat(120)}/${"f".repeat(120)}`;
const fixture = buildTar([
  { name: "dir/", type: "dir", mode: 0o1755, uid: 1, gid: 2, mtime: { sec: 1600000000, nsec: 0 } },
  { name: "dir/file", type: "file", data: "hello", mode: 0o4755, uname: "root", gname: "wheel" },
  { name: "dir/link", type: "symlink", linkname: "file" },
  { name: "dir/hard", type: "hardlink", linkname: "dir/file" },
  { name: "dev/null", type: "char", devmajor: 1, devminor: 3, mode: 0o666 },
  { name: "dev/loop0", type: "block", devmajor: 7, devminor: 0 },
  { name: "fifo", type: "fifo" },
  { name: longName, type: "file", data: "long", mtime: { sec: 1700000000, nsec: 123456789 }, uid: 5000000 },
  { name: "sym", type: "symlink", linkname: "t".repeat(300) },
  { name: "x", type: "file", xattrs: new Map([["security.capability", Buffer.from([1, 0, 0, 2, 0xff])], ["user.a", Buffer.from("b")]]) },
]);

describe("readTar", () => {
  test("reads every entry type, modes, owners and data", async () => {
    const e = await list(fixture);
    expect(e.map((x) => [x.name, x.type])).toEqual([
      ["dir/", "dir"], ["dir/file", "file"], ["dir/link", "symlink"], ["dir/hard", "hardlink"], ["dev/null", "char"],
      ["dev/loop0", "block"], ["fifo", "fifo"], [longName, "file"], ["sym", "symlink"], ["x", "file"],
    ]);
    expect([e[0]!.mode, e[0]!.uid, e[0]!.gid, e[0]!.mtime.sec]).toEqual([0o1755, 1, 2, 1600000000]);
    expect([e[1]!.mode, e[1]!.data, e[1]!.size, e[1]!.uname, e[1]!.gname]).toEqual([0o4755, "hello", 5, "root", "wheel"]);
    expect([e[2]!.linkname, e[3]!.linkname]).toEqual(["file", "dir/file"]);
    expect([e[4]!.devmajor, e[4]!.devminor, e[5]!.devmajor]).toEqual([1, 3, 7]);
  });

  test("applies PAX path, linkpath, uid, nanosecond mtime and binary xattrs", async () => {
    const e = await list(fixture);
    expect([e[7]!.data, e[7]!.uid, e[7]!.mtime]).toEqual(["long", 5000000, { sec: 1700000000, nsec: 123456789 }]);
    expect(e[8]!.linkname).toBe("t".repeat(300));
    expect([...e[9]!.xattrs.get("security.capability")!]).toEqual([1, 0, 0, 2, 0xff]);
    expect(e[9]!.xattrs.get("user.a")!.toString()).toBe("b");
  });

  test("gives the same entries whatever the chunk sizes", async () => {
    const whole = await list(fixture, 1 << 20);
    expect(await list(fixture, 1)).toEqual(whole);
    expect(await list(fixture, 511)).toEqual(whole);
  });

  test("skips the bodies of entries the caller does not read", async () => {
    const names: string[] = [];
    for await (const e of readTar(chunked(fixture, 100))) names.push(e.name);
    expect(names.length).toBe(10);
  });

  test("tolerates a missing end-of-archive trailer and a short final padding", async () => {
    const bare = buildTar([{ name: "a", type: "file", data: "1" }, { name: "b", type: "file", data: "22" }], { trailer: false });
    expect((await list(bare)).map((x) => x.data)).toEqual(["1", "22"]);
    expect((await list(bare.subarray(0, bare.length - 500))).map((x) => x.data)).toEqual(["1", "22"]);
  });

  test("stops at the first zero block and does not read what follows", async () => {
    const t = Buffer.concat([tarEntry({ name: "a", type: "file" }), new Uint8Array(512), Buffer.from("junk")]);
    expect((await list(t)).map((x) => x.name)).toEqual(["a"]);
  });

  test("an archive ending inside a body is truncated", async () => {
    const t = buildTar([{ name: "a", type: "file", data: "x".repeat(2000) }]);
    const e = await failure(list(t.subarray(0, 1000)));
    expect([e.code, e.message]).toEqual(["IMAGE_LAYER_TRUNCATED", 'read layer: the data ends at byte 1000, inside the content of "a"']);
    expect(e.hint).toContain("pull");
    const skipped = await failure((async () => {
      for await (const _ of readTar(chunked(t.subarray(0, 1000))));
    })());
    expect(skipped.code).toBe("IMAGE_LAYER_TRUNCATED");
  });

  test("an archive ending inside a header is truncated", async () => {
    expect((await failure(list(fixture.subarray(0, 300)))).code).toBe("IMAGE_LAYER_TRUNCATED");
  });

  test("a corrupt header fails its checksum", async () => {
    const t = Buffer.from(fixture);
    t[10] = t[10]! ^ 1;
    expect((await failure(list(t))).message).toBe("read layer: not a tar archive (bad header at byte 0)");
    expect((await failure(list(Buffer.from("x".repeat(1024))))).code).toBe("IMAGE_LAYER_INVALID");
  });
});

describe("readTar's errors say what is read, never print its bytes, and give a hint", () => {
  const ARCHIVE = { what: "archive", code: "IMAGE_ARCHIVE", hints: { invalid: "is this a docker save / OCI archive?", truncated: "cut short" } };
  const read = async (b: Uint8Array) => {
    for await (const e of readTar(chunked(b, 700), ARCHIVE)) for await (const _ of e.body());
  };
  const printable = /^[\x20-\x7e]*$/;
  /** A header block with its checksum set for its (edited) content. */
  const withChecksum = (block: Uint8Array) => {
    const b = Buffer.from(block.subarray(0, 512));
    b.fill(0x20, 148, 156);
    const sum = b.reduce((a, x) => a + x, 0);
    b.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    return b;
  };

  test("random bytes and a text file are not a tar archive (bad header at byte 0): the message holds none of their bytes", async () => {
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    random.write("d\xff:/\ft\x11", 100, "latin1"); // what the mode field held in the report
    const passwd = Buffer.from("root:x:0:0:root:/root:/bin/bash\n".repeat(40));
    for (const input of [random, passwd]) {
      const e = await failure(read(input));
      expect([e.code, e.message]).toEqual(["IMAGE_ARCHIVE_INVALID", "read archive: not a tar archive (bad header at byte 0)"]);
      expect(e.hint).toBe("is this a docker save / OCI archive?");
    }
  });

  test("a later corrupt header names its byte and what is wrong", async () => {
    const t = Buffer.from(buildTar([{ name: "a", type: "file", data: "1" }, { name: "b", type: "file", data: "2" }]));
    const second = Buffer.from(t.subarray(1024, 1536));
    second.write("9x\xfe", 100, "latin1");
    const badMode = Buffer.concat([t.subarray(0, 1024), withChecksum(second), t.subarray(1536)]);
    const e = await failure(read(badMode));
    expect([e.code, e.message]).toEqual(["IMAGE_ARCHIVE_INVALID", "read archive: corrupt tar header at byte 1024 (its mode field is not a number)"]);
    const flipped = Buffer.from(t);
    flipped[1030] = flipped[1030]! ^ 1;
    expect((await failure(read(flipped))).message).toBe("read archive: corrupt tar header at byte 1024 (checksum mismatch)");
  });

  test("names and type bytes from the input are shown only when printable", async () => {
    const h = Buffer.from(tarEntry({ name: "ok", type: "file" }));
    h.write("bad\x1b[31m\xff", 0, "latin1");
    h[156] = 0x01;
    const e = await failure(read(Buffer.concat([withChecksum(h), Buffer.alloc(1024)])));
    expect(e.message).toBe("read archive: entry (a name that is not printable text) at byte 0 has unsupported type byte 0x01");
    expect(e.message).toMatch(printable);
    const sparse = Buffer.from(tarEntry({ name: "s", type: "file" }));
    sparse[156] = "S".charCodeAt(0);
    expect((await failure(read(Buffer.concat([withChecksum(sparse), Buffer.alloc(1024)])))).message).toBe('read archive: entry "s" at byte 0 has unsupported type "S" (GNU sparse file)');
  });

  test("an input shorter than a header is not a tar (it said 'cut short'); one cut inside a header or an entry is truncated", async () => {
    const short = await failure(read(Buffer.from("hello")));
    expect([short.code, short.message]).toEqual(["IMAGE_ARCHIVE_INVALID", "read archive: not a tar archive (5 bytes in all, less than one tar header of 512)"]);
    const header = buildTar([{ name: "a", type: "file", data: "x" }]).subarray(0, 300);
    expect((await failure(read(header))).message).toBe("read archive: the data ends at byte 300, inside the header at byte 0 (an archive cut short)");
    const t = buildTar([{ name: "a", type: "file", data: "x".repeat(2000) }]);
    expect((await failure(read(t.subarray(0, 1000)))).message).toBe('read archive: the data ends at byte 1000, inside the content of "a"');
  });

  test("a layer's errors have hints too", async () => {
    const e = await failure(list(Buffer.from("x".repeat(1024))));
    expect([e.code, e.message]).toEqual(["IMAGE_LAYER_INVALID", "read layer: not a tar archive (bad header at byte 0)"]);
    expect(e.hint).toContain("pull");
    expect((await failure(list(fixture.subarray(0, 300)))).hint).toContain("incomplete");
  });
});

describe("readTar reads GNU tar's formats", () => {
  const tarOf = (format: string, ...extra: string[]) => {
    const src = join(dir, `src-${format}`);
    mkdirSync(join(src, "a".repeat(90), "b".repeat(90)), { recursive: true });
    writeFileSync(join(src, "a".repeat(90), "b".repeat(90), "c".repeat(60)), "deep");
    symlinkSync("t".repeat(150), join(src, "longlink"));
    const out = join(dir, `${format}.tar`);
    const r = spawnSync("tar", ["-C", src, `--format=${format}`, "--owner=u:3000000", "--group=g:7", "--mtime=@1234567890", ...extra, "-cf", out, "."]);
    if (r.status !== 0) throw new Error(r.stderr.toString());
    return readFileSync(out);
  };
  const deep = `./${"a".repeat(90)}/${"b".repeat(90)}/${"c".repeat(60)}`;

  test("gnu: long names and link targets ('L', 'K'), base-256 uid", async () => {
    const e = await list(tarOf("gnu"));
    const f = e.find((x) => x.name === deep)!;
    expect([f.data, f.uid, f.gid, f.mtime.sec]).toEqual(["deep", 3000000, 7, 1234567890]);
    expect(e.find((x) => x.name === "./longlink")!.linkname).toBe("t".repeat(150));
    expect(e.find((x) => x.name === `./${"a".repeat(90)}/`)!.type).toBe("dir");
  });

  test("pax: path, linkpath, uid and xattrs", async () => {
    const src = join(dir, "src-pax");
    mkdirSync(src, { recursive: true });
    const e = await list(tarOf("pax", "--xattrs", "--xattrs-include=*"));
    expect(e.find((x) => x.name === deep)!.uid).toBe(3000000);
    expect(e.find((x) => x.name === "./longlink")!.linkname).toBe("t".repeat(150));
  });
});

afterAll(() => {
  try {
    rmdirSync(`/tmp/skiff-test-${process.pid}`); // only when empty: other test files of this run may use it
  } catch {}
});
