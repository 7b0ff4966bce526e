// Properties of the detach keys (attach-session.ts) for fast-check: a short seeded run in
// attach-session.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - detachesAtFirst: whatever the input and its chunking, what is sent is the input up to the
//   first complete sequence, and the session detaches right there; without one, all but a start
//   of the sequence at the very end is sent.
import fc from "fast-check";
import { DetachMatcher } from "./attach-session.ts";

export const detachesAtFirst = () =>
  fc.property(
    fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 4 }),
    fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 }),
    fc.array(fc.nat(40), { maxLength: 6 }),
    (keys, input, cuts) => {
      let end = -1;
      for (let i = keys.length; i <= input.length && end < 0; i++) if (keys.every((b, j) => input[i - keys.length + j] === b)) end = i;
      const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
      const m = new DetachMatcher(keys);
      const sent: number[] = [];
      let detached = false;
      let at = 0;
      for (const p of [...points, input.length]) {
        const r = m.push(Uint8Array.from(input.slice(at, (at = p))));
        sent.push(...r.send);
        if ((detached = r.detached)) break;
      }
      const eq = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
      if (end >= 0) {
        if (!detached || !eq(sent, input.slice(0, end - keys.length))) throw new Error(`keys ${keys}: input ${input}: sent ${sent}, detached ${detached}`);
      } else if (detached || !eq(sent, input.slice(0, sent.length)) || !eq(input.slice(sent.length), keys.slice(0, input.length - sent.length))) {
        throw new Error(`keys ${keys}: input ${input}: sent ${sent}, detached ${detached}`);
      }
    },
  );

export const DETACH_PROPERTIES: Record<"detachesAtFirst", () => fc.IRawProperty<any>> = { detachesAtFirst };
