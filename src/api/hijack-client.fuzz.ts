// Properties of the multiplexed stream framing (hijack-client.ts) for fast-check: a short seeded
// run in hijack-client.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - roundTrip: frames of any stream and payload, cut into chunks anywhere (each chunk overwritten
//   after it is pushed), come apart as they were encoded.
// - anyBytes: any bytes are frames, a wait for more, or API_STREAM_INVALID; never another error.
import fc from "fast-check";
import { isSkiffError } from "../common/errors.ts";
import { encodeFrame, FrameDecoder, type Frame } from "./hijack-client.ts";

const same = (a: Frame[], b: Frame[]) => a.length === b.length && a.every((f, i) => f.stream === b[i]!.stream && Buffer.from(f.data).equals(Buffer.from(b[i]!.data)));

export const roundTrip = () =>
  fc.property(
    fc.array(fc.record({ stream: fc.constantFrom(0, 1, 2), data: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 12 }),
    fc.array(fc.nat(4000), { maxLength: 10 }),
    (frames, cuts) => {
      const wire = Buffer.concat(frames.map((f) => encodeFrame(f.stream, f.data)));
      const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
      const d = new FrameDecoder();
      const got: Frame[] = [];
      let at = 0;
      for (const p of [...points, wire.length]) {
        const chunk = Uint8Array.from(wire.subarray(at, p));
        got.push(...d.push(chunk).map((f) => ({ stream: f.stream, data: Uint8Array.from(f.data) })));
        chunk.fill(0xee);
        at = p;
      }
      d.end();
      if (!same(got, frames)) throw new Error("the frames came apart otherwise than they were made");
    },
  );

export const anyBytes = () =>
  fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }), (chunks) => {
    const d = new FrameDecoder();
    try {
      for (const c of chunks) d.push(c);
      d.end();
    } catch (e) {
      if (!isSkiffError(e) || e.code !== "API_STREAM_INVALID" || !e.hint) throw e;
    }
  });

export const FRAME_PROPERTIES: Record<"roundTrip" | "anyBytes", () => fc.IRawProperty<any>> = { roundTrip, anyBytes };
