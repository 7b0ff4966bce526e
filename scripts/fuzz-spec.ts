// The long run of the container spec builder's properties (src/engine/containers/spec/oci-spec.fuzz.ts;
// the unit tests run them briefly with a fixed seed).
//
//   node_modules/.bin/bun scripts/fuzz-spec.ts [--runs N] [--seed S]
//
// Each property runs N times (default 10000) from seed S (default: the clock, printed); a failure
// prints its counterexample and the command that replays it, and the script exits 1.
import fc from "fast-check";
import { parseArgs } from "node:util";
import { SPEC_PROPERTIES } from "../src/engine/containers/spec/oci-spec.fuzz.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "10000" }, seed: { type: "string" } } });
const runs = Number(values.runs);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
if (!Number.isSafeInteger(runs) || runs <= 0 || !Number.isSafeInteger(seed)) {
  console.error("fuzz-spec: --runs takes a positive integer, --seed an integer");
  process.exit(2);
}
console.log(`fuzz-spec: seed ${seed}, ${runs} runs per property`);
let failed = 0;
for (const [name, property] of Object.entries(SPEC_PROPERTIES)) {
  const started = performance.now();
  const result = await fc.check(property(), { seed, numRuns: runs });
  const took = ((performance.now() - started) / 1000).toFixed(1);
  if (result.failed) {
    failed++;
    console.log(`FAIL ${name} (${took} s): ${fc.defaultReportMessage(result)}`);
    console.log(`  replay: node_modules/.bin/bun scripts/fuzz-spec.ts --seed ${seed} --runs ${runs}`);
  } else console.log(`ok   ${name} (${took} s)`);
}
process.exit(failed ? 1 : 0);
