import { describe, expect, test } from "bun:test";
import { isSkiffError } from "../../common/errors.ts";
import { ARCHES, type SeccompArch, X32_SYSCALL_BIT, syscallNumber, syscallTable } from "./arches.ts";
import { decodeFilter, OP } from "./bpf.ts";
import { runFilter } from "./bpf-interpreter.ts";
import { compileSeccomp } from "./compile.ts";
import { RET } from "./rules.ts";

const errno = (n: number) => (RET.ERRNO | n) >>> 0;
const EPERM = errno(1);
const ENOSYS = errno(38);
const nr = (arch: SeccompArch, name: string) => {
  const n = syscallNumber(arch, name);
  if (n === undefined) throw new Error(`no ${name} on ${arch}`);
  return n;
};

/** Compiles for `native` and returns a function running a call through the filter. */
function filterOf(profile: unknown, native: SeccompArch = "x86_64") {
  const compiled = compileSeccomp(profile, { arch: native });
  const call = (name: string, args: (bigint | number)[] = [], arch: SeccompArch = native) =>
    runFilter(compiled.filter, { arch: ARCHES[arch].audit, nr: nr(arch, name), args });
  return { compiled, call, raw: (arch: number, number: number) => runFilter(compiled.filter, { arch, nr: number }) };
}

