// BPF for one argument comparison. seccomp_data holds each argument as a u64 while BPF compares 32-bit
// words, so a 64-bit comparison tests the high word first and the low word only when the high words are
// equal. On 32-bit ABIs (i386, arm, x32) only the low word is compared and the value is truncated to
// it, as libseccomp does. All comparisons are unsigned, as in libseccomp.
import { type Assembler, DATA, type Label, OP } from "./bpf.ts";
import type { ArgCondition } from "./profile.ts";

const lowWord = (v: bigint) => Number(v & 0xffffffffn);
const highWord = (v: bigint) => Number((v >> 32n) & 0xffffffffn);

/** Emits a test of `cond` that continues at `match` when it holds and at `fail` when it does not. */
export function emitCondition(asm: Assembler, cond: ArgCondition, bits: 32 | 64, match: Label, fail: Label): void {
  const lo = DATA.argLow(cond.index);
  const hi = DATA.argHigh(cond.index);
  const wide = bits === 64;
  const v = cond.value;

  switch (cond.op) {
    case "SCMP_CMP_EQ":
    case "SCMP_CMP_NE": {
      const [onEqual, onDiffer] = cond.op === "SCMP_CMP_EQ" ? [match, fail] : [fail, match];
      if (wide) {
        const next = asm.label("eq.lo");
        asm.ld(hi);
        asm.jump(OP.JEQ_K, highWord(v), next, onDiffer);
        asm.place(next);
      }
      asm.ld(lo);
      asm.jump(OP.JEQ_K, lowWord(v), onEqual, onDiffer);
      return;
    }
    case "SCMP_CMP_MASKED_EQ": {
      // (arg & value) == valueTwo: value is the mask, valueTwo the datum (libseccomp's argument order).
      const mask = v;
      const datum = cond.valueTwo;
      if (wide && (highWord(mask) !== 0 || highWord(datum) !== 0)) {
        const next = asm.label("masked.lo");
        asm.ld(hi);
        asm.and(highWord(mask));
        asm.jump(OP.JEQ_K, highWord(datum), next, fail);
        asm.place(next);
      }
      asm.ld(lo);
      asm.and(lowWord(mask));
      asm.jump(OP.JEQ_K, lowWord(datum), match, fail);
      return;
    }
    default:
      emitOrdering(asm, cond, wide, match, fail);
  }
}

/** GT, GE, LT, LE: decided by the high words unless they are equal, then by the low words. */
function emitOrdering(asm: Assembler, cond: ArgCondition, wide: boolean, match: Label, fail: Label): void {
  const v = cond.value;
  const greater = cond.op === "SCMP_CMP_GT" || cond.op === "SCMP_CMP_GE";
  if (wide) {
    const equalHigh = asm.label("ord.eq");
    const lowTest = asm.label("ord.lo");
    asm.ld(DATA.argHigh(cond.index));
    // High word above the value's: GT/GE hold, LT/LE fail. Below: the opposite.
    asm.jump(OP.JGT_K, highWord(v), greater ? match : fail, equalHigh);
    asm.place(equalHigh);
    asm.jump(OP.JEQ_K, highWord(v), lowTest, greater ? fail : match);
    asm.place(lowTest);
  }
  asm.ld(DATA.argLow(cond.index));
  const k = lowWord(v);
  switch (cond.op) {
    case "SCMP_CMP_GT": return asm.jump(OP.JGT_K, k, match, fail);
    case "SCMP_CMP_GE": return asm.jump(OP.JGE_K, k, match, fail);
    case "SCMP_CMP_LT": return asm.jump(OP.JGE_K, k, fail, match);
    case "SCMP_CMP_LE": return asm.jump(OP.JGT_K, k, fail, match);
    default: throw new Error(`seccomp: ${cond.op} is not an ordering`);
  }
}
