// A streaming tar reader for image layers: ustar, GNU (long names 'L'/'K', base-256 numbers) and
// PAX ('x' records: path, linkpath, size, uid, gid, uname, gname, mtime, atime, SCHILY.xattr.*).
//
// Contracts:
// - Entries come one at a time; an entry's body must be read (or left) before asking for the next,
//   and is skipped if left unread.
// - The archive ends at the first all-zero block or where the stream ends on a header boundary:
//   umoci 0.4 writes layers without the two-block end-of-archive trailer, and every engine accepts
//   them. A stream ending inside a header or a body is an error (IMAGE_LAYER_TRUNCATED).
// - What follows the end marker is not read; callers that hash the stream drain it themselves.
// - PAX global headers ('g') are ignored, as containerd and docker do; GNU sparse files and other
//   types are refused (IMAGE_LAYER_INVALID).
import { invalid, SkiffError } from "../../common/errors.ts";
import type { Timespec } from "../../common/sys.ts";
import { ByteReader } from "./byte-reader.ts";

export type TarEntryType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";

export interface TarHeader {
  /** As stored, UTF-8 decoded; the unpacker normalises and checks it. */
  name: string;
  type: TarEntryType;
  /** Permission bits including setuid, setgid and sticky (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  mtime: Timespec;
  atime?: Timespec;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** From PAX SCHILY.xattr.<name> records; values are raw bytes. */
  xattrs: Map<string, Buffer>;
}

export interface TarEntry extends TarHeader {
  /** The entry's content (regular files only; empty for others). */
  body(): AsyncIterable<Uint8Array>;
}

const BLOCK = 512;
const TYPES: Record<string, TarEntryType> = {
  "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink", "3": "char", "4": "block", "5": "dir", "6": "fifo",
};
const decoder = new TextDecoder();

const layerError = (code: string, message: string, offset: number) =>
  new SkiffError({ layer: "image", code, kind: "invalid_argument", message, details: { offset } });

export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(source);
  let pax: Map<string, Buffer> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const at = r.offset;
    const block = await r.read(BLOCK);
    if (block.byteLength === 0) {
      if (pax || longName !== undefined || longLink !== undefined) throw layerError("IMAGE_LAYER_TRUNCATED", `read layer: archive ends after an extended header at byte ${at}`, at);
      return;
    }
    if (block.byteLength < BLOCK) throw layerError("IMAGE_LAYER_TRUNCATED", `read layer: archive ends inside a header at byte ${at}`, at);
    if (block.every((b) => b === 0)) return;
    checkChecksum(block, at);
    const flag = String.fromCharCode(block[156]!);
    const size = num(block, 124, 12, at);
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      if (size > 1 << 24) throw layerError("IMAGE_LAYER_INVALID", `read layer: extended header of ${size} bytes at byte ${at}`, at);
      const data = await r.read(size);
      if (data.byteLength < size) throw layerError("IMAGE_LAYER_TRUNCATED", `read layer: archive ends inside an extended header at byte ${at}`, at);
      await r.skip(pad(size));
      if (flag === "x") pax = parsePax(data, pax ?? new Map(), at);
      else if (flag === "L") longName = cstring(data, 0, data.byteLength);
      else if (flag === "K") longLink = cstring(data, 0, data.byteLength);
      continue;
    }
    const magic = decoder.decode(block.subarray(257, 263));
    const ustar = magic === "ustar\0";
    const prefix = ustar ? cstring(block, 345, 155) : "";
    const name = longName ?? (prefix ? `${prefix}/${cstring(block, 0, 100)}` : cstring(block, 0, 100));
    let type = TYPES[flag];
    if (!type) throw layerError("IMAGE_LAYER_INVALID", `read layer: entry ${JSON.stringify(name)} has unsupported type ${JSON.stringify(flag)}${flag === "S" ? " (GNU sparse file)" : ""}`, at);
    if (type === "file" && name.endsWith("/") && flag !== "7") type = "dir"; // pre-POSIX tars mark directories by a trailing slash
    const h: TarHeader = {
      name,
      type,
      mode: num(block, 100, 8, at) & 0o7777,
      uid: num(block, 108, 8, at),
      gid: num(block, 116, 8, at),
      uname: cstring(block, 265, 32),
      gname: cstring(block, 297, 32),
      size,
      mtime: { sec: num(block, 136, 12, at), nsec: 0 },
      linkname: longLink ?? cstring(block, 157, 100),
      devmajor: type === "char" || type === "block" ? num(block, 329, 8, at) : 0,
      devminor: type === "char" || type === "block" ? num(block, 337, 8, at) : 0,
      xattrs: new Map(),
    };
    if (pax) applyPax(h, pax, at);
    pax = longName = longLink = undefined;
    // Only regular files carry data, as Go's archive/tar decides; other types' size is ignored.
    const dataSize = h.type === "file" ? h.size : 0;
    if (h.type !== "file") h.size = 0;
    let left = dataSize;
    const entry: TarEntry = {
      ...h,
      body: async function* () {
        for await (const part of r.stream(left)) {
          left -= part.byteLength;
          yield part;
        }
        if (left > 0) throw layerError("IMAGE_LAYER_TRUNCATED", `read layer: archive ends inside ${JSON.stringify(h.name)}`, r.offset);
      },
    };
    yield entry;
    if (left > 0 && (await r.skip(left)) < left) throw layerError("IMAGE_LAYER_TRUNCATED", `read layer: archive ends inside ${JSON.stringify(h.name)}`, r.offset);
    left = 0;
    // A short final padding is tolerated like a missing trailer: the next read then sees the end.
    await r.skip(pad(dataSize));
  }
}

