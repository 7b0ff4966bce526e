// Content digests as the OCI image spec defines them: "<algorithm>:<encoded>".
// Only the registered algorithms an engine must verify are accepted (sha256, sha512), with
// lowercase hex of the exact length, so a digest string is also a safe file name.
import type { Hash } from "node:crypto";
import { invalid, SkiffError } from "../../common/errors.ts";

export type DigestAlgorithm = "sha256" | "sha512";
/** A validated digest string, e.g. "sha256:e3b0…". */
export type Digest = `${DigestAlgorithm}:${string}`;

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/** Splits and validates a digest; throws IMAGE_DIGEST_INVALID naming what is wrong. */
export function parseDigest(value: unknown, what = "digest"): ParsedDigest {
  const bad = (why: string): never => {
    throw invalid("image", "IMAGE_DIGEST_INVALID", `parse ${what} ${JSON.stringify(value)?.slice(0, 160)}: ${why}`, "a digest looks like sha256:<64 lowercase hex digits>");
  };
  if (typeof value !== "string") return bad("not a string");
  const colon = value.indexOf(":");
  if (colon < 0) return bad("missing the algorithm prefix");
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  if (!(algorithm in HEX_LENGTH)) {
    if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*$/.test(algorithm)) return bad("malformed algorithm");
    return bad(`unsupported algorithm ${JSON.stringify(algorithm)} (sha256 and sha512 are supported)`);
  }
  const want = HEX_LENGTH[algorithm as DigestAlgorithm];
  if (!/^[0-9a-f]*$/.test(hex)) return bad("the encoded part must be lowercase hex");
  if (hex.length !== want) return bad(`${algorithm} needs ${want} hex digits, got ${hex.length}`);
  return { algorithm: algorithm as DigestAlgorithm, hex };
}

export const checkDigest = (value: unknown, what?: string): Digest => {
  parseDigest(value, what);
  return value as Digest;
};

export const isDigest = (value: unknown): value is Digest => {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
};

// node:crypto on first use: loading it costs a command ~18 ms of start-up, and the CLI's commands
// parse references (which validates digests) but hash nothing.
let crypto: typeof import("node:crypto") | undefined;
const createHash = (algorithm: DigestAlgorithm): Hash => (crypto ??= require("node:crypto") as typeof import("node:crypto")).createHash(algorithm);

export const digestBytes = (data: Uint8Array | string, algorithm: DigestAlgorithm = "sha256"): Digest =>
  `${algorithm}:${createHash(algorithm).update(data).digest("hex")}`;

/**
 * Hashes a stream of chunks as they pass and counts them. `verify` compares the result with what a
 * descriptor promised and throws IMAGE_SIZE_MISMATCH or IMAGE_DIGEST_MISMATCH; size goes first
 * because a short read is the common case and "truncated" is the more useful message.
 */
export class Digester {
  readonly algorithm: DigestAlgorithm;
  private hash: Hash;
  size = 0;

  constructor(algorithm: DigestAlgorithm = "sha256") {
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  static for(expected: Digest | string): Digester {
    return new Digester(parseDigest(expected).algorithm);
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.size += chunk.byteLength;
  }

  /** The digest of everything seen; may be called once. */
  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest("hex")}`;
  }

  verify(expected: { digest: string; size?: number }, what = "blob"): Digest {
    if (expected.size !== undefined && this.size !== expected.size) {
      const short = this.size < expected.size;
      throw new SkiffError({
        layer: "image",
        code: short ? "IMAGE_BLOB_TRUNCATED" : "IMAGE_SIZE_MISMATCH",
        kind: short ? "unavailable" : "invalid_argument",
        message: `verify ${what} ${expected.digest}: expected ${expected.size} bytes, got ${this.size}`,
        hint: short ? "the transfer ended early; retrying resumes it" : "the source serves different content than its descriptor says",
        details: { digest: expected.digest, expectedSize: expected.size, size: this.size },
      });
    }
    const got = this.digest();
    if (got !== expected.digest) {
      throw new SkiffError({
        layer: "image",
        code: "IMAGE_DIGEST_MISMATCH",
        kind: "invalid_argument",
        message: `verify ${what}: expected digest ${expected.digest}, got ${got}`,
        hint: "the content was altered in transit or the source is corrupt; nothing was stored",
        details: { digest: expected.digest, actual: got },
      });
    }
    return got;
  }
}
