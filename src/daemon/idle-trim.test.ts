import { expect, test } from "bun:test";
import { idleTrim } from "./idle-trim.ts";

test("the trim runs once, delayMs after the last request of a busy spell, and again after the next spell", async () => {
  const at: number[] = [];
  const start = Date.now();
  const t = idleTrim({ delayMs: 80, trim: () => at.push(Date.now() - start) });
  for (let i = 0; i < 5; i++) {
    t.touch();
    await Bun.sleep(30); // requests closer together than delayMs: no trim in between
  }
  expect(at).toHaveLength(0);
  await Bun.sleep(150);
  expect(at).toHaveLength(1);
  expect(at[0]!).toBeGreaterThanOrEqual(4 * 30 + 80 - 5);
  t.touch();
  await Bun.sleep(150);
  expect(at).toHaveLength(2);
  t.touch();
  t.stop();
  await Bun.sleep(150);
  expect(at).toHaveLength(2);
});
