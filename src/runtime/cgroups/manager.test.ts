import { expect, test } from "bun:test";
import fc from "fast-check";
import { deepestFirst, parsePids } from "./manager.ts";

// What `skiff-oci delete` runs here is written without Array's sort, filter and map (issue 9); the
// expressions they replaced are the oracles.
test("deepestFirst orders as a stable sort by length, longest first (seeded property)", () => {
  const dirs = fc.array(fc.string({ unit: fc.constantFrom("a", "b", "/"), maxLength: 6 }), { maxLength: 12 });
  fc.assert(fc.property(dirs, (d) => expect(deepestFirst(d)).toEqual([...d].sort((a, b) => b.length - a.length))), { numRuns: 3000, seed: 9 });
});

test("parsePids reads cgroup.procs as split, filter and map did (seeded property)", () => {
  const procs = fc.oneof(fc.array(fc.nat(), { maxLength: 6 }).map((p) => p.map((n) => `${n}\n`).join("")), fc.string({ unit: fc.constantFrom("1", "2", "0", "\n", " ", "\r", "x") }), fc.string());
  fc.assert(fc.property(procs, (t) => expect(parsePids(t)).toEqual(t.split("\n").filter(Boolean).map(Number))), { numRuns: 3000, seed: 9 });
});