describe("actions", () => {
  test.each([
    ["SCMP_ACT_KILL", RET.KILL_THREAD],
    ["SCMP_ACT_KILL_THREAD", RET.KILL_THREAD],
    ["SCMP_ACT_KILL_PROCESS", RET.KILL_PROCESS],
    ["SCMP_ACT_TRAP", RET.TRAP],
    ["SCMP_ACT_ERRNO", EPERM],
    ["SCMP_ACT_TRACE", (RET.TRACE | 1) >>> 0],
    ["SCMP_ACT_LOG", RET.LOG],
    ["SCMP_ACT_ALLOW", RET.ALLOW],
  ])("a rule with %s returns its value; other calls get the default", (action, value) => {
    const defaultAction = action === "SCMP_ACT_ALLOW" ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW";
    const { call } = filterOf({ defaultAction, syscalls: [{ names: ["getpid"], action }] });
    expect(call("getpid")).toBe(value);
    expect(call("read")).toBe(defaultAction === "SCMP_ACT_ALLOW" ? RET.ALLOW : EPERM);
  });

  test("SCMP_ACT_NOTIFY returns USER_NOTIF and asks for a listener", () => {
    const { call, compiled } = filterOf({ defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/agent.sock", listenerMetadata: "m", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }] });
    expect(call("mkdir")).toBe(RET.USER_NOTIF);
    expect(compiled.notify).toBe(true);
    expect(compiled.flags & 8).toBe(8); // SECCOMP_FILTER_FLAG_NEW_LISTENER
    expect(compiled.listenerPath).toBe("/run/agent.sock");
    expect(compiled.listenerMetadata).toBe("m");
  });

  test("errnoRet sets ERRNO and TRACE data; unset means EPERM", () => {
    const { call } = filterOf({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 },
        { names: ["rmdir"], action: "SCMP_ACT_ERRNO" },
        { names: ["chdir"], action: "SCMP_ACT_TRACE", errnoRet: 42 },
      ],
    });
    expect(call("mkdir")).toBe(errno(13));
    expect(call("rmdir")).toBe(EPERM);
    expect(call("chdir")).toBe((RET.TRACE | 42) >>> 0);
  });

  test("defaultErrnoRet sets the default's errno; rules without errnoRet still get EPERM (runc)", () => {
    const { call } = filterOf({ defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38, syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" }, { names: ["mount"], action: "SCMP_ACT_ERRNO" }] });
    expect(call("read")).toBe(RET.ALLOW);
    expect(call("write")).toBe(ENOSYS);
    expect(call("mount")).toBe(EPERM);
  });

  test("a rule whose action equals the default is dropped, so a later rule decides (runc)", () => {
    const { call } = filterOf({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ALLOW" }, { names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] });
    expect(call("mkdir")).toBe(EPERM);
  });
});

describe("argument comparisons", () => {
  const big = 0x1_0000_0005n; // differs from 5 only in the high word
  const cases: [string, bigint, bigint, [bigint, boolean][]][] = [
    ["SCMP_CMP_EQ", big, 0n, [[big, true], [5n, false], [0x2_0000_0005n, false], [big + 1n, false]]],
    ["SCMP_CMP_NE", big, 0n, [[big, false], [5n, true], [big + 1n, true]]],
    ["SCMP_CMP_LT", big, 0n, [[big - 1n, true], [5n, true], [big, false], [0x2_0000_0000n, false], [0x1_0000_0006n, false]]],
    ["SCMP_CMP_LE", big, 0n, [[big, true], [4n, true], [big + 1n, false], [0xffff_ffff_ffff_ffffn, false]]],
    ["SCMP_CMP_GT", big, 0n, [[big + 1n, true], [0x2_0000_0000n, true], [big, false], [0xffff_ffffn, false]]],
    ["SCMP_CMP_GE", big, 0n, [[big, true], [0xffff_ffff_ffff_ffffn, true], [big - 1n, false], [6n, false]]],
    ["SCMP_CMP_MASKED_EQ", 0xff00_0000_0000_00ffn, 0x1200_0000_0000_0034n, [[0x12ab_cdef_0000_1234n, true], [0x1200_0000_0000_0035n, false], [0x1300_0000_0000_0034n, false]]],
  ];
  for (const [op, value, valueTwo, checks] of cases)
    test(`${op} compares all 64 bits on x86_64`, () => {
      const { call } = filterOf({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["ioctl"], action: "SCMP_ACT_ERRNO", args: [{ index: 2, value, valueTwo, op }] }] });
      for (const [arg, hit] of checks) expect([op, arg, call("ioctl", [0, 0, arg])]).toEqual([op, arg, hit ? EPERM : RET.ALLOW]);
    });

  test("32-bit ABIs compare only the low word, as libseccomp does", () => {
    const { call } = filterOf({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86"], syscalls: [{ names: ["ioctl"], action: "SCMP_ACT_ERRNO", args: [{ index: 1, value: 0x1_0000_0005, op: "SCMP_CMP_EQ" }] }] });
    expect(call("ioctl", [0, 5], "i386")).toBe(EPERM);
    expect(call("ioctl", [0, 0x1_0000_0005], "i386")).toBe(EPERM);
    expect(call("ioctl", [0, 5], "x86_64")).toBe(RET.ALLOW);
    expect(call("ioctl", [0, 0x1_0000_0005], "x86_64")).toBe(EPERM);
  });

  test("every argument index reads its own slot", () => {
    const syscalls = [0, 1, 2, 3, 4, 5].map((i) => ({ names: ["prctl"], action: "SCMP_ACT_ERRNO", errnoRet: 10 + i, args: [{ index: i, value: 7, op: "SCMP_CMP_EQ" }] }));
    const { call } = filterOf({ defaultAction: "SCMP_ACT_ALLOW", syscalls });
    for (let i = 0; i < 6; i++) expect(call("prctl", Array.from({ length: 6 }, (_, j) => (j === i ? 7 : 0)))).toBe(errno(10 + i));
    expect(call("prctl", [])).toBe(RET.ALLOW);
  });

  test("conditions of one rule are ANDed; rules of one syscall are tried in order", () => {
    const { call } = filterOf({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        { names: ["socket"], action: "SCMP_ACT_ERRNO", errnoRet: 1, args: [{ index: 0, value: 16, op: "SCMP_CMP_EQ" }, { index: 2, value: 9, op: "SCMP_CMP_EQ" }] },
        { names: ["socket"], action: "SCMP_ACT_ERRNO", errnoRet: 2, args: [{ index: 0, value: 16, op: "SCMP_CMP_EQ" }] },
      ],
    });
    expect(call("socket", [16, 0, 9])).toBe(errno(1));
    expect(call("socket", [16, 0, 0])).toBe(errno(2));
    expect(call("socket", [2, 0, 9])).toBe(RET.ALLOW);
  });

  test("the same index twice in one rule means either condition (runc)", () => {
    const { call } = filterOf({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["personality"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }, { index: 0, value: 8, op: "SCMP_CMP_EQ" }] }] });
    expect(call("personality", [0])).toBe(RET.ALLOW);
    expect(call("personality", [8])).toBe(RET.ALLOW);
    expect(call("personality", [9])).toBe(EPERM);
  });

  test("an unconditional rule decides its syscall whatever the order (libseccomp)", () => {
    const { call } = filterOf({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 3, args: [{ index: 1, value: 9, op: "SCMP_CMP_EQ" }] }, { names: ["kill"], action: "SCMP_ACT_LOG" }] });
    expect(call("kill", [1, 9])).toBe(RET.LOG);
  });

  test("the largest value (-1 as u64) survives JSON parsing", () => {
    const profile = JSON.parse('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["lseek"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}');
    const { call } = filterOf(profile);
    expect(call("lseek", [0, 0xffff_ffff_ffff_ffffn])).toBe(EPERM);
    expect(call("lseek", [0, 0xffff_ffff_ffff_fffen])).toBe(RET.ALLOW);
  });
});

