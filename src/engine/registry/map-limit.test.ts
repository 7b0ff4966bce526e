import { expect, test } from "bun:test";
import { mapLimit } from "./map-limit.ts";

test("runs at most `limit` tasks at once and keeps the order of results", async () => {
  let running = 0;
  let peak = 0;
  const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (ms, i) => {
    running++;
    peak = Math.max(peak, running);
    await Bun.sleep(ms * 3);
    running--;
    return i * 10;
  });
  expect(out).toEqual([0, 10, 20, 30, 40, 50]);
  expect(peak).toBe(2);
});

test("after a failure starts nothing new, aborts the running tasks, waits for them, throws the first error", async () => {
  const started: number[] = [];
  let settled = 0;
  let sawAbort = false;
  const p = mapLimit([0, 1, 2, 3, 4], 2, async (x, _i, signal) => {
    started.push(x);
    try {
      if (x === 0) throw new Error("first");
      await Bun.sleep(20);
      sawAbort ||= signal.aborted;
      if (x === 1) throw new Error("second");
    } finally {
      settled++;
    }
  });
  await expect(p).rejects.toThrow("first");
  expect(started).toEqual([0, 1]);
  expect(settled).toBe(2);
  expect(sawAbort).toBe(true);
});

test("an empty list gives an empty result", async () => {
  expect(await mapLimit([], 4, async () => 1)).toEqual([]);
});
