// The short seeded run of the seccomp compiler's properties (profile-bpf.fuzz.ts); the long run is
// `node_modules/.bin/bun scripts/fuzz.ts`.
import { describe, test } from "bun:test";
import fc from "fast-check";
import { SECCOMP_PROPERTIES } from "./profile-bpf.fuzz.ts";

describe("seccomp profile → BPF, fuzzed", () => {
  for (const [name, property] of Object.entries(SECCOMP_PROPERTIES))
    test(name, () => fc.assert(property(), { seed: 9, numRuns: name === "verdicts" ? 300 : 1000 }), 30_000);
});