const pad = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

function cstring(b: Uint8Array, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const end = s.indexOf(0);
  return decoder.decode(end < 0 ? s : s.subarray(0, end));
}

/** A numeric field: octal text, or base-256 (GNU/star) when the high bit of the first byte is set. */
function num(b: Uint8Array, off: number, len: number, at: number): number {
  const f = b.subarray(off, off + len);
  if (f[0]! & 0x80) {
    const negative = (f[0]! & 0x40) !== 0;
    let v = 0n;
    for (let i = 0; i < f.length; i++) v = (v << 8n) | BigInt(i === 0 ? f[i]! & 0x7f : f[i]!);
    if (negative) v -= 1n << BigInt(f.length * 8 - 1);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw layerError("IMAGE_LAYER_INVALID", `read layer: numeric field out of range at byte ${at + off}`, at);
    return Number(v);
  }
  const text = decoder.decode(f).replace(/[\0 ]+$/, "").replace(/^[\0 ]+/, "");
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw layerError("IMAGE_LAYER_INVALID", `read layer: invalid octal number ${JSON.stringify(text)} in the header at byte ${at}`, at);
  return parseInt(text, 8);
}

function checkChecksum(block: Uint8Array, at: number): void {
  const want = num(block, 148, 8, at);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (want !== unsigned && want !== signed) throw layerError("IMAGE_LAYER_INVALID", `read layer: header checksum mismatch at byte ${at} (not a tar archive, or corrupt)`, at);
}

/** PAX records, "<length> <key>=<value>\n"; values stay bytes because xattr values are binary. */
function parsePax(data: Uint8Array, into: Map<string, Buffer>, at: number): Map<string, Buffer> {
  let i = 0;
  while (i < data.byteLength) {
    if (data[i] === 0) break;
    const space = data.indexOf(0x20, i);
    const len = space < 0 ? NaN : Number(decoder.decode(data.subarray(i, space)));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.byteLength || data[i + len - 1] !== 0x0a) {
      throw layerError("IMAGE_LAYER_INVALID", `read layer: malformed PAX record in the header at byte ${at}`, at);
    }
    const record = data.subarray(space + 1, i + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq < 0) throw layerError("IMAGE_LAYER_INVALID", `read layer: malformed PAX record in the header at byte ${at}`, at);
    into.set(decoder.decode(record.subarray(0, eq)), Buffer.from(record.subarray(eq + 1)));
    i += len;
  }
  return into;
}

function applyPax(h: TarHeader, pax: Map<string, Buffer>, at: number): void {
  const int = (k: string, v: Buffer) => {
    const s = v.toString();
    if (!/^\d+$/.test(s)) throw invalid("image", "IMAGE_LAYER_INVALID", `read layer: PAX ${k}=${JSON.stringify(s)} is not a number (header at byte ${at})`);
    return Number(s);
  };
  for (const [k, v] of pax) {
    if (k === "path") h.name = v.toString();
    else if (k === "linkpath") h.linkname = v.toString();
    else if (k === "size") h.size = int(k, v);
    else if (k === "uid") h.uid = int(k, v);
    else if (k === "gid") h.gid = int(k, v);
    else if (k === "uname") h.uname = v.toString();
    else if (k === "gname") h.gname = v.toString();
    else if (k === "mtime") h.mtime = paxTime(v.toString(), at);
    else if (k === "atime") h.atime = paxTime(v.toString(), at);
    else if (k.startsWith("SCHILY.xattr.")) h.xattrs.set(k.slice(13), v);
    else if (k.startsWith("GNU.sparse.")) throw layerError("IMAGE_LAYER_INVALID", `read layer: entry ${JSON.stringify(h.name)} is a GNU sparse file, which layers do not support`, at);
  }
}

/** "1700000000.123456789" (or negative) → seconds and nanoseconds. */
function paxTime(s: string, at: number): Timespec {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) throw layerError("IMAGE_LAYER_INVALID", `read layer: PAX time ${JSON.stringify(s)} is malformed (header at byte ${at})`, at);
  const sec = Number(m[2]);
  const nsec = Number((m[3] ?? "").padEnd(9, "0").slice(0, 9));
  if (m[1] !== "-") return { sec, nsec };
  return nsec ? { sec: -sec - 1, nsec: 1e9 - nsec } : { sec: -sec, nsec: 0 };
}
