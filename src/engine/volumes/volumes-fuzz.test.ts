// The short seeded run of the volume engine's properties (volumes.fuzz.ts); the long run is
// `node_modules/.bin/bun scripts/fuzz.ts --only engine.volumes`.
import { describe, test } from "bun:test";
import fc from "fast-check";
import { VOLUME_PROPERTIES } from "./volumes.fuzz.ts";

describe("volume names and filters, fuzzed", () => {
  for (const [name, property] of Object.entries(VOLUME_PROPERTIES)) test(name, () => fc.assert(property(), { seed: 11, numRuns: 3000 }), 30_000);
});
