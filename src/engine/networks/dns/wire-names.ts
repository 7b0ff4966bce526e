// Domain names on the wire (RFC 1035 §3.1, §4.1.4) and as text.
//
// Text form: labels joined by ".", no trailing dot, "" for the root; inside a label "." and "\" are
// written "\." and "\\", and bytes outside printable ASCII as "\DDD" (decimal), as in master files.
// Every wire name has exactly one text form, so parse → encode gives the same labels back.
//
// Reading is for hostile bytes: a label is at most 63 octets, a name at most 255, and a compression
// pointer must point strictly before the place the name (or its last jump) started, so a chain of
// pointers always ends (and at most MAX_POINTERS of them are followed).
import { DnsParseError } from "./parse-error.ts";

export const MAX_LABEL_OCTETS = 63;
export const MAX_NAME_OCTETS = 255;
const MAX_POINTERS = 64;

/** A name the encoder cannot write: an empty label, a label or name too long, a character beyond one byte. */
export class DnsNameError extends Error {
  constructor(name: string, reason: string) {
    super(`invalid domain name ${JSON.stringify(name)}: ${reason}`);
    this.name = "DnsNameError";
  }
}

const BACKSLASH = 0x5c;
const DOT = 0x2e;

function labelText(bytes: Uint8Array, start: number, length: number): string {
  let s = "";
  for (let i = start; i < start + length; i++) {
    const b = bytes[i]!;
    if (b === DOT || b === BACKSLASH) s += `\\${String.fromCharCode(b)}`;
    else if (b < 0x21 || b > 0x7e) s += `\\${String(b).padStart(3, "0")}`;
    else s += String.fromCharCode(b);
  }
  return s;
}

/** The name at `offset`: its text, and where the bytes after it begin. Throws DnsParseError only. */
export function readName(bytes: Uint8Array, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let floor = offset; // a pointer must point below this
  let next = -1;
  let octets = 0;
  let pointers = 0;
  for (;;) {
    if (pos >= bytes.length) throw new DnsParseError("a name runs past the end of the message");
    const length = bytes[pos]!;
    if ((length & 0xc0) === 0xc0) {
      if (pos + 1 >= bytes.length) throw new DnsParseError("a compression pointer runs past the end of the message");
      const target = ((length & 0x3f) << 8) | bytes[pos + 1]!;
      if (next < 0) next = pos + 2;
      if (target >= floor) throw new DnsParseError("a compression pointer does not point backwards");
      if (++pointers > MAX_POINTERS) throw new DnsParseError("too many compression pointers in a name");
      floor = target;
      pos = target;
      continue;
    }
    if (length & 0xc0) throw new DnsParseError(`unknown label type 0x${(length & 0xc0).toString(16)}`);
    octets += length + 1;
    if (octets > MAX_NAME_OCTETS) throw new DnsParseError(`a name is longer than ${MAX_NAME_OCTETS} octets`);
    if (length === 0) {
      if (next < 0) next = pos + 1;
      return { name: labels.join("."), next };
    }
    if (pos + 1 + length > bytes.length) throw new DnsParseError("a label runs past the end of the message");
    labels.push(labelText(bytes, pos + 1, length));
    pos += 1 + length;
  }
}

/** The labels of a name in text form, as bytes. Throws DnsNameError. "" and "." are the root; one trailing dot is allowed. */
export function nameLabels(name: string): Uint8Array[] {
  const labels: Uint8Array[] = [];
  let current: number[] = [];
  let octets = 1;
  const end = name.length;
  if (name === "" || name === ".") return labels;
  const close = () => {
    if (current.length === 0) throw new DnsNameError(name, "empty label");
    if (current.length > MAX_LABEL_OCTETS) throw new DnsNameError(name, `a label is longer than ${MAX_LABEL_OCTETS} octets`);
    octets += current.length + 1;
    if (octets > MAX_NAME_OCTETS) throw new DnsNameError(name, `longer than ${MAX_NAME_OCTETS} octets`);
    labels.push(Uint8Array.from(current));
    current = [];
  };
  for (let i = 0; i < end; i++) {
    const c = name.charCodeAt(i);
    if (c === BACKSLASH) {
      if (i + 1 >= end) throw new DnsNameError(name, "ends in a lone backslash");
      const d = name.slice(i + 1, i + 4);
      if (/^[0-9]/.test(d)) {
        if (!/^[0-9]{3}$/.test(d) || Number(d) > 255) throw new DnsNameError(name, "a \\DDD escape needs three digits up to 255");
        current.push(Number(d));
        i += 3;
      } else {
        const e = name.charCodeAt(i + 1);
        if (e > 0xff) throw new DnsNameError(name, "a character beyond one byte");
        current.push(e);
        i += 1;
      }
    } else if (c === DOT) {
      if (i === end - 1 && current.length > 0) break; // the trailing dot
      close();
    } else {
      if (c > 0xff) throw new DnsNameError(name, "a character beyond one byte");
      current.push(c);
    }
  }
  if (current.length) close();
  return labels;
}

/** The name's labels, each with its length before it, as a string: lowercased (ASCII only, as DNS compares names) unless `exact`. */
export function nameKey(labels: Uint8Array[], exact = false): string {
  let key = "";
  for (const l of labels) {
    key += String.fromCharCode(l.length);
    for (const b of l) key += String.fromCharCode(!exact && b >= 0x41 && b <= 0x5a ? b + 0x20 : b);
  }
  return key;
}

/** Text names compared as DNS does: ASCII case-insensitively, a trailing dot ignored. */
export function sameName(a: string, b: string): boolean {
  try {
    return nameKey(nameLabels(a)) === nameKey(nameLabels(b));
  } catch {
    return false;
  }
}
