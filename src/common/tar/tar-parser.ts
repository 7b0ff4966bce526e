// A push tar parser for image layers: ustar, GNU (long names 'L'/'K', base-256 numbers) and PAX
// ('x' records: path, linkpath, size, uid, gid, uname, gname, mtime, atime, SCHILY.xattr.*).
// Chunks go in as they come (push); entries, their data and their ends come out to a sink,
// synchronously, in order — the unpacker writes files without an await per entry. readTar
// (tar-reader.ts) puts an async pull interface over it.
//
// Contracts:
// - sink.entry(header), then sink.data(part) for each piece of a regular file's body (views into
//   the pushed chunks, no copies: valid during the call), then sink.end(); every entry gets its
//   end(), data or not. A pushed chunk may be reused once push returns (what spans pushes is copied).
// - The archive ends at the first all-zero block or where the stream ends on a header boundary:
//   umoci 0.4 writes layers without the two-block end-of-archive trailer, and every engine accepts
//   them. A stream ending inside a header or a body is an error (IMAGE_LAYER_TRUNCATED); a short
//   final padding is tolerated like a missing trailer.
// - Once the end marker is seen, `done` is true and further bytes are ignored (callers that hash
//   the stream keep hashing them).
// - PAX global headers ('g') are ignored, as containerd and docker do; GNU sparse files and other
//   types are refused (IMAGE_LAYER_INVALID). After an error the parser refuses further input.
// - A size, uid, gid or device number that base-256 makes negative is refused (a negative size
//   would move the parser backwards); every push consumes its bytes or fails, so no input loops.
// - Entries are read as Go's archive/tar reads them (the readers of docker and containerd), so that
//   a layer cannot mean one thing here and another there.
// - Errors say what is read ("read layer: …", "read archive: …": a TarInput, given by the caller),
//   carry its code prefix and hint, and never print the input's bytes: a header that fails at byte
//   0 is "not a tar archive (bad header at byte 0)"; names and values from the input are quoted
//   only when they are printable text.
import { SkiffError } from "../errors.ts";
import type { Timespec } from "../sys.ts";

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

export interface TarSink {
  entry(h: TarHeader): void;
  data(part: Uint8Array): void;
  end(): void;
}

const BLOCK = 512;
const TYPES: Record<string, TarEntryType> = {
  "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink", "3": "char", "4": "block", "5": "dir", "6": "fifo",
};
const USTAR = [0x75, 0x73, 0x74, 0x61, 0x72, 0x00]; // "ustar\0"
const decoder = new TextDecoder();

/** What a parser reads, for its errors. */
export interface TarInput {
  /** "layer", "archive", "tarball": the errors say "read layer: …". */
  what: string;
  /** The errors' codes: `${code}_INVALID` and `${code}_TRUNCATED`. */
  code: string;
  /** What to do about a malformed input, and about one cut short. */
  hints: { invalid: string; truncated: string };
}

/** An image layer (unpack, the default). */
export const LAYER_INPUT: TarInput = {
  what: "layer",
  code: "IMAGE_LAYER",
  hints: {
    invalid: "the layer blob is corrupt or not a tar archive: remove the image and pull (or load) it again",
    truncated: "the layer blob is incomplete: remove the image and pull (or load) it again",
  },
};

/** A field of a header that does not parse (the header is corrupt, or the input no tar at all). */
class BadField extends Error {
  constructor(
    readonly field: string,
    readonly why = "is not a number",
  ) {
    super(field);
  }
}

/** A name or value from the input as it may be shown: quoted when printable text, else described. */
export function shown(s: string, what = "name"): string {
  if (/[\u0000-\u001f\u007f-\u009f\ufffd]/.test(s)) return `(a ${what} that is not printable text)`;
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);
}

type State =
  | { kind: "header" }
  /** Collecting an extended header's data ('x', 'g', 'L', 'K'). */
  | { kind: "extension"; flag: string; size: number; at: number }
  | { kind: "body"; left: number; name: string }
  | { kind: "skip"; left: number }
  | { kind: "done" }
  | { kind: "failed" };

export class TarParser {
  /** Bytes consumed so far (up to the end marker). */
  offset = 0;
  private state: State = { kind: "header" };
  /** A header or extension that spans pushes. */
  private partial: Uint8Array[] = [];
  private partialSize = 0;
  private pax: Map<string, Buffer> | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;

