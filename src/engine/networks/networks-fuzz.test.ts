// The short seeded run of the network engine's parsers' properties (*.fuzz.ts here); the long run
// is `node_modules/.bin/bun scripts/fuzz.ts --only engine.networks`.
import { describe, test } from "bun:test";
import fc from "fast-check";
import { ADDRESS_PROPERTIES } from "./addresses.fuzz.ts";
import { HOSTS_FILE_PROPERTIES } from "./hosts-file.fuzz.ts";
import { PORT_SPEC_PROPERTIES } from "./port-specs.fuzz.ts";
import { RESOLV_CONF_PROPERTIES } from "./resolv-conf.fuzz.ts";

describe("network addresses and subnets, fuzzed", () => {
  for (const [name, property] of Object.entries(ADDRESS_PROPERTIES)) test(name, () => fc.assert(property(), { seed: 12, numRuns: 3000 }), 30_000);
});

describe("/etc/hosts and ExtraHosts, fuzzed", () => {
  for (const [name, property] of Object.entries(HOSTS_FILE_PROPERTIES)) test(name, () => fc.assert(property(), { seed: 12, numRuns: 3000 }), 30_000);
});

describe("/etc/resolv.conf, fuzzed", () => {
  for (const [name, property] of Object.entries(RESOLV_CONF_PROPERTIES)) test(name, () => fc.assert(property(), { seed: 12, numRuns: 3000 }), 30_000);
});

describe("PortBindings → port mappings, fuzzed", () => {
  for (const [name, property] of Object.entries(PORT_SPEC_PROPERTIES)) test(name, () => fc.assert(property(), { seed: 12, numRuns: 3000 }), 30_000);
});
