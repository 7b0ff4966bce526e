import { describe, expect, test } from "bun:test";
import { containerDeviceRules, emulateDeviceRules, type DeviceState, type SourcedRule } from "./device-rules.ts";
import { compileDeviceFilter } from "./devices-ebpf.ts";
import type { DeviceRule } from "./resources.ts";

/** A tiny eBPF interpreter for the instructions the compiler emits, written from the kernel's
 * encoding (include/uapi/linux/bpf.h), not from the compiler: 64-bit registers, ALU32 results
 * zero-extended, K operands sign-extended. It also checks what the verifier would: jumps stay in
 * the program and every path ends in exit with r0 set. */
function run(prog: Uint8Array, ctx: { type: number; access: number; major: number; minor: number }): number {
  const view = new DataView(prog.buffer, prog.byteOffset, prog.byteLength);
  const n = prog.length / 8;
  const CTX = -1n; // r1 holds the context pointer until overwritten
  const mem = new DataView(new ArrayBuffer(12));
  mem.setUint32(0, (ctx.access << 16) | ctx.type, true);
  mem.setUint32(4, ctx.major, true);
  mem.setUint32(8, ctx.minor, true);
  const reg: (bigint | undefined)[] = [undefined, CTX];
  const u64 = (x: bigint) => BigInt.asUintN(64, x);
  const u32 = (x: bigint) => BigInt.asUintN(32, x);
  const get = (r: number) => {
    const v = reg[r];
    if (v === undefined) throw new Error(`read of uninitialised r${r}`);
    return v;
  };
  for (let pc = 0, steps = 0; steps < 10000; steps++) {
    if (pc < 0 || pc >= n) throw new Error(`pc ${pc} outside the program`);
    const code = view.getUint8(pc * 8);
    const dst = view.getUint8(pc * 8 + 1) & 0xf;
    const src = view.getUint8(pc * 8 + 1) >> 4;
    const off = view.getInt16(pc * 8 + 2, true);
    const imm = BigInt(view.getInt32(pc * 8 + 4, true));
    const k = u64(imm);
    pc++;
    switch (code) {
      case 0x61: // ldxw dst, [src+off]
        if (get(src) !== CTX || off < 0 || off > 8 || off % 4) throw new Error(`bad load at ${pc - 1}`);
        reg[dst] = BigInt(mem.getUint32(off, true));
        break;
      case 0x54: // and32 dst, imm
        reg[dst] = u32(get(dst) & k);
        break;
      case 0x74: // rsh32 dst, imm
        reg[dst] = u32(get(dst)) >> (k & 31n);
        break;
      case 0xb4: // mov32 dst, imm
        reg[dst] = u32(k);
        break;
      case 0xbc: // mov32 dst, src
        reg[dst] = u32(get(src));
        break;
      case 0x15: // jeq dst, imm
        if (get(dst) === k) pc += off;
        break;
      case 0x55: // jne dst, imm
        if (get(dst) !== k) pc += off;
        break;
      case 0x5d: // jne dst, src
        if (get(dst) !== get(src)) pc += off;
        break;
      case 0x95: // exit
        return Number(get(0));
      default:
        throw new Error(`opcode 0x${code.toString(16)} not expected`);
    }
  }
  throw new Error("no exit");
}

const B = 1;
const C = 2;
const [M, R, W] = [1, 2, 4];
const allowed = (prog: Uint8Array, type: number, major: number, minor: number, access: number) => run(prog, { type, major, minor, access }) === 1;

const rule = (allow: boolean, type: DeviceRule["type"], major: number, minor: number, access = "rwm"): SourcedRule => ({ allow, type, major, minor, access, field: "test" });
const compile = (rules: SourcedRule[]) => compileDeviceFilter(emulateDeviceRules(rules));

/** The kernel's v1 check (devcgroup_legacy_check_permission) on an emulated state. */
function reference(state: DeviceState, type: number, major: number, minor: number, access: number): boolean {
  const bits = (a: string) => (a.includes("m") ? M : 0) | (a.includes("r") ? R : 0) | (a.includes("w") ? W : 0);
  const covers = (e: DeviceRule) => (e.type === "b" ? B : C) === type && (e.major < 0 || e.major === major) && (e.minor < 0 || e.minor === minor);
  if (state.defaultAllow) return !state.exceptions.some((e) => covers(e) && (bits(e.access) & access) !== 0);
  return state.exceptions.some((e) => covers(e) && (bits(e.access) & access) === access);
}

