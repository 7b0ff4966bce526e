// Seeded short runs of the tar parser's properties (tar-parser.fuzz.ts; the long run is
// scripts/fuzz.ts), and the cases they found, each kept as a test that failed before its fix.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { chunk, parsePushed, TAR_PROPERTIES } from "./tar-parser.fuzz.ts";
import { buildTar, tarEntry } from "./tar-writer.ts";
import { TarParser } from "./tar-parser.ts";

const RUNS: Record<keyof typeof TAR_PROPERTIES, number> = { roundTrip: 300, chunking: 300, hostile: 1000, randomBytes: 500 };

describe("tar parser properties (seeded)", () => {
  for (const [name, property] of Object.entries(TAR_PROPERTIES)) {
    test(name, async () => {
      await fc.assert(property(), { seed: 8, numRuns: RUNS[name as keyof typeof TAR_PROPERTIES] });
    }, 30_000);
  }
});

/** A header block of `entry` with `edit` applied and its checksum set again. */
function edited(entry: Parameters<typeof tarEntry>[0], edit: (b: Buffer) => void): Buffer {
  const b = Buffer.from(tarEntry(entry));
  edit(b);
  b.fill(0x20, 148, 156);
  const sum = b.subarray(0, 512).reduce((a, x) => a + x, 0);
  b.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return b;
}
/** A GNU base-256 number in a 12-byte size field. */
const size256 = (b: Buffer, v: bigint) => {
  for (let i = 135, x = BigInt.asUintN(95, v); i >= 124; i--, x >>= 8n) b[i] = Number(x & 0xffn);
  b[124] = b[124]! | 0x80;
};

describe("found by the fuzzers", () => {
  test("an extended header with a negative base-256 size is refused, not read backwards forever", () => {
    for (const v of [-1n, -512n, -(2n ** 40n)]) {
      const pax = edited({ name: "PaxHeaders/a", type: "file" }, (b) => {
        b[156] = "x".charCodeAt(0);
        size256(b, v);
      });
      const out = parsePushed(chunk(Buffer.concat([pax, tarEntry({ name: "b", type: "file", data: "x" }), Buffer.alloc(1024)]), [4096]));
      expect(out.error).toEqual({ code: "IMAGE_LAYER_INVALID", message: "read layer: corrupt tar header at byte 0 (its size field is negative)" });
    }
  });

  test("an entry with a negative size, uid, gid or device number is refused", () => {
    const cases: [string, (b: Buffer) => void][] = [
      ["size", (b) => size256(b, -5n)],
      ["uid", (b) => b.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], 108)],
      ["gid", (b) => b.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], 116)],
      ["devmajor", (b) => b.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], 329)],
    ];
    for (const [field, edit] of cases) {
      const h = edited({ name: "a", type: field === "devmajor" ? "char" : "file" }, edit);
      const out = parsePushed([Buffer.concat([tarEntry({ name: "ok", type: "file" }), h, Buffer.alloc(1024)])]);
      expect(out.entries.map((e) => e.entry.name)).toEqual(["ok"]);
      expect(out.error).toEqual({ code: "IMAGE_LAYER_INVALID", message: `read layer: corrupt tar header at byte 512 (its ${field} field is negative)` });
    }
  });

  test("a file whose ustar name ends in '/' but whose PAX path does not keeps its data (it was read as a directory, its data as headers)", () => {
    const name = `${"n".repeat(95)}/x y/${"n".repeat(103)}/a`; // the ustar field holds its first 100 bytes: "nnn…/x y/"
    const out = parsePushed([buildTar([{ name, type: "file", data: "content" }, { name: "next", type: "file" }])]);
    expect(out.entries.map((e) => [e.entry.name, e.entry.type, Buffer.from(e.data, "hex").toString()])).toEqual([[name, "file", "content"], ["next", "file", ""]]);
  });

  test("only a type '\\0' entry is a directory by its trailing slash, judged on its final name; a '0' entry so named is a file, as Go's archive/tar reads them", () => {
    /** An entry of type flag `flag`, named `name` in its header and `path` by a PAX header before it. */
    const entry = (flag: string, name: string, path?: string) => {
      const h = edited({ name, type: "file" }, (b) => (b[156] = flag.charCodeAt(0)));
      if (path === undefined) return h;
      const whole = Buffer.from(tarEntry({ name: "x".repeat(101), type: "file" })); // the writer's PAX header for a long name…
      const paxHeader = whole.subarray(0, 1024);
      const record = Buffer.from(`${9 + path.length} path=${path}\n`); // …with a path record of our own (short paths: a 2-digit length)
      const pax = edited({ name: "PaxHeaders/p", type: "file" }, (b) => {
        b.set(paxHeader.subarray(0, 512));
        b.write(record.byteLength.toString(8).padStart(11, "0"), 124, "latin1");
      });
      return Buffer.concat([pax, record, Buffer.alloc(512 - record.byteLength), h]);
    };
    const out = parsePushed([Buffer.concat([entry("\0", "old/"), entry("0", "file/"), entry("\0", "short", "long/"), entry("\0", "short/", "long"), Buffer.alloc(1024)])]);
    expect(out.error).toBeUndefined();
    expect(out.entries.map((e) => [e.entry.name, e.entry.type])).toEqual([["old/", "dir"], ["file/", "file"], ["long/", "dir"], ["long", "file"]]);
  });

  test("a negative time with nanoseconds is written as PAX reads it (-4.9999999 s, not -5.0000001)", () => {
    const out = parsePushed([buildTar([{ name: "t", type: "file", mtime: { sec: -5, nsec: 100 }, atime: { sec: -1, nsec: 999_999_999 } }])]);
    expect(out.entries[0]!.entry.mtime).toEqual({ sec: -5, nsec: 100 });
    expect(out.entries[0]!.entry.atime).toEqual({ sec: -1, nsec: 999_999_999 });
  });
});

test("a chunk the caller reuses once push returns: headers spanning pushes are kept (they were views into the reused chunk)", () => {
  const tar = buildTar([
    { name: `${"long/".repeat(40)}f`, type: "file", data: "abc", mode: 0o640 },
    { name: "g", type: "file", data: "x".repeat(700) },
  ]);
  const got: string[] = [];
  let body = "";
  const parser = new TarParser({ entry: (h) => got.push(`${h.name} ${h.size}`), data: (p) => void (body += Buffer.from(p).toString()), end: () => {} });
  const scratch = Buffer.alloc(97); // a Buffer: its slice() is a view too
  for (let at = 0; at < tar.byteLength; at += scratch.byteLength) {
    const piece = tar.subarray(at, at + scratch.byteLength);
    scratch.set(piece);
    parser.push(scratch.subarray(0, piece.byteLength));
    scratch.fill(0xff);
  }
  parser.finish();
  expect(got).toEqual([`${"long/".repeat(40)}f 3`, "g 700"]);
  expect(body).toBe(`abc${"x".repeat(700)}`);
});
