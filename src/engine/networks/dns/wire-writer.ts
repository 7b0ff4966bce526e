// Bytes of a DNS message being built, with name compression (RFC 1035 §4.1.4): a name, or its
// tail, written before at an offset a pointer can reach is written as a pointer to it. Only the
// same bytes are compressed, case included, so every name reads back as it was given.
import { nameKey, nameLabels } from "./wire-names.ts";

const MAX_POINTER_TARGET = 0x3fff;

export class WireWriter {
  private bytes: number[] = [];
  private readonly written = new Map<string, number>();

  get length(): number {
    return this.bytes.length;
  }

  u8(v: number): void {
    this.bytes.push(v & 0xff);
  }

  u16(v: number): void {
    this.bytes.push((v >>> 8) & 0xff, v & 0xff);
  }

  u32(v: number): void {
    this.u16(v >>> 16);
    this.u16(v & 0xffff);
  }

  raw(b: Uint8Array): void {
    for (const x of b) this.bytes.push(x);
  }

  /** Writes u16 `v` at `offset`, over bytes written before. */
  patch16(offset: number, v: number): void {
    this.bytes[offset] = (v >>> 8) & 0xff;
    this.bytes[offset + 1] = v & 0xff;
  }

  /** A name in text form (throws DnsNameError); compressed against the names written before unless `compress` is false. */
  name(text: string, compress = true): void {
    const labels = nameLabels(text);
    for (let i = 0; i < labels.length; i++) {
      const key = nameKey(labels.slice(i), true);
      const at = compress ? this.written.get(key) : undefined;
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (compress && this.length <= MAX_POINTER_TARGET) this.written.set(key, this.length);
      this.u8(labels[i]!.length);
      this.raw(labels[i]!);
    }
    this.u8(0);
  }

  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** A name's uncompressed wire form: the rdata of a PTR, CNAME or NS record. */
export function nameWire(text: string): Uint8Array {
  const w = new WireWriter();
  w.name(text, false);
  return w.done();
}
