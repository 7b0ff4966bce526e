import { expect, test } from "bun:test";
import { longTimeout } from "./long-timeout.ts";

test("a delay past what a timer holds (2^31 ms) waits: it fired after 1 ms", async () => {
  let fired = 0;
  const cancel = longTimeout(() => fired++, 2 ** 31 + 10);
  await Bun.sleep(50);
  expect(fired).toBe(0);
  cancel();
});

test("short delays fire, and a cancel stops one", async () => {
  let fired = 0;
  longTimeout(() => fired++, 5);
  longTimeout(() => fired++, -3);
  const cancel = longTimeout(() => (fired += 100), 10);
  cancel();
  await Bun.sleep(40);
  expect(fired).toBe(2);
});
