// Writes tar archives in the PAX format docker and containerd write: a ustar header per entry,
// preceded by a PAX 'x' header when a name, link target, number or time does not fit ustar or
// when the entry has xattrs. Used to build layers (import, diffs) and test fixtures.
import type { TarEntryType, TarHeader } from "./tar-reader.ts";

export interface TarWriteEntry extends Partial<Omit<TarHeader, "name" | "type">> {
  name: string;
  type: TarEntryType;
  data?: Uint8Array | string;
}

const FLAG: Record<TarEntryType, string> = { file: "0", hardlink: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6" };
const encoder = new TextEncoder();
const BLOCK = 512;

/** The bytes of one entry: optional PAX header, ustar header, data, padding. */
export function tarEntry(e: TarWriteEntry): Uint8Array {
  const data = typeof e.data === "string" ? encoder.encode(e.data) : (e.data ?? new Uint8Array());
  // a file's body may be streamed by the caller: `size` without `data` writes the headers only,
  // and the caller writes the body and tarPadding(size) after them
  const streamed = e.type === "file" && e.data === undefined && e.size !== undefined;
  const size = e.type === "file" ? (streamed ? e.size! : data.byteLength) : 0;
  const pax: [string, Uint8Array][] = [];
  const nameBytes = encoder.encode(e.name);
  const linkBytes = encoder.encode(e.linkname ?? "");
  const mtime = e.mtime ?? { sec: 0, nsec: 0 };
  let name = e.name;
  let prefix = "";
  if (nameBytes.byteLength > 100) {
    const split = splitUstar(e.name);
    if (split) [prefix, name] = split;
    else pax.push(["path", nameBytes]);
  }
  if (linkBytes.byteLength > 100) pax.push(["linkpath", linkBytes]);
  const big = (v: number | undefined, digits: number) => v !== undefined && v > 8 ** digits - 1;
  if (big(e.uid, 7)) pax.push(["uid", encoder.encode(String(e.uid))]);
  if (big(e.gid, 7)) pax.push(["gid", encoder.encode(String(e.gid))]);
  if (big(size, 11)) pax.push(["size", encoder.encode(String(size))]);
  if (mtime.nsec || mtime.sec < 0 || big(mtime.sec, 11)) pax.push(["mtime", encoder.encode(paxTime(mtime.sec, mtime.nsec))]);
  if (e.atime) pax.push(["atime", encoder.encode(paxTime(e.atime.sec, e.atime.nsec))]);
  for (const [k, v] of e.xattrs ?? []) pax.push([`SCHILY.xattr.${k}`, v]);
  const parts: Uint8Array[] = [];
  if (pax.length) {
    const body = join(pax.map(([k, v]) => paxRecord(k, v)));
    parts.push(header({ name: `PaxHeaders/${e.name.slice(-80)}`.slice(0, 100), flag: "x", size: body.byteLength, mode: 0o644, mtime: 0 }), body, new Uint8Array(pad(body.byteLength)));
  }
  parts.push(
    header({
      name: name.slice(0, 100),
      prefix,
      flag: FLAG[e.type],
      size,
      mode: e.mode ?? (e.type === "dir" ? 0o755 : 0o644),
      uid: big(e.uid, 7) ? 0 : e.uid,
      gid: big(e.gid, 7) ? 0 : e.gid,
      mtime: mtime.nsec || mtime.sec < 0 || big(mtime.sec, 11) ? Math.max(0, Math.min(mtime.sec, 8 ** 11 - 1)) : mtime.sec,
      linkname: (e.linkname ?? "").slice(0, 100),
      uname: e.uname,
      gname: e.gname,
      devmajor: e.devmajor,
      devminor: e.devminor,
    }),
  );
  if (size && !streamed) parts.push(data, new Uint8Array(pad(size)));
  return join(parts);
}

/** The parts in one array (Buffer.concat costs ~10 µs a call in Bun, as much as a header: cp of 1,000 small files spent most of its time there). */
function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A whole archive; `trailer: false` leaves out the end-of-archive blocks as umoci 0.4 does. */
export function buildTar(entries: TarWriteEntry[], opts: { trailer?: boolean } = {}): Uint8Array {
  const parts = entries.map(tarEntry);
  if (opts.trailer !== false) parts.push(new Uint8Array(2 * BLOCK));
  return join(parts);
}

const pad = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

/** The zeros after a streamed body of `size` bytes, up to the next block. */
export const tarPadding = (size: number): Uint8Array => new Uint8Array(pad(size));

/** The end-of-archive marker: two zero blocks. */
export const tarTrailer = (): Uint8Array => new Uint8Array(2 * BLOCK);

function splitUstar(name: string): [string, string] | undefined {
  for (let i = name.lastIndexOf("/"); i > 0; i = name.lastIndexOf("/", i - 1)) {
    const p = name.slice(0, i);
    const n = name.slice(i + 1);
    if (encoder.encode(p).byteLength <= 155 && encoder.encode(n).byteLength <= 100 && n) return [p, n];
  }
  return undefined;
}

/** Seconds and nanoseconds (0 ≤ nsec < 1e9) as a PAX decimal: {-5, 100} is -4.9999999 s, "-4.999999900". */
function paxTime(sec: number, nsec: number): string {
  if (!nsec) return String(sec);
  if (sec >= 0) return `${sec}.${String(nsec).padStart(9, "0")}`;
  return `-${-sec - 1}.${String(1e9 - nsec).padStart(9, "0")}`;
}

/** "<len> key=value\n" where len counts itself. */
function paxRecord(key: string, value: Uint8Array): Uint8Array {
  const rest = encoder.encode(` ${key}=`).byteLength + value.byteLength + 1;
  let len = rest + String(rest).length;
  if (String(len).length !== String(len - rest).length) len = rest + String(len).length;
  return join([encoder.encode(`${len} ${key}=`), value, encoder.encode("\n")]);
}

interface RawHeader {
  name: string;
  prefix?: string;
  flag: string;
  size: number;
  mode: number;
  uid?: number;
  gid?: number;
  mtime: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
}

function header(h: RawHeader): Uint8Array {
  const b = new Uint8Array(BLOCK);
  const str = (off: number, len: number, s: string) => b.set(encoder.encode(s).subarray(0, len), off);
  const oct = (off: number, len: number, v: number) => str(off, len - 1, v.toString(8).padStart(len - 1, "0"));
  str(0, 100, h.name);
  oct(100, 8, h.mode);
  oct(108, 8, h.uid ?? 0);
  oct(116, 8, h.gid ?? 0);
  oct(124, 12, h.size);
  oct(136, 12, h.mtime);
  str(156, 1, h.flag);
  str(157, 100, h.linkname ?? "");
  str(257, 6, "ustar\0");
  str(263, 2, "00");
  str(265, 32, h.uname ?? "");
  str(297, 32, h.gname ?? "");
  oct(329, 8, h.devmajor ?? 0);
  oct(337, 8, h.devminor ?? 0);
  str(345, 155, h.prefix ?? "");
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  str(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return b;
}
