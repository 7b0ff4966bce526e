// The long run of the container client's fuzzers (the unit tests run each briefly with a fixed
// seed): create and run's flags into the create body, docker's sizes, the multiplexed stream
// framing, and the detach keys.
//
//   node_modules/.bin/bun scripts/fuzz-containers.ts [--runs N] [--seed S] [--only NAME,...] [--list]
//
// Each property runs N times (default 10000) from seed S (default: the clock, printed); a failure
// prints its counterexample and the command that replays it, and the script exits 1.
import fc from "fast-check";
import { parseArgs } from "node:util";
import { FRAME_PROPERTIES } from "../src/api/hijack-client.fuzz.ts";
import { CREATE_PROPERTIES } from "../src/cli/skiff/create-body.fuzz.ts";
import { DETACH_PROPERTIES } from "../src/cli/skiff/attach-session.fuzz.ts";

type Property = () => fc.IRawProperty<any>;
const prefixed = (prefix: string, props: Record<string, Property>): [string, Property][] => Object.entries(props).map(([k, v]) => [`${prefix}.${k}`, v]);

const ALL = new Map<string, Property>([...prefixed("create", CREATE_PROPERTIES), ...prefixed("frames", FRAME_PROPERTIES), ...prefixed("detach", DETACH_PROPERTIES)]);

const { values } = parseArgs({ options: { runs: { type: "string", default: "10000" }, seed: { type: "string" }, only: { type: "string" }, list: { type: "boolean" } } });
if (values.list) {
  console.log([...ALL.keys()].join("\n"));
  process.exit(0);
}
const runs = Number(values.runs);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
if (!Number.isSafeInteger(runs) || runs <= 0 || !Number.isSafeInteger(seed)) {
  console.error("fuzz-containers: --runs takes a positive integer, --seed an integer");
  process.exit(2);
}
const only = values.only?.split(",").filter(Boolean);
for (const name of only ?? []) {
  if (!ALL.has(name)) {
    console.error(`fuzz-containers: no property ${JSON.stringify(name)} (see --list)`);
    process.exit(2);
  }
}

console.log(`fuzz-containers: seed ${seed}, ${runs} runs per property`);
let failed = 0;
for (const [name, property] of ALL) {
  if (only && !only.includes(name)) continue;
  const start = performance.now();
  const details = await fc.check(property(), { numRuns: runs, seed });
  const ms = Math.round(performance.now() - start);
  if (!details.failed) {
    console.log(`ok    ${name} (${details.numRuns} runs, ${ms} ms)`);
    continue;
  }
  failed++;
  console.log(`FAIL  ${name} (${ms} ms)\n${fc.defaultReportMessage(details)}`);
  console.log(`replay: node_modules/.bin/bun scripts/fuzz-containers.ts --only ${name} --seed ${seed} --runs ${runs}\n`);
}
console.log(failed ? `fuzz-containers: ${failed} failed (seed ${seed})` : "fuzz-containers: all passed");
process.exit(failed ? 1 : 0);