describe("architectures", () => {
  const profile = (architectures: string[]) => ({ defaultAction: "SCMP_ACT_ERRNO", architectures, syscalls: [{ names: ["read", "getpid", "set_tls"], action: "SCMP_ACT_ALLOW" }] });

  test("x86_64, i386 and x32 each use their own numbers", () => {
    const { call } = filterOf(profile(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]));
    for (const arch of ["x86_64", "i386", "x32"] as const) {
      expect(call("read", [], arch)).toBe(RET.ALLOW);
      expect(call("getpid", [], arch)).toBe(RET.ALLOW);
      expect(call("write", [], arch)).toBe(EPERM);
    }
    expect(nr("i386", "getpid")).toBe(20);
    expect(nr("x32", "read")).toBe(X32_SYSCALL_BIT);
  });

  test("a call under an unlisted architecture is killed (libseccomp's bad-arch action)", () => {
    const { raw } = filterOf(profile([]));
    expect(raw(ARCHES.i386.audit, 3)).toBe(RET.KILL_THREAD);
    expect(raw(ARCHES.aarch64.audit, 63)).toBe(RET.KILL_THREAD);
    expect(raw(0x12345678, 0)).toBe(RET.KILL_THREAD);
    // x32 numbers on AUDIT_ARCH_X86_64 are another ABI: killed unless x32 is listed.
    expect(raw(ARCHES.x86_64.audit, X32_SYSCALL_BIT)).toBe(RET.KILL_THREAD);
    expect(raw(ARCHES.x86_64.audit, 0)).toBe(RET.ALLOW);
  });

  test("x32 alone leaves plain x86_64 numbers to the native section", () => {
    const { raw } = filterOf(profile(["SCMP_ARCH_X32"]), "i386");
    expect(raw(ARCHES.x86_64.audit, X32_SYSCALL_BIT)).toBe(RET.ALLOW);
    expect(raw(ARCHES.x86_64.audit, 0)).toBe(RET.KILL_THREAD);
    expect(raw(ARCHES.i386.audit, 3)).toBe(RET.ALLOW);
  });

  test("aarch64 with arm, including arm's private calls", () => {
    const { call } = filterOf(profile(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]), "aarch64");
    expect(call("read", [], "aarch64")).toBe(RET.ALLOW);
    expect(call("read", [], "arm")).toBe(RET.ALLOW);
    expect(call("set_tls", [], "arm")).toBe(RET.ALLOW);
    expect(call("write", [], "arm")).toBe(EPERM);
  });

  test("foreign architectures are skipped and reported; unknown ones are an error", () => {
    const { compiled } = filterOf(profile(["SCMP_ARCH_X86_64", "SCMP_ARCH_S390X", "SCMP_ARCH_PPC64LE"]));
    expect(compiled.skippedArchitectures).toEqual(["SCMP_ARCH_S390X", "SCMP_ARCH_PPC64LE"]);
    expect(() => compileSeccomp(profile(["SCMP_ARCH_Z80"]), { arch: "x86_64" })).toThrow(/unknown architecture "SCMP_ARCH_Z80"/);
  });
});

