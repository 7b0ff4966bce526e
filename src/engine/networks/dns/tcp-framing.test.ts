// TCP framing: messages come out whole however the stream is cut.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { FrameReader, frame } from "./tcp-framing.ts";

test("frames split at any points and run together come out whole, in order", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 10 }), (messages, cuts) => {
      const stream = Uint8Array.from(messages.flatMap((m) => [...frame(m)]));
      const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const reader = new FrameReader();
      const out: Uint8Array[] = [];
      let at = 0;
      for (const p of [...points, stream.length]) {
        out.push(...reader.push(stream.subarray(at, p)));
        at = p;
      }
      expect(out.map((m) => [...m])).toEqual(messages.map((m) => [...m]));
      expect(reader.buffered).toBe(0);
    }),
    { seed: 5, numRuns: 500 },
  );
});
