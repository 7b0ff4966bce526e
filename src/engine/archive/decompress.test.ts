// The input of load and import decompressed by its first bytes: gzip and zstd in process, bzip2
// and xz through their programs, as docker does.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { failure } from "../../common/failure.ts";
import fc from "fast-check";
import { decompressed, findProgram, sniffCompression } from "./decompress.ts";
import { anyInput, roundTrip } from "./decompress.fuzz.ts";

const FOR = { action: "load images", code: "ENGINE_LOAD_INVALID", hint: "give a tar" };
const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31 + (i >> 9)) % 251));
const compress = (program: string, b: Uint8Array) => {
  const r = spawnSync(program, ["-c"], { input: b, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${program} failed`);
  return r.stdout;
};
async function* chunks(b: Uint8Array, size: number) {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}
const all = async (it: AsyncIterable<Uint8Array>) => {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
};
const haveXz = findProgram("xz") !== undefined;
const haveBzip2 = findProgram("bzip2") !== undefined;

describe("decompressed", () => {
  test("the first bytes say the compression", () => {
    expect(sniffCompression(gzipSync("x"))).toBe("gzip");
    expect(sniffCompression(zstdCompressSync("x"))).toBe("zstd");
    expect(sniffCompression(Buffer.from("BZh91AY&SY"))).toBe("bzip2");
    expect(sniffCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 4]))).toBe("xz");
    expect(sniffCompression(Buffer.from("ustar"))).toBe("none");
  });

  test.skipIf(!haveXz || !haveBzip2)("gzip, zstd, bzip2 and xz come out whole, whatever the chunks (a magic split across chunks included)", async () => {
    for (const packed of [data, gzipSync(data), zstdCompressSync(data), compress("bzip2", data), compress("xz", data)]) {
      expect((await all(decompressed(chunks(packed, 1 << 16), FOR))).equals(data)).toBe(true);
      expect((await all(decompressed(chunks(packed, 1), FOR))).subarray(0, 100).equals(data.subarray(0, 100))).toBe(true);
    }
    expect((await all(decompressed(chunks(compress("xz", data), 3), FOR))).equals(data)).toBe(true);
  }, 30_000);

  test.skipIf(!haveXz || !haveBzip2)("a corrupt or truncated bzip2 or xz stream is the caller's code, with the program's reason as text", async () => {
    for (const program of ["xz", "bzip2"]) {
      const packed = compress(program, data);
      const corrupt = Buffer.from(packed);
      corrupt.fill(0x55, 40, 400);
      for (const bad of [corrupt, packed.subarray(0, packed.length >> 1)]) {
        const e = await failure(all(decompressed(chunks(bad, 4096), FOR)));
        expect(e.code).toBe("ENGINE_LOAD_INVALID");
        expect(e.message).toStartWith(`load images: decompress the input (${program === "xz" ? "xz" : "bzip2"}): `);
        expect(e.message).toMatch(/^[\x20-\x7e]+$/);
        expect(e.message).toMatch(/corrupt|Unexpected end of input|Data integrity error|ends unexpectedly/);
        expect(e.hint).toBe("give a tar");
      }
    }
  }, 30_000);

  test("a missing bzip2 or xz program is named, with its package", async () => {
    const e = await failure(all(decompressed(chunks(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]), 4096), FOR, { path: "/nonexistent" })));
    expect([e.code, e.layer]).toEqual(["ENGINE_DECOMPRESSOR_MISSING", "engine"]);
    expect(e.message).toBe("load images: the input is xz-compressed, and the xz program that decompresses it is not installed");
    expect(e.hint).toContain("apt-get install xz-utils");
    const b = await failure(all(decompressed(chunks(Buffer.from("BZh91AY&SYxxxx"), 4096), FOR, { path: "/nonexistent" })));
    expect(b.hint).toContain("apt-get install bzip2");
  });

  test.skipIf(!haveXz)("the input's own failure is reported as it is; a reader that stops early stops the program", async () => {
    const packed = compress("xz", data);
    async function* broken() {
      yield packed.subarray(0, 1000);
      throw new Error("the client went away");
    }
    expect((await failure(all(decompressed(broken(), FOR)))).message).toBe("the client went away");
    let pulled = 0;
    async function* counted() {
      for await (const c of chunks(Buffer.concat([packed, compress("xz", Buffer.alloc(20 << 20))]), 4096)) {
        pulled++;
        yield c;
      }
    }
    for await (const _ of decompressed(counted(), FOR)) break;
    const after = pulled;
    await Bun.sleep(100);
    expect(pulled).toBeLessThanOrEqual(after + 1);
  }, 30_000);

  test("an empty input is empty", async () => {
    expect((await all(decompressed(chunks(Buffer.alloc(0), 10), FOR))).length).toBe(0);
  });
});

describe("decompression properties (decompress.fuzz.ts, seeded; scripts/fuzz.ts runs them long)", () => {
  test("roundTrip", () => fc.assert(roundTrip(), { seed: 8, numRuns: 80 }), 30_000);
  test("anyInput", () => fc.assert(anyInput(), { seed: 8, numRuns: 120 }), 30_000);
});
