// The short seeded run of the plan wire format's properties against the executor's decoder
// (plan-codec.fuzz.ts); the long run is `node_modules/.bin/bun scripts/fuzz.ts`.
import { describe, test } from "bun:test";
import fc from "fast-check";
import { CODEC_PROPERTIES } from "./plan-codec.fuzz.ts";

describe("plan encoder → executor's decoder, fuzzed", () => {
  for (const [name, property] of Object.entries(CODEC_PROPERTIES)) test(name, () => fc.assert(property(), { seed: 9, numRuns: name === "encoded" ? 60 : 150 }), 30_000);
});
