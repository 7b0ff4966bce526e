// The long run of the monitor's fuzzers (test/monitor.test.ts runs them briefly with fixed seeds):
// json-file lines of any bytes in any chunking, checked against docker's encoding rules; hostile
// clients on the socket, after which the container still runs, exits and is logged whole.
//
//   node_modules/.bin/bun scripts/fuzz-monitor.ts [--runs N] [--seed S]
//
// Runs N json-file cases and N/5 client cases (default N 500) from seed S (default: the clock, printed); a failure prints its
// counterexample and the command that replays it, and the script exits 1.
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { RUN_TAG } from "../test/harness/leaks.ts";
import fc from "fast-check";
import { checkJsonLog, hostileClientsProperty } from "../test/harness/monitor-fuzz.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "500" }, seed: { type: "string" } } });
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const runs = Number(values.runs);
console.log(`fuzz-monitor: ${runs} runs, seed ${seed}`);
try {
  await checkJsonLog(runs, seed);
  console.log("fuzz-monitor: json-file, no failure");
  await fc.assert(hostileClientsProperty(), { numRuns: Math.ceil(runs / 5), seed });
  console.log("fuzz-monitor: no failure");
} catch (e) {
  console.error((e as Error).message);
  console.error(`replay: node_modules/.bin/bun scripts/fuzz-monitor.ts --runs ${runs} --seed ${seed}`);
  process.exitCode = 1;
} finally {
  rmSync(`/tmp/${RUN_TAG}`, { recursive: true, force: true });
}
