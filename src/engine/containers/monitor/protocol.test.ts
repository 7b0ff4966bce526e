import { describe, expect, test } from "bun:test";
import { ATTACH, REPLY, REQUEST, START_MSG, START_STEP, STREAM } from "./protocol.ts";

describe("the monitor's protocol", () => {
  test("no number is used twice within a table", () => {
    const steps = Object.values(START_STEP).map((s) => s.code);
    for (const values of [Object.values(START_MSG), steps, Object.values(REQUEST), Object.values(REPLY), Object.values(STREAM)]) expect(new Set(values).size).toBe(values.length);
    const flags = Object.values(ATTACH);
    expect(flags.every((f) => (f & (f - 1)) === 0)).toBe(true); // single bits
    expect(new Set(flags).size).toBe(flags.length);
  });
});
