// A classic BPF assembler for seccomp filters: instructions with symbolic forward jumps, laid out so
// that every conditional jump fits its 8-bit offsets (a target further than 255 instructions is reached
// through an inserted `ja`, whose offset is 32 bits). Encodes to struct sock_filter (linux/filter.h).

/** Opcodes used here (linux/bpf_common.h): class | size/op | source. */
export const OP = {
  LD_W_ABS: 0x20, // A = *(u32 *)(seccomp_data + k)
  ALU_AND_K: 0x54, // A &= k
  JA: 0x05, // pc += k
  JEQ_K: 0x15, // pc += (A == k) ? jt : jf
  JGT_K: 0x25, // unsigned A > k
  JGE_K: 0x35, // unsigned A >= k
  JSET_K: 0x45, // A & k
  RET_K: 0x06, // return k
} as const;

/** Offsets into struct seccomp_data (linux/seccomp.h); arguments are u64, low half first on little-endian. */
export const DATA = {
  nr: 0,
  arch: 4,
  argLow: (i: number) => 16 + 8 * i,
  argHigh: (i: number) => 20 + 8 * i,
} as const;

/** The kernel's limit on one filter (BPF_MAXINSNS). */
export const MAX_INSNS = 4096;

export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** A jump target; placed once, before the instruction it names. */
export class Label {
  constructor(readonly name: string) {}
}

type Item =
  | { kind: "stmt"; code: number; k: number }
  | { kind: "jump"; code: number; k: number; t: Label; f: Label; farT: boolean; farF: boolean }
  | { kind: "ja"; target: Label }
  | { kind: "label"; label: Label };

export class Assembler {
  private items: Item[] = [];
  private placed = new Set<Label>();

  label(name = "L"): Label {
    return new Label(name);
  }
  place(label: Label): void {
    if (this.placed.has(label)) throw new Error(`bpf: label ${label.name} placed twice`);
    this.placed.add(label);
    this.items.push({ kind: "label", label });
  }
  ld(offset: number): void {
    this.items.push({ kind: "stmt", code: OP.LD_W_ABS, k: offset });
  }
  and(k: number): void {
    this.items.push({ kind: "stmt", code: OP.ALU_AND_K, k: k >>> 0 });
  }
  ret(k: number): void {
    this.items.push({ kind: "stmt", code: OP.RET_K, k: k >>> 0 });
  }
  ja(target: Label): void {
    this.items.push({ kind: "ja", target });
  }
  /** A conditional jump on the accumulator: to `t` when the test holds, else to `f`. */
  jump(code: number, k: number, t: Label, f: Label): void {
    this.items.push({ kind: "jump", code, k: k >>> 0, t, f, farT: false, farF: false });
  }

  /** Lays out and encodes the program; throws a plain Error on a programming mistake (a backward jump). */
  assemble(): Insn[] {
    const size = (it: Item) => (it.kind === "label" ? 0 : it.kind === "jump" ? 1 + Number(it.farT) + Number(it.farF) : 1);
    // Widening a jump only ever moves targets further away, so marking jumps far until nothing
    // changes terminates (at worst every jump is far).
    for (;;) {
      const pos = this.positions(size);
      let changed = false;
      let at = 0;
      for (const it of this.items) {
        const width = size(it); // the width `pos` was computed with
        if (it.kind === "jump") {
          if (!it.farT && distance(pos, at, it.t) > 255) (it.farT = true), (changed = true);
          if (!it.farF && distance(pos, at, it.f) > 255) (it.farF = true), (changed = true);
        }
        at += width;
      }
      if (!changed) return this.encode(pos, size);
    }
  }

  private positions(size: (it: Item) => number): Map<Label, number> {
    const pos = new Map<Label, number>();
    let at = 0;
    for (const it of this.items) {
      if (it.kind === "label") pos.set(it.label, at);
      at += size(it);
    }
    return pos;
  }

  private encode(pos: Map<Label, number>, size: (it: Item) => number): Insn[] {
    const out: Insn[] = [];
    let at = 0;
    for (const it of this.items) {
      if (it.kind === "stmt") out.push({ code: it.code, jt: 0, jf: 0, k: it.k });
      else if (it.kind === "ja") out.push({ code: OP.JA, jt: 0, jf: 0, k: distance(pos, at, it.target) });
      else if (it.kind === "jump") {
        // Layout: the test, then `ja t` if t is far, then `ja f` if f is far.
        const jt = it.farT ? 0 : distance(pos, at, it.t);
        const jf = it.farF ? Number(it.farT) : distance(pos, at, it.f);
        out.push({ code: it.code, jt, jf, k: it.k });
        let next = at + 1;
        if (it.farT) out.push({ code: OP.JA, jt: 0, jf: 0, k: distance(pos, next++, it.t) });
        if (it.farF) out.push({ code: OP.JA, jt: 0, jf: 0, k: distance(pos, next, it.f) });
      }
      at += size(it);
    }
    return out;
  }
}

/** Instructions skipped by a jump at `from` to reach `to`; BPF jumps only forward. */
function distance(pos: Map<Label, number>, from: number, to: Label): number {
  const target = pos.get(to);
  if (target === undefined) throw new Error(`bpf: label ${to.name} never placed`);
  if (target <= from) throw new Error(`bpf: jump from ${from} to ${to.name} at ${target} is not forward`);
  return target - from - 1;
}

/** struct sock_filter[] as bytes: u16 code, u8 jt, u8 jf, u32 k, little-endian (all supported ABIs are). */
export function encodeFilter(insns: readonly Insn[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * 8);
  const view = new DataView(bytes.buffer);
  insns.forEach((insn, i) => {
    view.setUint16(i * 8, insn.code, true);
    view.setUint8(i * 8 + 2, insn.jt);
    view.setUint8(i * 8 + 3, insn.jf);
    view.setUint32(i * 8 + 4, insn.k >>> 0, true);
  });
  return bytes;
}

export function decodeFilter(bytes: Uint8Array): Insn[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let i = 0; i + 8 <= bytes.byteLength; i += 8)
    out.push({ code: view.getUint16(i, true), jt: view.getUint8(i + 2), jf: view.getUint8(i + 3), k: view.getUint32(i + 4, true) });
  return out;
}
