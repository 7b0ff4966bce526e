import { expect, test } from "bun:test";
import { encodePlan } from "./encode.ts";
import { OPS, PLAN_MAGIC, PLAN_VERSION } from "./ops.ts";
import { step } from "./step.ts";

test("encodes the header, then each step as opcode, payload length and fields", () => {
  const bytes = encodePlan([step("sethostname", { name: "box" }, "x"), step("setUser", { uid: 1, gid: 2, groups: [3, 4], setgroups: 1 }, "y")]);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect([v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true)]).toEqual([PLAN_MAGIC, PLAN_VERSION, 2]);
  expect(v.getUint32(12, true)).toBe(OPS.sethostname.code);
  expect(v.getUint32(16, true)).toBe(4 + 4);
  expect(v.getUint32(20, true)).toBe(4);
  expect(new TextDecoder().decode(bytes.subarray(24, 28))).toBe("box\0");
  expect(v.getUint32(28, true)).toBe(OPS.setUser.code);
  expect(v.getUint32(32, true)).toBe(4 * 6);
  expect([...new Uint32Array(bytes.slice(36, 60).buffer)]).toEqual([1, 2, 2, 3, 4, 1]);
});

test("encodes 64-bit values, including all ones", () => {
  const bytes = encodePlan([step("setrlimit", { resource: 7, soft: 2n ** 64n - 1n, hard: 5 }, "r")]);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(v.getBigUint64(24, true)).toBe(2n ** 64n - 1n);
  expect(v.getBigUint64(32, true)).toBe(5n);
});

test("refuses strings with NUL and numbers out of range", () => {
  expect(() => encodePlan([step("sethostname", { name: "a\0b" }, "x")])).toThrow(/NUL/);
  expect(() => encodePlan([step("umask", { mask: -1 }, "x")])).toThrow(/out of range/);
});

test("every opcode is distinct", () => {
  const codes = Object.values(OPS).map((o) => o.code);
  expect(new Set(codes).size).toBe(codes.length);
});
