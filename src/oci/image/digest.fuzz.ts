// Properties of digests (digest.ts) for fast-check: a short seeded run in digest.test.ts, a long
// one in scripts/fuzz.ts. Test code only.
//
// - anyValue: parseDigest of any JSON value returns or throws IMAGE_DIGEST_INVALID with a hint;
//   what it accepts is "sha256:" or "sha512:" and lowercase hex of the exact length, so a safe
//   file name (the content store names blobs by it).
// - verify: a Digester fed the bytes in any chunks verifies the digest of the bytes, and refuses
//   any other digest or size with IMAGE_DIGEST_MISMATCH, IMAGE_SIZE_MISMATCH or IMAGE_BLOB_TRUNCATED.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { digestBytes, Digester, parseDigest } from "./digest.ts";

const near = fc.tuple(fc.constantFrom("sha256", "sha512", "SHA256", "md5", "sha256+b64", "", "sha256:"), fc.constantFrom(":", "", "::"), fc.string({ maxLength: 130, unit: fc.constantFrom(..."0123456789abcdefABCDEF/.\0 g") })).map(([a, c, h]) => a + c + h);
const exact = fc.tuple(fc.constantFrom(64, 128), fc.constantFrom("sha256", "sha512")).chain(([n, a]) => fc.string({ minLength: n, maxLength: n, unit: fc.constantFrom(..."0123456789abcdef./") }).map((h) => `${a}:${h}`));

export const anyValue = () =>
  fc.property(fc.oneof(near, exact, fc.jsonValue({ maxDepth: 2 }), fc.string({ unit: "binary" })), (v) => {
    let ok = false;
    try {
      parseDigest(v);
      ok = true;
    } catch (e) {
      if (!isSkiffError(e) || e.code !== "IMAGE_DIGEST_INVALID" || !e.hint) throw e;
    }
    if (ok && !/^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/.test(v as string)) throw new Error(`accepted ${JSON.stringify(v)}`);
  });

export const verify = () =>
  fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }), fc.constantFrom("sha256", "sha512" as const), fc.integer({ min: -3, max: 3 }), (bytes, sizes, alg, delta) => {
    const want = digestBytes(bytes, alg as "sha256" | "sha512");
    const feed = () => {
      const d = Digester.for(want);
      for (let at = 0, k = 0; at < bytes.byteLength; at += sizes[k++ % sizes.length]!) d.update(bytes.subarray(at, at + sizes[k % sizes.length]!));
      return d;
    };
    if (feed().verify({ digest: want, size: bytes.byteLength }) !== want) throw new Error("the digest of the bytes is not verified");
    const other = digestBytes(Buffer.concat([bytes, Buffer.from("x")]), alg as "sha256" | "sha512");
    const refusals: [string, number][] = [[other, bytes.byteLength]];
    if (delta !== 0 && bytes.byteLength + delta >= 0) refusals.push([want, bytes.byteLength + delta]);
    for (const [digest, size] of refusals) {
      try {
        feed().verify({ digest, size });
      } catch (e) {
        if (isSkiffError(e) && ["IMAGE_DIGEST_MISMATCH", "IMAGE_SIZE_MISMATCH", "IMAGE_BLOB_TRUNCATED"].includes(e.code) && e.hint) continue;
        throw e;
      }
      throw new Error(`verified ${digest} of ${size} bytes`);
    }
  });

export const DIGEST_PROPERTIES: Record<"anyValue" | "verify", () => fc.IRawProperty<any>> = { anyValue, verify };
