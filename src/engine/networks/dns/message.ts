// DNS messages (RFC 1035 §4): the parser for bytes from anyone (a container, an upstream) and the
// encoder. parseMessage reads every section, to validate, and throws DnsParseError and nothing
// else; the work it does is bounded by the message's length and MAX_RECORDS.
import type { DnsHeader } from "./header.ts";
import { DnsParseError } from "./parse-error.ts";
import { readName } from "./wire-names.ts";
import { WireWriter, nameWire } from "./wire-writer.ts";

export { DnsParseError } from "./parse-error.ts";
export { DnsNameError } from "./wire-names.ts";

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, OPT: 41, ANY: 255 } as const;
export const CLASS_IN = 1;
export const HEADER_OCTETS = 12;
export const MAX_MESSAGE_OCTETS = 65535;
/** Questions and records in all sections together. */
export const MAX_RECORDS = 2048;


export interface DnsQuestion {
  /** Text form (wire-names.ts): "web.example", no trailing dot. */
  name: string;
  type: number;
  class: number;
}

export interface DnsRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** The rdata; for NS, CNAME and PTR the target name, uncompressed (pointers in it are resolved while parsing). */
  data: Uint8Array;
}

export interface DnsMessage {
  header: DnsHeader;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
}

const NAME_RDATA = new Set<number>([TYPE.NS, TYPE.CNAME, TYPE.PTR]);
const FIXED_RDATA = new Map<number, number>([
  [TYPE.A, 4],
  [TYPE.AAAA, 16],
]);

const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number) => u16(b, at) * 0x10000 + u16(b, at + 2);

/** The header of at least 12 bytes, else undefined. Never throws. */
export function parseHeader(bytes: Uint8Array): DnsHeader | undefined {
  if (bytes.length < HEADER_OCTETS) return undefined;
  const f1 = bytes[2]!;
  const f2 = bytes[3]!;
  return {
    id: u16(bytes, 0),
    qr: (f1 & 0x80) !== 0,
    opcode: (f1 >>> 3) & 0x0f,
    aa: (f1 & 0x04) !== 0,
    tc: (f1 & 0x02) !== 0,
    rd: (f1 & 0x01) !== 0,
    ra: (f2 & 0x80) !== 0,
    z: (f2 & 0x40) !== 0,
    ad: (f2 & 0x20) !== 0,
    cd: (f2 & 0x10) !== 0,
    rcode: f2 & 0x0f,
  };
}

/** A whole message. Throws DnsParseError (with the header when one could be read), nothing else. */
export function parseMessage(bytes: Uint8Array): DnsMessage {
  const header = parseHeader(bytes);
  if (!header) throw new DnsParseError("shorter than a header");
  try {
    if (bytes.length > MAX_MESSAGE_OCTETS) throw new DnsParseError(`longer than ${MAX_MESSAGE_OCTETS} octets`);
    const counts = [u16(bytes, 4), u16(bytes, 6), u16(bytes, 8), u16(bytes, 10)] as const;
    if (counts[0] + counts[1] + counts[2] + counts[3] > MAX_RECORDS) throw new DnsParseError(`more than ${MAX_RECORDS} questions and records`);
    let pos = HEADER_OCTETS;
    const questions: DnsQuestion[] = [];
    for (let i = 0; i < counts[0]; i++) {
      const { name, next } = readName(bytes, pos);
      if (next + 4 > bytes.length) throw new DnsParseError("a question runs past the end of the message");
      questions.push({ name, type: u16(bytes, next), class: u16(bytes, next + 2) });
      pos = next + 4;
    }
    const sections: DnsRecord[][] = [[], [], []];
    for (let s = 0; s < 3; s++)
      for (let i = 0; i < counts[s + 1]!; i++) {
        const { record, next } = readRecord(bytes, pos);
        sections[s]!.push(record);
        pos = next;
      }
    if (pos !== bytes.length) throw new DnsParseError(`${bytes.length - pos} bytes after the last record`);
    return { header, questions, answers: sections[0]!, authorities: sections[1]!, additionals: sections[2]! };
  } catch (e) {
    if (e instanceof DnsParseError) throw new DnsParseError(e.reason, header);
    throw e;
  }
}

function readRecord(bytes: Uint8Array, pos: number): { record: DnsRecord; next: number } {
  const { name, next } = readName(bytes, pos);
  if (next + 10 > bytes.length) throw new DnsParseError("a record runs past the end of the message");
  const type = u16(bytes, next);
  const rdlength = u16(bytes, next + 8);
  const start = next + 10;
  const end = start + rdlength;
  if (end > bytes.length) throw new DnsParseError("a record's data runs past the end of the message");
  const fixed = FIXED_RDATA.get(type);
  if (fixed !== undefined && rdlength !== fixed) throw new DnsParseError(`a type ${type} record with ${rdlength} bytes of data`);
  let data: Uint8Array;
  if (NAME_RDATA.has(type)) {
    const target = readName(bytes, start);
    if (target.next !== end) throw new DnsParseError(`a type ${type} record's name does not fill its data`);
    data = nameWire(target.name);
  } else data = bytes.slice(start, end);
  return { record: { name, type, class: u16(bytes, next + 2), ttl: u32(bytes, next + 4), data }, next: end };
}

/** The message's bytes, names compressed. Throws DnsNameError for a name that cannot be written. */
export function encodeMessage(m: DnsMessage): Uint8Array {
  const w = new WireWriter();
  const h = m.header;
  w.u16(h.id);
  w.u8((h.qr ? 0x80 : 0) | ((h.opcode & 0x0f) << 3) | (h.aa ? 0x04 : 0) | (h.tc ? 0x02 : 0) | (h.rd ? 0x01 : 0));
  w.u8((h.ra ? 0x80 : 0) | (h.z ? 0x40 : 0) | (h.ad ? 0x20 : 0) | (h.cd ? 0x10 : 0) | (h.rcode & 0x0f));
  for (const n of [m.questions.length, m.answers.length, m.authorities.length, m.additionals.length]) w.u16(n);
  for (const q of m.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const r of [...m.answers, ...m.authorities, ...m.additionals]) {
    w.name(r.name);
    w.u16(r.type);
    w.u16(r.class);
    w.u32(r.ttl);
    w.u16(r.data.length);
    w.raw(r.data);
  }
  return w.done();
}

/** A copy of `bytes` with the message id replaced (forwarding keeps everything else as it came). */
export function withId(bytes: Uint8Array, id: number): Uint8Array {
  const copy = bytes.slice();
  copy[0] = (id >>> 8) & 0xff;
  copy[1] = id & 0xff;
  return copy;
}