describe("compileDeviceFilter", () => {
  test("encodes struct bpf_insn little-endian, dst in the low nibble", () => {
    const prog = compile([rule(false, "a", -1, -1)]);
    // ldxw r2, [r1+0]; …; mov32 r0, 0; exit
    expect([...prog.slice(0, 8)]).toEqual([0x61, 0x12, 0, 0, 0, 0, 0, 0]);
    expect([...prog.slice(8, 16)]).toEqual([0x54, 0x02, 0, 0, 0xff, 0xff, 0, 0]);
    expect([...prog.slice(-16)]).toEqual([0xb4, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
  });

  test("runc's defaults after a deny-all: the standard devices and mknod only", () => {
    const prog = compile(containerDeviceRules([rule(false, "a", -1, -1)]));
    expect(allowed(prog, C, 1, 3, R | W)).toBe(true); // /dev/null
    expect(allowed(prog, C, 1, 9, R)).toBe(true); // /dev/urandom
    expect(allowed(prog, C, 136, 4, R | W)).toBe(true); // /dev/pts/4
    expect(allowed(prog, C, 5, 2, R | W)).toBe(true); // /dev/ptmx
    expect(allowed(prog, C, 10, 200, R | W)).toBe(true); // /dev/net/tun
    expect(allowed(prog, B, 8, 0, M)).toBe(true); // mknod of any block device
    expect(allowed(prog, B, 8, 0, R)).toBe(false); // but not reading it
    expect(allowed(prog, C, 4, 1, W)).toBe(false); // /dev/tty1
    expect(allowed(prog, C, 1, 1, R)).toBe(false); // /dev/mem
    expect(allowed(prog, C, 10, 229, R | W)).toBe(false); // /dev/fuse
  });

  test("an allow rule with partial access needs every requested bit", () => {
    const prog = compile([rule(false, "a", -1, -1), rule(true, "c", 10, 229, "r")]);
    expect(allowed(prog, C, 10, 229, R)).toBe(true);
    expect(allowed(prog, C, 10, 229, W)).toBe(false);
    expect(allowed(prog, C, 10, 229, R | W)).toBe(false);
    expect(allowed(prog, C, 10, 228, R)).toBe(false);
    expect(allowed(prog, B, 10, 229, R)).toBe(false);
  });

  test("a deny rule in an allow-all list refuses any request touching its bits", () => {
    const prog = compile([rule(true, "a", -1, -1), rule(false, "c", 4, 1, "w"), rule(false, "b", 8, -1)]);
    expect(allowed(prog, C, 4, 1, R)).toBe(true);
    expect(allowed(prog, C, 4, 1, W)).toBe(false);
    expect(allowed(prog, C, 4, 1, R | W)).toBe(false); // O_RDWR: the kernel's v1 check denies too
    expect(allowed(prog, B, 8, 17, M)).toBe(false);
    expect(allowed(prog, B, 9, 0, R | W)).toBe(true);
    expect(allowed(prog, C, 8, 0, R)).toBe(true);
  });

  test("the last rule that touches a device wins", () => {
    const narrowed = compile([rule(false, "a", -1, -1), rule(true, "c", 1, 3), rule(false, "c", 1, 3, "w")]);
    expect([allowed(narrowed, C, 1, 3, R), allowed(narrowed, C, 1, 3, W)]).toEqual([true, false]);
    // An "a" rule resets everything before it.
    const reopened = compile([rule(false, "a", -1, -1), rule(true, "c", 5, 1, "r"), rule(true, "a", -1, -1)]);
    expect(allowed(reopened, B, 259, 0, R | W | M)).toBe(true);
    const closed = compile([rule(true, "a", -1, -1), rule(false, "c", 4, 1), rule(false, "a", 1, 3), rule(true, "c", 1, 3, "r")]);
    expect([allowed(closed, C, 1, 3, R), allowed(closed, C, 1, 3, W), allowed(closed, C, 4, 2, R)]).toEqual([true, false, false]);
    // Allowing twice merges access; denying part of it removes just that part.
    const merged = compile([rule(false, "a", -1, -1), rule(true, "b", 7, 0, "r"), rule(true, "b", 7, 0, "w"), rule(false, "b", 7, 0, "r")]);
    expect([allowed(merged, B, 7, 0, W), allowed(merged, B, 7, 0, R)]).toEqual([true, false]);
  });

  test("a rule punching a hole in a wildcard is refused, naming its field", () => {
    const list = containerDeviceRules([{ allow: false, type: "a", major: -1, minor: -1, access: "rwm" }, { allow: true, type: "c", major: 1, minor: -1, access: "rwm" }, { allow: false, type: "c", major: 1, minor: 3, access: "w" }]);
    expect(() => emulateDeviceRules(list)).toThrow('apply linux.resources.devices[2]: cannot deny "c 1:3 w" inside the wildcard rule "c 1:* rwm"');
    // Removing the whole wildcard, or an access it does not grant, is fine.
    expect(() => emulateDeviceRules([rule(false, "a", -1, -1), rule(true, "c", 1, -1, "r"), rule(false, "c", 1, -1, "r"), rule(false, "c", 1, 3, "w")])).not.toThrow();
  });

  test("matches the kernel's v1 check on random rule lists", () => {
    let seed = 42;
    const rand = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % k);
    const pick = <T>(xs: readonly T[]) => xs[rand(xs.length)]!;
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const rules = Array.from({ length: 1 + rand(6) }, () =>
        rand(6) === 0 ? rule(rand(2) === 0, "a", -1, -1) : rule(rand(2) === 0, pick(["b", "c"] as const), pick([-1, 1, 8]), pick([-1, 0, 3]), pick(["r", "w", "m", "rw", "rwm", "wm"])),
      );
      let state: DeviceState;
      try {
        state = emulateDeviceRules(rules);
      } catch {
        continue; // a hole in a wildcard: refused before any program exists
      }
      const prog = compileDeviceFilter(state);
      for (const type of [B, C])
        for (const major of [1, 8, 9])
          for (const minor of [0, 3, 4])
            for (let access = 1; access <= 7; access++) {
              expect(allowed(prog, type, major, minor, access)).toBe(reference(state, type, major, minor, access));
              checked++;
            }
    }
    expect(checked).toBeGreaterThan(10000);
  });
});
