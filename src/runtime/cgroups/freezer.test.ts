import { expect, test } from "bun:test";
import fc from "fast-check";
import { hasLine } from "./freezer.ts";

// cgroup.events is read without a regular expression (issue 9: a compiled Bun's first costs
// `skiff-oci state` ~0.4 ms); /^frozen 1$/m, which it replaced, is the oracle.
test("hasLine finds a whole line exactly where /^frozen 1$/m does (seeded property)", () => {
  const events = fc.oneof(
    fc.array(fc.constantFrom("frozen 1", "frozen 0", "populated 1", "frozen 10", " frozen 1", "xfrozen 1", "", "\n", "\r", "\u2028", "\u2029", "\r\n"), { maxLength: 6 }).map((p) => p.join("")),
    fc.array(fc.constantFrom("frozen 1", "frozen 0", "populated 1"), { maxLength: 3 }).map((p) => p.join("\n") + "\n"),
    fc.string(),
  );
  fc.assert(fc.property(events, (text) => expect(hasLine(text, "frozen 1")).toBe(/^frozen 1$/m.test(text))), { numRuns: 5000, seed: 9 });
  expect(hasLine("populated 1\nfrozen 1\n", "frozen 1")).toBe(true);
  expect(hasLine("populated 1\nfrozen 0\n", "frozen 1")).toBe(false);
});