  constructor(
    private readonly sink: TarSink,
    private readonly input: TarInput = LAYER_INPUT,
  ) {}

  private fail(kind: "INVALID" | "TRUNCATED", message: string, offset: number): SkiffError {
    return new SkiffError({
      layer: "image",
      code: `${this.input.code}_${kind}`,
      kind: "invalid_argument",
      message: `read ${this.input.what}: ${message}`,
      hint: kind === "INVALID" ? this.input.hints.invalid : this.input.hints.truncated,
      details: { offset },
    });
  }

  get done(): boolean {
    return this.state.kind === "done";
  }

  push(chunk: Uint8Array): void {
    if (this.state.kind === "failed") throw new Error("TarParser: push after an error");
    try {
      let at = 0;
      while (at < chunk.byteLength && this.state.kind !== "done") {
        const n = this.step(chunk, at);
        // every step consumes input: a state that does not would loop forever on hostile input
        if (!(n > 0)) throw new Error(`TarParser: no progress in state ${this.state.kind} at byte ${this.offset}`);
        at += n;
      }
    } catch (e) {
      this.state = { kind: "failed" };
      throw e;
    }
  }

  /** The stream has ended: an error unless it ended where an archive may end. */
  finish(): void {
    const s = this.state;
    if (s.kind === "done" || s.kind === "failed") return;
    const ends = `the data ends at byte ${this.offset}`;
    if (s.kind === "body") throw this.fail("TRUNCATED", `${ends}, inside the content of ${shown(s.name)}`, this.offset);
    if (s.kind === "extension") throw this.fail("TRUNCATED", `${ends}, inside the extended header at byte ${s.at}`, s.at);
    if (this.partialSize > 0) {
      const at = this.offset - this.partialSize;
      // less than one header in all, without ustar's magic where it would be: a file of another
      // kind (a text, a script), not an archive cut short
      if (at === 0 && !this.partialHasMagic())
        throw this.fail("INVALID", `not a tar archive (${this.partialSize} byte${this.partialSize === 1 ? "" : "s"} in all, less than one tar header of ${BLOCK})`, 0);
      throw this.fail("TRUNCATED", `${ends}, inside the header at byte ${at}${at === 0 ? " (an archive cut short)" : ""}`, this.offset);
    }
    if (this.pax || this.longName !== undefined || this.longLink !== undefined) throw this.fail("TRUNCATED", `${ends}, after an extended header and before its entry`, this.offset);
  }

  /** Whether the partial header holds "ustar" at its magic's offset (257): a tar header cut short. */
  private partialHasMagic(): boolean {
    if (this.partialSize < 262) return false;
    const head = new Uint8Array(262);
    let n = 0;
    for (const p of this.partial) {
      const take = Math.min(p.byteLength, 262 - n);
      head.set(p.subarray(0, take), n);
      n += take;
      if (n >= 262) break;
    }
    return new TextDecoder().decode(head.subarray(257, 262)) === "ustar";
  }

  /** Consumes from chunk[at...]; returns how many bytes. */
  private step(chunk: Uint8Array, at: number): number {
    const s = this.state;
    const avail = chunk.byteLength - at;
    switch (s.kind) {
      case "body": {
        const n = Math.min(s.left, avail);
        this.offset += n;
        s.left -= n;
        this.sink.data(chunk.subarray(at, at + n));
        if (s.left === 0) this.endEntry();
        return n;
      }
      case "skip": {
        const n = Math.min(s.left, avail);
        this.offset += n;
        s.left -= n;
        if (s.left === 0) this.state = { kind: "header" };
        return n;
      }
      case "extension":
      case "header": {
        const need = s.kind === "header" ? BLOCK : s.size;
        const got = this.collect(chunk, at, need);
        if (got.bytes) {
          if (s.kind === "header") this.header(got.bytes);
          else this.extension(s, got.bytes);
        }
        return got.used;
      }
      default:
        return avail;
    }
  }

