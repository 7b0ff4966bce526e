// The short seeded run of the spec builder's properties (oci-spec.fuzz.ts); the long run is
// `node_modules/.bin/bun scripts/fuzz.ts`.
import { describe, test } from "bun:test";
import fc from "fast-check";
import { SPEC_PROPERTIES } from "./oci-spec.fuzz.ts";

describe("container spec builder, fuzzed", () => {
  for (const [name, property] of Object.entries(SPEC_PROPERTIES)) test(name, () => fc.assert(property(), { seed: 10, numRuns: name === "anyOptions" ? 400 : 2000 }), 30_000);
});