describe("unknown and newer syscalls", () => {
  test("unknown names are skipped and listed; the rest of the rule applies", () => {
    const { call, compiled } = filterOf({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read", "no_such_call", "also_not"], action: "SCMP_ACT_ALLOW" }] });
    expect(compiled.skipped).toEqual(["no_such_call", "also_not"]);
    expect(call("read")).toBe(RET.ALLOW);
  });

  test("syscalls numbered above every named one get ENOSYS (runc's stub)", () => {
    const { call, raw } = filterOf({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read", "openat2"], action: "SCMP_ACT_ALLOW" }] });
    expect(call("clone3")).toBe(EPERM); // 435 < openat2's 437
    expect(call("faccessat2")).toBe(ENOSYS); // 439
    expect(raw(ARCHES.x86_64.audit, 1000)).toBe(ENOSYS);
  });

  test.each(["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"])("no ENOSYS stub when the default is %s", (defaultAction) => {
    const { raw } = filterOf({ defaultAction, syscalls: [{ names: ["read"], action: "SCMP_ACT_KILL" }] });
    expect(raw(ARCHES.x86_64.audit, 1000)).not.toBe(ENOSYS);
  });
});

describe("flags", () => {
  test("profile flags become seccomp() flags; TSYNC is left out", () => {
    const { compiled } = filterOf({ defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"] });
    expect(compiled.flags).toBe(2 | 4);
    expect(compiled.notify).toBe(false);
  });
});

describe("program size", () => {
  test("long programs reach far targets through ja and stay correct", () => {
    // Every x86_64 syscall with two conditional rules: thousands of instructions, many jumps > 255.
    const allNames = [...new Map([...syscallTable("x86_64")].map(([name, n]) => [n, name])).values()].slice(0, 200);
    const syscalls = allNames.flatMap((n, i) => [
      { names: [n], action: "SCMP_ACT_ERRNO", errnoRet: (i % 100) + 1, args: [{ index: 0, value: i, op: "SCMP_CMP_EQ" }] },
      { names: [n], action: "SCMP_ACT_TRACE", errnoRet: i, args: [{ index: 1, value: 0x1_0000_0000 + i, op: "SCMP_CMP_GE" }] },
    ]);
    const { compiled, call } = filterOf({ defaultAction: "SCMP_ACT_ALLOW", syscalls });
    const insns = decodeFilter(compiled.filter);
    expect(insns.length).toBeGreaterThan(2000);
    expect(insns.length).toBeLessThanOrEqual(4096);
    expect(insns.some((x) => x.code === OP.JA && x.k > 255)).toBe(true);
    allNames.forEach((n, i) => {
      expect(call(n, [i])).toBe(errno((i % 100) + 1));
      expect(call(n, [i + 1, 0x1_0000_0000 + i])).toBe((RET.TRACE | i) >>> 0);
      expect(call(n, [i + 1, 0xffff_ffff])).toBe(RET.ALLOW);
    });
  });

  test("a program over 4096 instructions is refused", () => {
    const syscalls = [...Array(1200).keys()].map((i) => ({ names: ["ioctl"], action: "SCMP_ACT_ERRNO", args: [{ index: 1, value: i, op: "SCMP_CMP_EQ" }] }));
    let err: unknown;
    try {
      compileSeccomp({ defaultAction: "SCMP_ACT_ALLOW", syscalls }, { arch: "x86_64" });
    } catch (e) {
      err = e;
    }
    expect(isSkiffError(err) && err.code).toBe("RUNTIME_SECCOMP_TOO_LARGE");
  });
});