  /** Gathers `need` bytes across pushes; `bytes` once complete. */
  private collect(chunk: Uint8Array, at: number, need: number): { used: number; bytes?: Uint8Array } {
    if (this.partialSize === 0 && chunk.byteLength - at >= need) {
      this.offset += need;
      return { used: need, bytes: chunk.subarray(at, at + need) };
    }
    const used = Math.min(need - this.partialSize, chunk.byteLength - at);
    // a copy: the caller may reuse its chunk once push returns (skiff cp reads into one buffer)
    this.partial.push(new Uint8Array(chunk.subarray(at, at + used))); // (Buffer.slice would be a view)
    this.partialSize += used;
    this.offset += used;
    if (this.partialSize < need) return { used };
    const bytes = new Uint8Array(need);
    let o = 0;
    for (const p of this.partial) {
      bytes.set(p, o);
      o += p.byteLength;
    }
    this.partial = [];
    this.partialSize = 0;
    return { used, bytes };
  }

  private extension(s: { flag: string; size: number; at: number }, data: Uint8Array): void {
    if (s.flag === "x") {
      const pax = parsePax(data, this.pax ?? new Map());
      if (!pax) throw this.fail("INVALID", `malformed PAX record in the extended header at byte ${s.at}`, s.at);
      this.pax = pax;
    }
    else if (s.flag === "L") this.longName = cstring(data, 0, data.byteLength);
    else if (s.flag === "K") this.longLink = cstring(data, 0, data.byteLength);
    this.state = pad(s.size) ? { kind: "skip", left: pad(s.size) } : { kind: "header" };
  }

  private header(block: Uint8Array): void {
    const at = this.offset - BLOCK;
    if (isZero(block)) {
      this.state = { kind: "done" };
      return;
    }
    try {
      this.parseHeader(block, at);
    } catch (e) {
      if (!(e instanceof BadField)) throw e;
      if (at === 0 && e.field === "checksum") throw this.fail("INVALID", "not a tar archive (bad header at byte 0)", at);
      throw this.fail("INVALID", `corrupt tar header at byte ${at} (${e.field === "checksum" ? "checksum mismatch" : `its ${e.field} field ${e.why}`})`, at);
    }
  }

  private parseHeader(block: Uint8Array, at: number): void {
    checkChecksum(block);
    const flag = String.fromCharCode(block[156]!);
    // Sizes, ids and device numbers are never negative (base-256 can say so): a negative size
    // would move the parser backwards.
    const size = num(block, 124, 12, "size", false);
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      if (size > 1 << 24) throw this.fail("INVALID", `extended header of ${size} bytes at byte ${at}, more than 16 MiB`, at);
      this.state = { kind: "extension", flag, size, at };
      if (size === 0) this.extension({ flag, size, at }, new Uint8Array(0));
      return;
    }
    const ustar = USTAR.every((b, i) => block[257 + i] === b);
    const prefix = ustar ? cstring(block, 345, 155) : "";
    const name = this.longName ?? (prefix ? `${prefix}/${cstring(block, 0, 100)}` : cstring(block, 0, 100));
    const type = TYPES[flag];
    if (!type) {
      const t = /^[\x21-\x7e]$/.test(flag) ? JSON.stringify(flag) : `byte 0x${block[156]!.toString(16).padStart(2, "0")}`;
      throw this.fail("INVALID", `entry ${shown(name)} at byte ${at} has unsupported type ${t}${flag === "S" ? " (GNU sparse file)" : ""}`, at);
    }
    const h: TarHeader = {
      name,
      type,
      mode: num(block, 100, 8, "mode") & 0o7777,
      uid: num(block, 108, 8, "uid", false),
      gid: num(block, 116, 8, "gid", false),
      uname: cstring(block, 265, 32),
      gname: cstring(block, 297, 32),
      size,
      mtime: { sec: num(block, 136, 12, "mtime"), nsec: 0 },
      linkname: this.longLink ?? cstring(block, 157, 100),
      devmajor: type === "char" || type === "block" ? num(block, 329, 8, "devmajor", false) : 0,
      devminor: type === "char" || type === "block" ? num(block, 337, 8, "devminor", false) : 0,
      xattrs: new Map(),
    };
    if (this.pax) {
      const why = applyPax(h, this.pax);
      if (why) throw this.fail("INVALID", `${why} (extended header of the entry at byte ${at})`, at);
    }
    // Pre-POSIX tars mark directories by a trailing slash on a type '\0' entry, as Go's
    // archive/tar reads them: judged on the final name (PAX path, GNU long name), and never for
    // '0', whose data a reader that took it for a directory would parse as headers.
    if (flag === "\0" && h.name.endsWith("/")) h.type = "dir";
    this.pax = this.longName = this.longLink = undefined;
    // Only regular files carry data, as Go's archive/tar decides; other types' size is ignored.
    const dataSize = h.type === "file" ? h.size : 0;
    if (h.type !== "file") h.size = 0;
    this.sink.entry(h);
    if (dataSize > 0) this.state = { kind: "body", left: dataSize, name: h.name };
    else this.endEntry();
  }

  /** After the entry's data: its end, then the padding to the next block. */
  private endEntry(): void {
    this.sink.end();
    const rest = this.offset % BLOCK;
    this.state = rest ? { kind: "skip", left: BLOCK - rest } : { kind: "header" };
  }
}

