// Properties of the tar parser (tar-parser.ts, tar-reader.ts) for fast-check: a short seeded run
// in tar-parser.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - roundTrip: what tar-writer.ts writes, the parser reads back, entry for entry, however the
//   bytes are split into chunks and whether the end-of-archive trailer is there or not.
// - chunking: any input (valid, mutated or random) gives the same entries, data and error
//   whatever way it is split into chunks, through the push parser and through readTar.
// - hostile: mutated archives (bytes flipped, header fields set to odd octal or base-256 values
//   with a correct checksum, blocks cut, repeated or dropped) and random bytes end in entries or
//   an IMAGE_LAYER_* SkiffError whose message is printable and has a hint; never another error,
//   never a loop (the parser refuses to step without consuming a byte).
import fc from "fast-check";
import { isSkiffError } from "../errors.ts";
import { TarParser, type TarHeader } from "./tar-parser.ts";
import { readTar } from "./tar-reader.ts";
import { buildTar, type TarWriteEntry } from "./tar-writer.ts";

const BLOCK = 512;

// ---- arbitraries ----

const segment = fc.oneof(
  fc.constantFrom("a", "b", "dir", "file.txt", ".wh.x", "é", "日本", "x y", "."),
  fc.string({ minLength: 1, maxLength: 12, unit: "grapheme" }).filter((s) => !s.includes("/")),
  fc.integer({ min: 90, max: 160 }).map((n) => "n".repeat(n)),
);
/** Names the writer can represent: no NUL, no trailing "/" (a file so named reads as a directory). */
const name = fc
  .array(segment, { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join("/"))
  .filter((n) => !n.includes("\0") && !n.endsWith("/"));
const ascii = (max: number) => fc.string({ maxLength: max, unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789_-") });
const timespec = fc.record({ sec: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), nsec: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999_999 })) });
const id = fc.oneof(fc.integer({ min: 0, max: 0o7777777 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
const xattrs = fc
  .array(fc.tuple(fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !/[=\0]/.test(k)), fc.uint8Array({ maxLength: 40 })), { maxLength: 3 })
  .map((kv) => new Map(kv.map(([k, v]) => [k, Buffer.from(v)])));

/** One entry tar-writer.ts can write and the parser must read back exactly. */
export const tarWriteEntry: fc.Arbitrary<TarWriteEntry> = fc
  .record({
    name,
    type: fc.constantFrom("file", "file", "dir", "symlink", "hardlink", "char", "block", "fifo") as fc.Arbitrary<TarWriteEntry["type"]>,
    data: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 500, maxLength: 1600 })),
    mode: fc.integer({ min: 0, max: 0o7777 }),
    uid: id,
    gid: id,
    uname: ascii(32),
    gname: ascii(32),
    mtime: timespec,
    atime: fc.option(timespec, { nil: undefined }),
    linkname: fc.oneof(fc.constant(""), name, fc.constant("/etc/passwd"), fc.constant("../../x")),
    devmajor: fc.integer({ min: 0, max: 0o7777777 }),
    devminor: fc.integer({ min: 0, max: 0o7777777 }),
    xattrs,
  })
  .map((e) => (e.type === "file" ? e : { ...e, data: undefined }));

/** Split points for a buffer: chunk sizes from 1 byte to whole. */
const chunkSizes = fc.array(fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 1 << 16 })), { minLength: 1, maxLength: 8 });

export function chunk(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, k = 0; at < bytes.byteLength; k++) {
    const n = sizes[k % sizes.length]!;
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** The 512-byte blocks of `b` whose header checksum holds: where the headers are. */
export function headerBlocks(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = 0; at + BLOCK <= b.byteLength; at += BLOCK) {
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[at + i]!;
    const text = Buffer.from(b.subarray(at + 148, at + 156)).toString("latin1").replace(/[\0 ]+$/, "").trim();
    if (sum !== 8 * 0x20 && text !== "" && parseInt(text, 8) === sum) out.push(at);
  }
  return out;
}

/** Header fields a mutation may set: [offset, length]. */
const FIELDS: Record<string, [number, number]> = {
  name: [0, 100], mode: [100, 8], uid: [108, 8], gid: [116, 8], size: [124, 12], mtime: [136, 12], type: [156, 1],
  linkname: [157, 100], magic: [257, 8], devmajor: [329, 8], devminor: [337, 8], prefix: [345, 155],
};

type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "field"; header: number; field: string; value: Uint8Array }
  | { kind: "cut"; at: number }
  | { kind: "repeat"; block: number }
  | { kind: "drop"; block: number };

