import { expect, test } from "bun:test";
import fc from "fast-check";
import { batches, coalesce } from "./coalesce.ts";

const collect = async (chunks: Uint8Array[], min: number) => {
  const out: Uint8Array[] = [];
  for await (const c of coalesce((async function* () {
    yield* chunks;
  })(), min)) out.push(c);
  return out;
};

test("small chunks are gathered up to min, large ones pass as they are, in order", async () => {
  const big = new Uint8Array(10).fill(9);
  const out = await collect([new Uint8Array([1]), new Uint8Array([2, 3]), big, new Uint8Array([4])], 4);
  expect(out.map((c) => [...c])).toEqual([[1, 2, 3], [...big], [4]]);
  expect(out[1]).toBe(big);
});

test("property: the bytes come out the same and no chunk is empty, whatever the chunks and min (seeded)", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), async (chunks, min) => {
      const out = await collect(chunks, min);
      expect(Buffer.concat(out)).toEqual(Buffer.concat(chunks));
      expect(out.every((c) => c.byteLength > 0)).toBe(true);
    }),
    { seed: 5, numRuns: 300 },
  );
});

test("batches: the same rules over a synchronous source", () => {
  const big = new Uint8Array(10).fill(9);
  expect([...batches([new Uint8Array([1]), new Uint8Array([2, 3]), big, new Uint8Array([4])], 4)].map((c) => [...c])).toEqual([[1, 2, 3], [...big], [4]]);
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), (chunks, min) => {
      const out = [...batches(chunks, min)];
      expect(Buffer.concat(out)).toEqual(Buffer.concat(chunks));
      expect(out.every((c) => c.byteLength > 0)).toBe(true);
    }),
    { seed: 6, numRuns: 300 },
  );
});