const pad = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

function isZero(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function cstring(b: Uint8Array, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const end = s.indexOf(0);
  return decoder.decode(end < 0 ? s : s.subarray(0, end));
}

/** A numeric field: octal text, or base-256 (GNU/star) when the high bit of the first byte is set; negative only when `signed`. */
function num(b: Uint8Array, off: number, len: number, field: string, signed = true): number {
  const f = b.subarray(off, off + len);
  if (f[0]! & 0x80) {
    const negative = (f[0]! & 0x40) !== 0;
    let v = 0n;
    for (let i = 0; i < f.length; i++) v = (v << 8n) | BigInt(i === 0 ? f[i]! & 0x7f : f[i]!);
    if (negative) v -= 1n << BigInt(f.length * 8 - 1);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new BadField(field);
    if (v < 0n && !signed) throw new BadField(field, "is negative");
    return Number(v);
  }
  // Octal digits, with NUL or space padding either side.
  let i = 0;
  let end = f.length;
  while (i < end && (f[i] === 0 || f[i] === 0x20)) i++;
  while (end > i && (f[end - 1] === 0 || f[end - 1] === 0x20)) end--;
  let v = 0;
  for (let j = i; j < end; j++) {
    const d = f[j]! - 0x30;
    if (d < 0 || d > 7) throw new BadField(field);
    v = v * 8 + d;
  }
  return v;
}

function checkChecksum(block: Uint8Array): void {
  const want = num(block, 148, 8, "checksum");
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (want !== unsigned && want !== signed) throw new BadField("checksum");
}

/** PAX records, "<length> <key>=<value>\n"; values stay bytes because xattr values are binary. Undefined when malformed. */
function parsePax(data: Uint8Array, into: Map<string, Buffer>): Map<string, Buffer> | undefined {
  let i = 0;
  while (i < data.byteLength) {
    if (data[i] === 0) break;
    const space = data.indexOf(0x20, i);
    const len = space < 0 ? NaN : Number(decoder.decode(data.subarray(i, space)));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.byteLength || data[i + len - 1] !== 0x0a) return undefined;
    const record = data.subarray(space + 1, i + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq < 0) return undefined;
    into.set(decoder.decode(record.subarray(0, eq)), Buffer.from(record.subarray(eq + 1)));
    i += len;
  }
  return into;
}

/** Applies the PAX records to the header; what is wrong with them, if anything. */
function applyPax(h: TarHeader, pax: Map<string, Buffer>): string | undefined {
  for (const [k, v] of pax) {
    const s = v.toString();
    if (k === "path") h.name = s;
    else if (k === "linkpath") h.linkname = s;
    else if (k === "uname") h.uname = s;
    else if (k === "gname") h.gname = s;
    else if (k === "size" || k === "uid" || k === "gid") {
      if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) return `PAX ${k} ${shown(s, "value")} is not a number`;
      h[k] = Number(s);
    } else if (k === "mtime" || k === "atime") {
      const t = paxTime(s);
      if (!t) return `PAX ${k} ${shown(s, "value")} is not a time`;
      h[k] = t;
    } else if (k.startsWith("SCHILY.xattr.")) h.xattrs.set(k.slice(13), v);
    else if (k.startsWith("GNU.sparse.")) return `entry ${shown(h.name)} is a GNU sparse file, which skiff does not read`;
  }
  return undefined;
}

/** "1700000000.123456789" (or negative) → seconds and nanoseconds; undefined when malformed. */
function paxTime(s: string): Timespec | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return undefined;
  const sec = Number(m[2]);
  const nsec = Number((m[3] ?? "").padEnd(9, "0").slice(0, 9));
  if (m[1] !== "-") return { sec, nsec };
  return nsec ? { sec: -sec - 1, nsec: 1e9 - nsec } : { sec: -sec, nsec: 0 };
}
