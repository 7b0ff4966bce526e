import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { digestBytes } from "../../oci/image/digest.ts";
import { buildTar } from "../archive/index.ts";
import { unpackLayer } from "./unpack-layer.ts";
import { failure } from "../../common/failure.ts";

let target: string;
beforeEach(() => {
  target = `/tmp/skiff-test-${process.pid}/unpack-${Math.random().toString(36).slice(2)}`;
  mkdirSync(target, { recursive: true });
});
afterEach(() => rmSync(target, { recursive: true, force: true }));

const big = Buffer.alloc(300_000, "abcdefghij");
const tar = buildTar([
  { name: "etc/", type: "dir" },
  { name: "etc/hostname", type: "file", data: "skiff\n" },
  { name: "big", type: "file", data: big },
]);
const tarWithTail = Buffer.concat([tar, Buffer.alloc(10240 - (tar.length % 10240))]); // tar(1) pads to a 10 KiB record
const diffId = digestBytes(tarWithTail);
async function* chunks(b: Uint8Array, size = 16384) {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

describe("unpackLayer", () => {
  // docker-archive layers may be xz or bzip2 too (./setup installs both programs)
  const viaProgram = (cmd: string) => new Uint8Array(execFileSync(cmd, ["-c"], { input: tarWithTail, maxBuffer: 64 << 20 }));
  const blobs = { none: tarWithTail, gzip: gzipSync(tarWithTail), zstd: zstdCompressSync(tarWithTail), xz: viaProgram("xz"), bzip2: viaProgram("bzip2") };
  for (const [compression, blob] of Object.entries(blobs)) {
    test(`${compression}: unpacks, verifying digest and diffID in one pass`, async () => {
      const r = await unpackLayer({ source: chunks(blob), target, expected: { digest: digestBytes(blob), size: blob.length }, diffId });
      expect([r.compression, r.digest, r.size, r.diffId] as unknown[]).toEqual([compression, digestBytes(blob), blob.length, diffId]);
      expect(readFileSync(join(target, "etc/hostname"), "utf8")).toBe("skiff\n");
      expect(readFileSync(join(target, "big")).equals(big)).toBe(true);
    });
  }

  test("the media type's compression is used when given", async () => {
    const r = await unpackLayer({ source: chunks(blobs.gzip), target, compression: "gzip" });
    expect(r.diffId).toBe(diffId);
  });

  test("a concatenated multi-member gzip is read whole", async () => {
    const half = tarWithTail.length / 2;
    const blob = Buffer.concat([gzipSync(tarWithTail.subarray(0, half)), gzipSync(tarWithTail.subarray(half))]);
    expect((await unpackLayer({ source: chunks(blob), target, diffId })).diffId).toBe(diffId);
  });

  test("a tampered blob is a digest mismatch, not a gzip error", async () => {
    const blob = Buffer.from(blobs.gzip);
    blob[200] = blob[200]! ^ 0xff;
    const e = await failure(unpackLayer({ source: chunks(blob), target, expected: { digest: digestBytes(blobs.gzip), size: blob.length }, diffId }));
    expect(e.code).toBe("IMAGE_DIGEST_MISMATCH");
  });

  test("a tampered uncompressed blob is a digest mismatch", async () => {
    const blob = Buffer.from(blobs.none);
    blob[600] = 0x41;
    const e = await failure(unpackLayer({ source: chunks(blob), target, expected: { digest: digestBytes(blobs.none), size: blob.length } }));
    expect(e.code).toBe("IMAGE_DIGEST_MISMATCH");
  });

  test("a truncated blob is reported as truncated", async () => {
    const blob = blobs.gzip.subarray(0, blobs.gzip.length >> 1);
    const e = await failure(unpackLayer({ source: chunks(blob, 100), target, expected: { digest: digestBytes(blobs.gzip), size: blobs.gzip.length } }));
    expect(e.code).toBe("IMAGE_BLOB_TRUNCATED");
    const again = join(target, "again");
    mkdirSync(again);
    const unverified = await failure(unpackLayer({ source: chunks(blob, 100), target: again }));
    expect(unverified.code).toMatch(/IMAGE_LAYER_TRUNCATED|IMAGE_LAYER_INVALID/);
  });

  test("a blob longer than its descriptor stops at the limit", async () => {
    const blob = Buffer.concat([blobs.none, Buffer.alloc(100_000)]);
    const e = await failure(unpackLayer({ source: chunks(blob), target, expected: { digest: digestBytes(blobs.none), size: blobs.none.length } }));
    expect(e.code).toBe("IMAGE_SIZE_MISMATCH");
  });

  test("a layer that does not match its diffID is refused", async () => {
    const e = await failure(unpackLayer({ source: chunks(blobs.zstd), target, diffId: digestBytes("other") }));
    expect(e.code).toBe("IMAGE_DIFFID_MISMATCH");
  });

  test("a corrupt gzip with no digest to check is a layer error", async () => {
    const blob = Buffer.from(blobs.gzip);
    blob.fill(7, 100, 400);
    const e = await failure(unpackLayer({ source: chunks(blob), target }));
    expect(e.code).toBe("IMAGE_LAYER_INVALID");
    expect(e.message).toMatch(/^decompress layer \(gzip\)/);
  });

  test("a source failing mid-stream passes its error through", async () => {
    async function* broken() {
      yield blobs.gzip.subarray(0, 5000);
      throw new Error("connection reset");
    }
    expect((await failure(unpackLayer({ source: broken(), target }))).message).toBe("connection reset");
  });

  test("an unsafe entry fails the unpack", async () => {
    const bad = gzipSync(buildTar([{ name: "../x", type: "file" }]));
    expect((await failure(unpackLayer({ source: chunks(bad), target, expected: { digest: digestBytes(bad), size: bad.length } }))).code).toBe("IMAGE_LAYER_UNSAFE_PATH");
    expect(readdirSync(join(target, ".."))).not.toContain("x");
  });

  test("an empty layer (only the end marker) unpacks to nothing", async () => {
    const empty = gzipSync(new Uint8Array(1024));
    const r = await unpackLayer({ source: chunks(empty), target });
    expect([r.entries, readdirSync(target)]).toEqual([0, []]);
  });
});

afterAll(() => {
  try {
    rmdirSync(`/tmp/skiff-test-${process.pid}`); // only when empty: other test files of this run may use it
  } catch {}
});
