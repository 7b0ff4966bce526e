// The plan's wire format (see ops.ts): header, then per step its opcode, payload length, payload.
import { OPS, PLAN_MAGIC, PLAN_VERSION } from "./ops.ts";
import type { Step } from "./step.ts";

class Writer {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`plan: u32 out of range: ${v}`);
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  u64(v: bigint | number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, BigInt(v)), true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  str(s: string): void {
    if (s.includes("\0")) throw new Error(`plan: string contains NUL: ${JSON.stringify(s)}`);
    this.bytes(new TextEncoder().encode(s + "\0"));
  }
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export function encodePlan(steps: readonly Step[]): Uint8Array {
  const w = new Writer();
  w.u32(PLAN_MAGIC);
  w.u32(PLAN_VERSION);
  w.u32(steps.length);
  for (const s of steps) {
    const def = OPS[s.op];
    w.u32(def.code);
    const lengthAt = w.length;
    w.u32(0);
    const args = s.args as Record<string, unknown>;
    for (const [name, type] of def.fields) {
      const v = args[name];
      if (v === undefined) throw new Error(`plan: step ${s.op} lacks ${name}`);
      if (type === "u32") w.u32(v as number);
      else if (type === "u64") w.u64(v as bigint | number);
      else if (type === "str") w.str(v as string);
      else if (type === "bytes") w.bytes(v as Uint8Array);
      else {
        const list = v as readonly (string | number)[];
        w.u32(list.length);
        for (const item of list) type === "strs" ? w.str(item as string) : w.u32(item as number);
      }
    }
    w.patchU32(lengthAt, w.length - lengthAt - 4);
  }
  return w.result();
}