const fieldValue = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 40n }).map((v) => new TextEncoder().encode(v.toString(8))), // octal text
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((v) => base256(v)), // GNU base-256, negatives and overflows too
  fc.uint8Array({ minLength: 1, maxLength: 12 }), // garbage
  fc.constantFrom(..."0123456789xgLKSAV\0").map((c) => new TextEncoder().encode(c)), // type flags
  fc.constantFrom("../../etc/passwd", "/etc/passwd", "a\0b", "ustar\0", "ustar  \0", "././@LongLink").map((s) => new TextEncoder().encode(s)),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("field" as const), header: fc.nat(), field: fc.constantFrom(...Object.keys(FIELDS)), value: fieldValue }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("repeat" as const), block: fc.nat() }),
  fc.record({ kind: fc.constant("drop" as const), block: fc.nat() }),
);

/** v as a 12-byte GNU base-256 field (the high bit set; two's complement for negatives). */
function base256(v: bigint): Uint8Array {
  const b = new Uint8Array(12);
  let x = BigInt.asUintN(95, v);
  for (let i = 11; i >= 0; i--, x >>= 8n) b[i] = Number(x & 0xffn);
  b[0] = (b[0]! & 0x7f) | 0x80;
  return b;
}

function withChecksum(b: Uint8Array, at: number): void {
  b.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[at + i]!;
  b.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, "0")}\0 `), at + 148);
}

export function mutate(archive: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b: Uint8Array = Uint8Array.from(archive);
  for (const m of mutations) {
    if (b.byteLength === 0) break;
    const blocks = Math.ceil(b.byteLength / BLOCK);
    if (m.kind === "flip") b[m.at % b.byteLength]! ^= 1 << m.bit;
    else if (m.kind === "cut") b = b.subarray(0, m.at % b.byteLength);
    else if (m.kind === "repeat" || m.kind === "drop") {
      const at = (m.block % blocks) * BLOCK;
      const parts = [b.subarray(0, at), b.subarray(at, at + BLOCK), b.subarray(m.kind === "repeat" ? at : at + BLOCK)];
      b = Buffer.concat(m.kind === "repeat" ? parts : [parts[0]!, parts[2]!]);
    } else {
      const headers = headerBlocks(b);
      if (!headers.length) continue;
      const at = headers[m.header % headers.length]!;
      const [off, len] = FIELDS[m.field]!;
      b.fill(0, at + off, at + off + len);
      b.set(m.value.subarray(0, len), at + off);
      withChecksum(b, at);
    }
  }
  return b;
}

// ---- running the parser ----

type Event = { entry: Omit<TarHeader, "xattrs"> & { xattrs: [string, string][] }; data: string };
export interface Outcome {
  entries: Event[];
  error?: { code: string; message: string };
}

const plain = (h: TarHeader): Event["entry"] => ({ ...h, xattrs: [...h.xattrs].map(([k, v]) => [k, v.toString("hex")]) });

/** Fails the property for anything but a SkiffError of the layer input, with a printable message and a hint. */
function caught(e: unknown): { code: string; message: string } {
  if (!isSkiffError(e)) throw e;
  if (!/^IMAGE_LAYER_(INVALID|TRUNCATED)$/.test(e.code)) throw new Error(`unexpected code ${e.code}: ${e.message}`);
  if (!/^[\x20-\x7e\u00a0-\uffff]*$/.test(e.message) || /[\u0080-\u009f\ufffd]/.test(e.message)) throw new Error(`message not printable: ${JSON.stringify(e.message)}`);
  if (!e.hint) throw new Error(`no hint: ${e.message}`);
  return { code: e.code, message: e.message };
}

/** Pushes the chunks into a TarParser and records what comes out. */
export function parsePushed(chunks: readonly Uint8Array[]): Outcome {
  const out: Outcome = { entries: [] };
  let cur: { entry: Event["entry"]; data: Uint8Array[] } | undefined;
  const parser = new TarParser({
    entry: (h) => {
      if (cur) throw new Error("entry before the end of the previous one");
      cur = { entry: plain(h), data: [] };
    },
    data: (p) => {
      if (!cur) throw new Error("data outside an entry");
      if (p.byteLength === 0) throw new Error("empty data part");
      cur.data.push(Uint8Array.from(p));
    },
    end: () => {
      if (!cur) throw new Error("end outside an entry");
      out.entries.push({ entry: cur.entry, data: Buffer.concat(cur.data).toString("hex") });
      cur = undefined;
    },
  });
  try {
    for (const c of chunks) if (!parser.done) parser.push(c);
    parser.finish();
  } catch (e) {
    out.error = caught(e);
  }
  return out;
}

/** The same through readTar (the pull wrapper), reading every body. */
export async function parsePulled(chunks: readonly Uint8Array[]): Promise<Outcome> {
  const out: Outcome = { entries: [] };
  async function* source() {
    for (const c of chunks) yield c;
  }
  try {
    for await (const e of readTar(source())) {
      const parts: Uint8Array[] = [];
      for await (const p of e.body()) parts.push(Uint8Array.from(p));
      const { body: _, ...h } = e;
      out.entries.push({ entry: plain(h), data: Buffer.concat(parts).toString("hex") });
    }
  } catch (e) {
    out.error = caught(e);
  }
  return out;
}

/** What the parser should give back for an entry the writer wrote. */
function expected(e: TarWriteEntry): Event {
  const data = e.type === "file" && e.data ? Buffer.from(e.data) : Buffer.alloc(0);
  const special = e.type === "char" || e.type === "block";
  return {
    entry: {
      name: e.name, type: e.type, mode: e.mode ?? 0, uid: e.uid ?? 0, gid: e.gid ?? 0, uname: e.uname ?? "", gname: e.gname ?? "", size: data.byteLength,
      mtime: e.mtime ?? { sec: 0, nsec: 0 }, ...(e.atime ? { atime: e.atime } : {}), linkname: e.linkname ?? "",
      devmajor: special ? (e.devmajor ?? 0) : 0, devminor: special ? (e.devminor ?? 0) : 0,
      xattrs: [...(e.xattrs ?? [])].map(([k, v]) => [k, v.toString("hex")]),
    },
    data: data.toString("hex"),
  };
}

/** JSON with object keys sorted: equal values, equal text. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));

const same = (a: unknown, b: unknown, what: string) => {
  const x = canonical(a);
  const y = canonical(b);
  if (x !== y) throw new Error(`${what} differ:\n  ${x}\n  ${y}`);
};

// ---- the properties ----

export const roundTrip = () =>
  fc.property(fc.array(tarWriteEntry, { maxLength: 8 }), fc.boolean(), chunkSizes, (entries, trailer, sizes) => {
    const archive = buildTar(entries, { trailer });
    const got = parsePushed(chunk(archive, sizes));
    same(got, { entries: entries.map(expected) }, "read back and written entries");
  });

/** Valid, mutated or random bytes. */
const anyInput = fc.oneof(
  fc.array(tarWriteEntry, { maxLength: 5 }).map((e) => buildTar(e)),
  fc.tuple(fc.array(tarWriteEntry, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([e, t, m]) => mutate(buildTar(e, { trailer: t }), m)),
  fc.uint8Array({ maxLength: 3000 }),
);

export const chunking = () =>
  fc.asyncProperty(anyInput, chunkSizes, chunkSizes, async (bytes, a, b) => {
    const whole = parsePushed([bytes]);
    same(parsePushed(chunk(bytes, a)), whole, "outcomes of two chunkings");
    same(parsePushed(chunk(bytes, b)), whole, "outcomes of two chunkings");
    same(await parsePulled(chunk(bytes, a)), whole, "readTar's and the push parser's outcomes");
  });

export const hostile = () =>
  fc.property(fc.array(tarWriteEntry, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 6 }), chunkSizes, (entries, trailer, mutations, sizes) => {
    const out = parsePushed(chunk(mutate(buildTar(entries, { trailer }), mutations), sizes));
    for (const { entry } of out.entries) {
      if (!(entry.size >= 0 && entry.uid >= 0 && entry.gid >= 0 && entry.devmajor >= 0 && entry.devminor >= 0)) throw new Error(`negative number in an entry: ${JSON.stringify(entry)}`);
      if (!Number.isSafeInteger(entry.size)) throw new Error(`size ${entry.size} is not a safe integer`);
    }
  });

export const randomBytes = () => fc.property(fc.uint8Array({ maxLength: 4096 }), chunkSizes, (bytes, sizes) => void parsePushed(chunk(bytes, sizes)));

// (fast-check's property types are invariant in their values: `any` lets one table hold them all)
export const TAR_PROPERTIES: Record<"roundTrip" | "chunking" | "hostile" | "randomBytes", () => fc.IRawProperty<any>> = { roundTrip, chunking, hostile, randomBytes };
