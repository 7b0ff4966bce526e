// The device rules of a cgroup v2 container as a BPF_PROG_TYPE_CGROUP_DEVICE program, in the raw
// instruction bytes bpf(BPF_PROG_LOAD) takes (the C side loads and attaches it; no helpers are
// called, so any license string will do).
//
// Context (include/uapi/linux/bpf.h): struct bpf_cgroup_dev_ctx { u32 access_type; u32 major;
// u32 minor; }, access_type = type (BPF_DEVCG_DEV_BLOCK 1, CHAR 2) in the low 16 bits and the
// requested access (MKNOD 1, READ 2, WRITE 4; several at once for O_RDWR) in the high 16. The
// program returns 1 to allow, 0 to deny (-EPERM).
//
// Semantics: those of the v1 devices cgroup, so a config means the same on both versions. The
// rule list is first reduced by emulateDeviceRules (device-rules.ts) to a default verdict and a
// set of exceptions that all carry the opposite verdict; "the last rule wins" is already resolved
// there, so the program tests the exceptions in any order, stops at the first match, and otherwise
// returns the default. As in the kernel's v1 check (devcgroup_legacy_check_permission):
//   - allow-list (default deny): allowed only if one exception covers the device and *all* the
//     requested access bits;
//   - deny-list (default allow): denied if one exception covers the device and *any* requested bit.
// runc's devicefilter tests both with "all bits", which lets an O_RDWR open through a deny rule
// for "w"; this program follows the kernel. Wildcard major/minor (-1) skip that comparison.
import { invalid } from "../../common/errors.ts";
import type { DeviceState } from "./device-rules.ts";

// Opcode = class | operation | source (include/uapi/linux/bpf.h, bpf_common.h).
const LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const ALU32_AND_K = 0x54; // BPF_ALU | BPF_AND | BPF_K
const ALU32_RSH_K = 0x74; // BPF_ALU | BPF_RSH | BPF_K
const ALU32_MOV_K = 0xb4; // BPF_ALU | BPF_MOV | BPF_K
const ALU32_MOV_X = 0xbc; // BPF_ALU | BPF_MOV | BPF_X
const JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JNE_K = 0x55; // BPF_JMP | BPF_JNE | BPF_K
const JNE_X = 0x5d; // BPF_JMP | BPF_JNE | BPF_X
const EXIT = 0x95; // BPF_JMP | BPF_EXIT

const DEV_TYPE = { b: 1, c: 2 } as const;
const ACC = { m: 1, r: 2, w: 4 } as const;

interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  /** A jump to the next rule's block, resolved once the block's length is known. */
  toNext?: boolean;
}

const insn = (code: number, dst: number, src: number, off: number, imm: number, toNext?: boolean): Insn => ({ code, dst, src, off, imm, toNext });

/** Compiles an emulated device state into eBPF instructions, 8 little-endian bytes each. */
export function compileDeviceFilter(state: DeviceState): Uint8Array {
  // r1 = ctx; r2 = type; r3 = requested access; r4 = major; r5 = minor. r1 is reused as scratch.
  const prog: Insn[] = [
    insn(LDX_MEM_W, 2, 1, 0, 0),
    insn(ALU32_AND_K, 2, 0, 0, 0xffff),
    insn(LDX_MEM_W, 3, 1, 0, 0),
    insn(ALU32_RSH_K, 3, 0, 0, 16),
    insn(LDX_MEM_W, 4, 1, 4, 0),
    insn(LDX_MEM_W, 5, 1, 8, 0),
  ];
  for (const e of state.exceptions) {
    if (e.type === "a" || e.allow === state.defaultAllow) throw new Error(`device state exception ${JSON.stringify(e)} is not a clean exception`);
    const block: Insn[] = [insn(JNE_K, 2, 0, 0, DEV_TYPE[e.type], true)];
    const bits = [...e.access].reduce((a, c) => a | ACC[c as keyof typeof ACC], 0);
    if (bits !== 7) {
      block.push(insn(ALU32_MOV_X, 1, 3, 0, 0), insn(ALU32_AND_K, 1, 0, 0, bits));
      // allow exception: (req & bits) must equal req; deny exception: (req & bits) must be non-zero.
      block.push(e.allow ? insn(JNE_X, 1, 3, 0, 0, true) : insn(JEQ_K, 1, 0, 0, 0, true));
    }
    // Immediates are sign-extended to 64 bits against the zero-extended u32 in r4/r5, so a number
    // of 2^31 or more could never match; real ones have 12 (major) and 20 (minor) bits.
    for (const [reg, n, what] of [[4, e.major, "major"], [5, e.minor, "minor"]] as const) {
      if (n < 0) continue;
      if (n > 0x7fffffff) throw invalid("runtime", "RUNTIME_CGROUP_INVALID", `compile the device rule for ${what} ${n}: device numbers must be below 2^31`, "fix linux.resources.devices", { field: "linux.resources.devices" });
      block.push(insn(JNE_K, reg, 0, 0, n, true));
    }
    block.push(insn(ALU32_MOV_K, 0, 0, 0, e.allow ? 1 : 0), insn(EXIT, 0, 0, 0, 0));
    block.forEach((b, i) => {
      if (b.toNext) b.off = block.length - i - 1;
    });
    prog.push(...block);
  }
  prog.push(insn(ALU32_MOV_K, 0, 0, 0, state.defaultAllow ? 1 : 0), insn(EXIT, 0, 0, 0, 0));
  const bytes = new Uint8Array(prog.length * 8);
  const view = new DataView(bytes.buffer);
  prog.forEach((p, i) => {
    view.setUint8(i * 8, p.code);
    view.setUint8(i * 8 + 1, (p.src << 4) | p.dst);
    view.setInt16(i * 8 + 2, p.off, true);
    view.setInt32(i * 8 + 4, p.imm, true);
  });
  return bytes;
}
