import { expect, test } from "bun:test";
import fc from "fast-check";
import type { SkiffError } from "../../common/errors.ts";
import { DetachMatcher, detachKeyBytes } from "./attach-session.ts";
import { DETACH_PROPERTIES } from "./attach-session.fuzz.ts";

test("detach keys as docker's term.ToBytes reads them", () => {
  expect(detachKeyBytes("ctrl-p,ctrl-q")).toEqual([16, 17]);
  expect(detachKeyBytes("ctrl-@,ctrl-a,ctrl-z,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_")).toEqual([0, 1, 26, 27, 28, 29, 30, 31]);
  expect(detachKeyBytes("a,ctrl-x,b")).toEqual([97, 24, 98]);
  for (const bad of ["ctrl-1", "ctrl-pq", "shift-a", "ab", ""]) {
    let e: SkiffError | undefined;
    try {
      detachKeyBytes(bad);
    } catch (x) {
      e = x as SkiffError;
    }
    expect([e?.layer, e?.code]).toEqual(["cli", "CLI_DETACH_KEYS_INVALID"]);
    expect(e?.hint).toContain("ctrl-p,ctrl-q");
  }
});

const feed = (m: DetachMatcher, chunks: number[][]) => {
  const sent: number[] = [];
  for (const c of chunks) {
    const r = m.push(Uint8Array.from(c));
    sent.push(...r.send);
    if (r.detached) return { sent, detached: true };
  }
  return { sent, detached: false };
};

test("the sequence detaches across chunks; a broken-off start of it is sent on, nothing lost or added", () => {
  expect(feed(new DetachMatcher([16, 17]), [[104, 105, 16], [17, 120]])).toEqual({ sent: [104, 105], detached: true });
  expect(feed(new DetachMatcher([16, 17]), [[16], [104], [16, 16, 17]])).toEqual({ sent: [16, 104, 16], detached: true });
  expect(feed(new DetachMatcher([16, 17]), [[16, 16, 16]])).toEqual({ sent: [16, 16], detached: false });
  expect(feed(new DetachMatcher([1, 2, 3]), [[1, 2, 1, 2, 3]])).toEqual({ sent: [1, 2], detached: true });
  // a sequence that repeats its own start (docker's escape proxy misses these)
  expect(feed(new DetachMatcher([1, 1, 2]), [[1, 1, 1, 2]])).toEqual({ sent: [1], detached: true });
  expect(feed(new DetachMatcher([16, 17]), [[16, 16, 17]])).toEqual({ sent: [16], detached: true });
});

for (const [name, property] of Object.entries(DETACH_PROPERTIES)) test(`${name} (property, seeded; scripts/fuzz.ts runs it long)`, () => fc.assert(property(), { seed: 12, numRuns: 1000 }), 30_000);
