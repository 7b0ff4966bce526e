import { expect, test } from "bun:test";
import { mark, traceLine } from "./trace.ts";
import { traced } from "./trace-scope.ts";

test("with chains per operation, a step outside any is dropped (a daemon's one chain grew by every untraced request's steps); a step inside lands in its own chain, also after an await", async () => {
  const before = traceLine();
  for (let i = 0; i < 3; i++) mark("engine: outside any request");
  expect(traceLine()).toBe(before);
  const one = traced(async () => {
    mark("a");
    await Bun.sleep(1);
    mark("b");
  });
  const two = traced(() => mark("c"));
  await one.result;
  expect([one.steps.map((s) => s.what), two.steps.map((s) => s.what)]).toEqual([["a", "b"], ["c"]]);
});
