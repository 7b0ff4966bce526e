import { describe, expect, test } from "bun:test";
import { SkiffError } from "../../common/errors.ts";
import fc from "fast-check";
import { Digester, digestBytes, isDigest, parseDigest } from "./digest.ts";
import { DIGEST_PROPERTIES } from "./digest.fuzz.ts";

const EMPTY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

describe("parseDigest", () => {
  test("accepts sha256 and sha512 with lowercase hex of the right length", () => {
    expect(parseDigest(EMPTY)).toEqual({ algorithm: "sha256", hex: EMPTY.slice(7) });
    expect(parseDigest(`sha512:${"0".repeat(128)}`).algorithm).toBe("sha512");
  });
  const bad: [unknown, RegExp][] = [
    [42, /not a string/],
    ["e3b0c442", /missing the algorithm/],
    [`sha256:${"A".repeat(64)}`, /lowercase hex/],
    [`sha256:${"a".repeat(63)}`, /needs 64 hex digits, got 63/],
    [`sha512:${"a".repeat(64)}`, /needs 128/],
    [`md5:${"a".repeat(32)}`, /unsupported algorithm "md5"/],
    [`SHA256!:${"a".repeat(64)}`, /malformed algorithm/],
    [`sha256:../../etc/passwd`, /lowercase hex/],
  ];
  for (const [value, why] of bad) {
    test(`refuses ${JSON.stringify(value).slice(0, 30)}`, () => {
      expect(() => parseDigest(value)).toThrow(why);
      expect(isDigest(value)).toBe(false);
    });
  }
});

describe("Digester", () => {
  test("hashes chunks as one stream", () => {
    const d = new Digester();
    d.update(new TextEncoder().encode("hello "));
    d.update(new TextEncoder().encode("world"));
    expect(d.size).toBe(11);
    expect(d.digest()).toBe(digestBytes("hello world"));
  });
  test("verify passes for matching size and digest", () => {
    const d = new Digester();
    expect(d.verify({ digest: EMPTY, size: 0 })).toBe(EMPTY);
  });
  const failure = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e as SkiffError;
    }
    throw new Error("did not throw");
  };
  test("verify reports a short stream as truncated", () => {
    const d = new Digester();
    d.update(new Uint8Array(3));
    const e = failure(() => d.verify({ digest: EMPTY, size: 10 }));
    expect([e.code, e.kind]).toEqual(["IMAGE_BLOB_TRUNCATED", "unavailable"]);
  });
  test("verify reports a long stream as a size mismatch", () => {
    const d = new Digester();
    d.update(new Uint8Array(30));
    expect(failure(() => d.verify({ digest: EMPTY, size: 10 })).code).toBe("IMAGE_SIZE_MISMATCH");
  });
  test("verify reports other content as a digest mismatch naming both digests", () => {
    const d = new Digester();
    d.update(new Uint8Array(1));
    const e = failure(() => d.verify({ digest: EMPTY }));
    expect(e.code).toBe("IMAGE_DIGEST_MISMATCH");
    expect(e.message).toContain(EMPTY);
    expect(e.message).toContain(digestBytes(new Uint8Array(1)));
  });
  test("Digester.for picks the algorithm of the expected digest", () => {
    expect(Digester.for(`sha512:${"0".repeat(128)}`).algorithm).toBe("sha512");
  });
});

describe("digest properties (digest.fuzz.ts, seeded; scripts/fuzz.ts runs them long)", () => {
  for (const [name, property] of Object.entries(DIGEST_PROPERTIES)) {
    test(name, () => fc.assert(property(), { seed: 8, numRuns: 1000 }), 30_000);
  }
});
