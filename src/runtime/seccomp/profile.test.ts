import { describe, expect, test } from "bun:test";
import { isSkiffError } from "../../common/errors.ts";
import { Assembler, OP } from "./bpf.ts";
import { runFilter } from "./bpf-interpreter.ts";
import { compileSeccomp } from "./compile.ts";
import { readSeccompProfile } from "./profile.ts";

const ok = { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" }] };
const rule = (extra: Record<string, unknown>) => ({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["read"], action: "SCMP_ACT_ERRNO", ...extra }] });
const arg = (extra: Record<string, unknown>) => rule({ args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ", ...extra }] });

describe("bad profiles are refused with the field named", () => {
  const cases: [string, unknown, RegExp][] = [
    ["not an object", [], /linux\.seccomp must be an object/],
    ["no defaultAction", {}, /linux\.seccomp\.defaultAction must be a string/],
    ["unknown default action", { defaultAction: "SCMP_ACT_MAYBE" }, /unknown action "SCMP_ACT_MAYBE"/],
    ["NOTIFY as default", { defaultAction: "SCMP_ACT_NOTIFY" }, /defaultAction cannot be SCMP_ACT_NOTIFY/],
    ["defaultErrnoRet not a number", { defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: "1" }, /defaultErrnoRet must be an integer/],
    ["defaultErrnoRet negative", { defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: -1 }, /defaultErrnoRet must be an integer in \[0, 65535\]/],
    ["defaultErrnoRet with ALLOW", { defaultAction: "SCMP_ACT_ALLOW", defaultErrnoRet: 1 }, /defaultErrnoRet is set but action SCMP_ACT_ALLOW returns no errno/],
    ["architectures not an array", { ...ok, architectures: "SCMP_ARCH_X86_64" }, /architectures must be an array/],
    ["unknown flag", { ...ok, flags: ["SECCOMP_FILTER_FLAG_FAST"] }, /unknown seccomp flag "SECCOMP_FILTER_FLAG_FAST"/],
    ["WAIT_KILLABLE_RECV without notify", { ...ok, flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"] }, /no rule uses SCMP_ACT_NOTIFY/],
    ["syscalls not an array", { ...ok, syscalls: {} }, /syscalls must be an array/],
    ["rule without names", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ action: "SCMP_ACT_ERRNO" }] }, /syscalls\[0\]\.names must be a non-empty array/],
    ["empty name", rule({ names: [""] }), /syscalls\[0\]\.names\[0\] must be a syscall name/],
    ["name not a string", rule({ names: [3] }), /syscalls\[0\]\.names\[0\] must be a string/],
    ["unknown rule action", rule({ action: "SCMP_ACT_PANIC" }), /syscalls\[0\]\.action: unknown action "SCMP_ACT_PANIC"/],
    ["errnoRet too large", rule({ errnoRet: 70000 }), /syscalls\[0\]\.errnoRet must be an integer in \[0, 65535\]/],
    ["errnoRet on KILL", rule({ action: "SCMP_ACT_KILL", errnoRet: 1 }), /errnoRet is set but action SCMP_ACT_KILL/],
    ["notify on write", { defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/a", syscalls: [{ names: ["write"], action: "SCMP_ACT_NOTIFY" }] }, /cannot be used for the write syscall/],
    ["notify on sendmsg (the executor sends the listener with it)", { defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/a", syscalls: [{ names: ["mkdir", "sendmsg"], action: "SCMP_ACT_NOTIFY" }] }, /cannot be used for the sendmsg syscall/],
    ["notify without listener", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }] }, /sets no listenerPath/],
    ["relative listenerPath", { ...ok, listenerPath: "agent.sock" }, /listenerPath must be an absolute path/],
    ["args not an array", rule({ args: {} }), /args must be an array/],
    ["arg index 6", arg({ index: 6 }), /args\[0\]\.index must be an integer in \[0, 5\]/],
    ["arg value negative", arg({ value: -1 }), /args\[0\]\.value must be an integer in \[0, 2\^64-1\]/],
    ["arg value fractional", arg({ value: 1.5 }), /args\[0\]\.value must be an integer/],
    ["arg value a string", arg({ value: "1" }), /args\[0\]\.value must be an integer/],
    ["arg valueTwo too large", arg({ valueTwo: 2n ** 64n }), /args\[0\]\.valueTwo must be an integer/],
    ["unknown operator", arg({ op: "SCMP_CMP_ABOUT" }), /unknown operator "SCMP_CMP_ABOUT"/],
    ["no operator", arg({ op: undefined }), /args\[0\]\.op must be a string/],
  ];
  test.each(cases)("%s", (_name, profile, message) => {
    let err: unknown;
    try {
      compileSeccomp(profile, { arch: "x86_64" });
    } catch (e) {
      err = e;
    }
    expect(isSkiffError(err)).toBe(true);
    if (!isSkiffError(err)) return;
    expect(err.code).toBe("RUNTIME_SECCOMP_INVALID");
    expect(err.kind).toBe("invalid_argument");
    expect(err.message).toMatch(message);
    expect(err.message).toStartWith("read config.json: ");
  });
});

test("a valid profile reads into typed data", () => {
  const p = readSeccompProfile({ ...arg({ value: 2n ** 63n, valueTwo: 3 }), flags: ["SECCOMP_FILTER_FLAG_LOG"] });
  expect(p.syscalls[0]!.args[0]).toEqual({ index: 0, value: 2n ** 63n, valueTwo: 3n, op: "SCMP_CMP_EQ" });
  expect(p.flags).toEqual(["SECCOMP_FILTER_FLAG_LOG"]);
  expect(p.architectures).toEqual([]);
});

test("the assembler reaches targets beyond 255 instructions on both branches", () => {
  const asm = new Assembler();
  const yes = asm.label("yes");
  const no = asm.label("no");
  asm.ld(0);
  asm.jump(OP.JEQ_K, 7, yes, no);
  for (let i = 0; i < 300; i++) asm.ret(1000 + i); // filler nobody reaches
  asm.place(yes);
  for (let i = 0; i < 300; i++) asm.ld(0); // more distance between the two targets
  asm.ret(1);
  asm.place(no);
  asm.ret(2);
  const insns = asm.assemble();
  expect(insns[1]).toMatchObject({ code: OP.JEQ_K, jt: 0, jf: 1 });
  expect(runFilter(insns, { nr: 7, arch: 0 })).toBe(1);
  expect(runFilter(insns, { nr: 8, arch: 0 })).toBe(2);
});
