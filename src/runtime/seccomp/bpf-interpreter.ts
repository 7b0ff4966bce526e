// A classic BPF interpreter for seccomp programs, used by the tests to run compiled filters against
// synthetic seccomp_data. It checks a program the way the kernel does before running it
// (bpf_check_classic + seccomp_check_filter: size, forward jumps in range, aligned loads inside
// seccomp_data, a return at the end) and supports the instructions seccomp accepts that we emit.
import { decodeFilter, type Insn, MAX_INSNS, OP } from "./bpf.ts";

export interface SeccompData {
  nr: number;
  arch: number;
  instructionPointer?: bigint;
  /** Up to six u64 arguments; missing ones are 0. */
  args?: readonly (bigint | number)[];
}

const SECCOMP_DATA_SIZE = 64;

/** Throws if the kernel would refuse the program with EINVAL. */
export function checkProgram(insns: readonly Insn[]): void {
  if (insns.length === 0 || insns.length > MAX_INSNS) throw new Error(`program length ${insns.length} out of range`);
  insns.forEach((insn, pc) => {
    const after = insns.length - pc - 1;
    switch (insn.code) {
      case OP.LD_W_ABS:
        if (insn.k % 4 !== 0 || insn.k >= SECCOMP_DATA_SIZE) throw new Error(`pc ${pc}: load at ${insn.k} outside seccomp_data`);
        break;
      case OP.JA:
        if (insn.k >= after) throw new Error(`pc ${pc}: ja ${insn.k} out of range`);
        break;
      case OP.JEQ_K:
      case OP.JGT_K:
      case OP.JGE_K:
      case OP.JSET_K:
        if (insn.jt >= after || insn.jf >= after) throw new Error(`pc ${pc}: jump ${insn.jt}/${insn.jf} out of range`);
        break;
      case OP.ALU_AND_K:
      case OP.RET_K:
        break;
      default:
        throw new Error(`pc ${pc}: opcode 0x${insn.code.toString(16)} not supported`);
    }
  });
  if (insns.at(-1)!.code !== OP.RET_K) throw new Error("program does not end with ret");
}

function word(data: SeccompData, offset: number): number {
  if (offset === 0) return data.nr >>> 0;
  if (offset === 4) return data.arch >>> 0;
  const field = offset < 16 ? (data.instructionPointer ?? 0n) : BigInt(data.args?.[(offset - 16) >> 3] ?? 0);
  const u64 = BigInt.asUintN(64, field);
  return Number(offset % 8 === 0 ? u64 & 0xffffffffn : u64 >> 32n);
}

/** Runs a program (bytes or decoded) and returns the seccomp return value as an unsigned 32-bit number. */
export function runFilter(program: Uint8Array | readonly Insn[], data: SeccompData): number {
  const insns = program instanceof Uint8Array ? decodeFilter(program) : program;
  checkProgram(insns);
  let a = 0;
  for (let pc = 0; pc < insns.length; pc++) {
    const { code, jt, jf, k } = insns[pc]!;
    switch (code) {
      case OP.LD_W_ABS: a = word(data, k); break;
      case OP.ALU_AND_K: a = (a & k) >>> 0; break;
      case OP.JA: pc += k; break;
      case OP.JEQ_K: pc += a === k ? jt : jf; break;
      case OP.JGT_K: pc += a > k ? jt : jf; break;
      case OP.JGE_K: pc += a >= k ? jt : jf; break;
      case OP.JSET_K: pc += (a & k) !== 0 ? jt : jf; break;
      case OP.RET_K: return k >>> 0;
    }
  }
  throw new Error("fell off the end of the program");
}
