// The short seeded run of config.json → plan's properties (config-plan.fuzz.ts); the long run is
// `node_modules/.bin/bun scripts/fuzz.ts`.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseRuntimeConfig } from "../../oci/runtime-config.ts";
import { CONFIG_PROPERTIES, configText } from "./config-plan.fuzz.ts";

describe("config.json → plan, fuzzed", () => {
  for (const [name, property] of Object.entries(CONFIG_PROPERTIES)) test(name, () => fc.assert(property(), { seed: 9, numRuns: 500 }), 30_000);
});

describe("cases the fuzzers found", () => {
  test("a hook timeout beyond what a timer holds is refused, naming the field (the plan encoder threw on 2^32)", () => {
    for (const kind of ["createContainer", "prestart"])
      for (const timeout of [2 ** 32, 2 ** 31]) {
        const text = configText([[`hooks.${kind}`, [{ path: "/bin/true", timeout }]]]);
        expect(() => parseRuntimeConfig(text)).toThrow(`read config.json: hooks.${kind}[0].timeout must be an integer in [1, 2147483], got ${timeout}`);
      }
    expect(parseRuntimeConfig(configText([["hooks.prestart", [{ path: "/bin/true", timeout: 2147483 }]]])).hooks.prestart![0]!.timeout).toBe(2147483);
  });
});
