// Properties of the plan's wire format for fast-check, run against the real C decoder (the
// executor, native/gen/ops.h and native/exec/cursor.h): a short seeded run in
// plan-codec-fuzz.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// Every plan starts with a guard step, `setsid`, which the executor's first process refuses
// (EINVAL at step 0) only after it has decoded the whole plan: nothing of a fuzzed plan runs.
//
// - encoded: any steps the TypeScript encoder writes (every op, empty and long strings and lists,
//   extreme integers) are all decoded by the executor: its answer is EINVAL at the guard.
// - mutated: the same plans with lengths, counts and bytes changed, cut or extended are refused
//   with EPROTO naming a step (or decoded whole, then EINVAL at the guard); the executor never
//   dies by a signal, never hangs, and says exactly one thing.
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nativeExecutorPath } from "../executor.ts";
import { encodePlan } from "./encode.ts";
import { MSG, OPS, type FieldType, type OpName } from "./ops.ts";
import { step, type Step } from "./step.ts";

const EINVAL = 22;
const EPROTO = 71;
const GUARD = step("setsid", {}, "guard: refused by the launcher");
const GUARD_END = 12 + 8; // header, then the guard's opcode and payload length

const text = fc.oneof(fc.string({ maxLength: 12 }).filter((s) => !s.includes("\0")), fc.constantFrom("", "x".repeat(5000), "é日本"));
const FIELD: Record<FieldType, fc.Arbitrary<unknown>> = {
  u32: fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff), fc.nat({ max: 0xffffffff })),
  u64: fc.oneof(fc.constantFrom(0n, (1n << 64n) - 1n, 1n << 63n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
  str: text,
  strs: fc.oneof(fc.array(text, { maxLength: 4 }), fc.constant(Array.from({ length: 3000 }, () => ""))),
  u32s: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 6 }),
  bytes: fc.uint8Array({ maxLength: 64 }),
};
const anyStep: fc.Arbitrary<Step> = fc.constantFrom(...(Object.keys(OPS) as OpName[])).chain((op) => {
  const fields = Object.fromEntries(OPS[op].fields.map(([name, type]) => [name, FIELD[type]]));
  return fc.record(fields).map((args) => step(op, args as never, op));
});
const plan = fc.array(anyStep, { maxLength: 8 }).map((steps) => encodePlan([GUARD, ...steps]));

/** Runs the executor on plan bytes; returns its exit status, signal and report messages. */
export function decodeWithExecutor(bytes: Uint8Array): { status: number | null; signal: string | null; messages: number[][] } {
  const dir = mkdtempSync(join(tmpdir(), "skiff-plan-fuzz-"));
  writeFileSync(join(dir, "plan"), bytes);
  const planFd = openSync(join(dir, "plan"), "r");
  const reportFd = openSync(join(dir, "report"), "w");
  try {
    const r = spawnSync(nativeExecutorPath(), ["3", "4"], { stdio: ["ignore", "ignore", "ignore", planFd, reportFd], timeout: 10_000, env: {} });
    const report = readFileSync(join(dir, "report"));
    const messages: number[][] = [];
    for (let at = 0; at + 16 <= report.length; at += 16) messages.push([0, 4, 8, 12].map((o) => report.readInt32LE(at + o)));
    return { status: r.status, signal: r.signal, messages };
  } finally {
    closeSync(planFd);
    closeSync(reportFd);
    rmSync(dir, { recursive: true, force: true });
  }
}

const encoded = () =>
  fc.property(plan, (bytes) => {
    const r = decodeWithExecutor(bytes);
    if (r.status !== 1 || JSON.stringify(r.messages) !== JSON.stringify([[MSG.error, 0, EINVAL, 0]]))
      throw new Error(`the executor did not decode the whole plan: ${JSON.stringify(r)}`);
  });

/** A change to plan bytes after the guard (or to the step count). */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("u32" as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, 4, 5, 0x7fffffff, 0xffffffff, 0x10000, 100001), fc.nat({ max: 0xffffffff })) }),
  fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat(), value: fc.constant(0) }),
  fc.record({ kind: fc.constant("grow" as const), at: fc.nat({ max: 64 }), value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant("count" as const), at: fc.constant(0), value: fc.oneof(fc.nat({ max: 12 }), fc.constantFrom(100000, 100001, 0xffffffff)) }),
);

function mutate(bytes: Uint8Array, list: { kind: string; at: number; value: number }[]): Uint8Array {
  let b = Buffer.from(bytes);
  for (const m of list) {
    const room = b.length - GUARD_END;
    if (m.kind === "count") b.writeUInt32LE(m.value, 8);
    else if (m.kind === "grow") b = Buffer.concat([b, Buffer.alloc(m.at, m.value)]);
    else if (room <= 0) continue;
    else if (m.kind === "cut") b = b.subarray(0, GUARD_END + (m.at % room));
    else if (m.kind === "byte") b[GUARD_END + (m.at % room)] = m.value;
    else if (room >= 4) b.writeUInt32LE(m.value, GUARD_END + (m.at % (room - 3)));
  }
  return b;
}

const mutated = () =>
  fc.property(plan, fc.array(mutation, { minLength: 1, maxLength: 4 }), (bytes, list) => {
    const r = decodeWithExecutor(mutate(bytes, list));
    const [m] = r.messages;
    const ok = r.signal === null && r.messages.length === 1 && m![0] === MSG.error && ((m![2] === EPROTO && (r.status === 1 || r.status === 125)) || (m![1] === 0 && m![2] === EINVAL && r.status === 1));
    if (!ok) throw new Error(`the executor's answer to a malformed plan: ${JSON.stringify(r)}`);
  });

export const CODEC_PROPERTIES: Record<"encoded" | "mutated", () => fc.IRawProperty<any>> = { encoded, mutated };
