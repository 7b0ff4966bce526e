// Properties of the input decompression of load and import (decompress.ts) for fast-check: a
// short seeded run in decompress.test.ts, a long one in scripts/fuzz.ts. Test code only
// (bzip2 and xz run as programs: those runs are fewer).
//
// - roundTrip: what gzip, zstd, bzip2 or xz compressed comes back byte for byte, however the
//   compressed bytes are split into chunks; input with no magic number passes as it is.
// - anyInput: a magic number followed by anything (a cut or corrupt stream, trailing garbage)
//   gives bytes or the caller's SkiffError (its code and hint), never another error.
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { isSkiffError } from "../../common/errors.ts";
import { decompressed } from "./decompress.ts";

const FOR = { action: "load images", code: "ENGINE_LOAD_INVALID", hint: "give a tar" };

const program = (name: string) => (b: Uint8Array) => spawnSync(name, ["-c"], { input: b, maxBuffer: 1 << 26 }).stdout as Buffer;
const COMPRESS: Record<string, (b: Uint8Array) => Uint8Array> = { gzip: gzipSync, zstd: zstdCompressSync, bzip2: program("bzip2"), xz: program("xz") };
const MAGIC = [[0x1f, 0x8b], [0x28, 0xb5, 0x2f, 0xfd], [0x42, 0x5a, 0x68], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]];

async function* chunks(b: Uint8Array, sizes: number[]) {
  for (let at = 0, k = 0; at < b.byteLength; at += sizes[k++ % sizes.length]!) yield b.subarray(at, at + sizes[k % sizes.length]!);
}

async function all(b: Uint8Array, sizes: number[]): Promise<Buffer | undefined> {
  const parts: Uint8Array[] = [];
  try {
    for await (const c of decompressed(chunks(b, sizes), FOR)) parts.push(c);
  } catch (e) {
    if (!isSkiffError(e) || e.code !== FOR.code || e.hint !== FOR.hint) throw e;
    return undefined;
  }
  return Buffer.concat(parts);
}

const sizes = fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 4 });
const data = fc.oneof(fc.uint8Array({ maxLength: 4000 }), fc.integer({ min: 0, max: 200_000 }).map((n) => Buffer.alloc(n, "ab")));

export const roundTrip = (kinds = ["gzip", "zstd", "bzip2", "xz", "none"]) =>
  fc.asyncProperty(fc.constantFrom(...kinds), data, sizes, async (kind, bytes, split) => {
    // plain input that happens to start with a magic number is read as compressed, as docker reads it
    if (kind === "none" && MAGIC.some((m) => m.every((x, i) => bytes[i] === x))) return;
    const input = kind === "none" ? bytes : COMPRESS[kind]!(bytes);
    const out = await all(input, split);
    if (!out || Buffer.compare(out, Buffer.from(bytes)) !== 0) throw new Error(`${kind}: ${bytes.byteLength} bytes came back as ${out ? `${out.byteLength} other bytes` : "an error"}`);
  });

export const anyInput = () =>
  fc.asyncProperty(fc.constantFrom(...MAGIC), fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.tuple(fc.constantFrom("gzip", "zstd"), data, fc.nat()).map(([k, b, cut]) => COMPRESS[k]!(b).subarray(0, cut))), sizes, async (magic, rest, split) => {
    await all(Buffer.concat([Buffer.from(magic), rest]), split);
  });

export const DECOMPRESS_PROPERTIES: Record<"roundTrip" | "anyInput", () => fc.IRawProperty<any>> = { roundTrip: () => roundTrip(), anyInput };
