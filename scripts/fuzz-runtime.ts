// The long run of the runtime's fuzzers (the unit tests run each briefly with a fixed seed):
// config.json → launch plan (config-plan.fuzz.ts), seccomp profile → BPF, checked against an
// evaluator of the profile written apart from the compiler (profile-bpf.fuzz.ts), and the plan's
// wire format through the executor's own decoder (plan-codec.fuzz.ts; about 15 ms a run).
//
//   node_modules/.bin/bun scripts/fuzz-runtime.ts [--runs N] [--seed S] [--only NAME,...] [--list]
//
// Each property runs N times (default 10000) from seed S (default: the clock, printed); a failure
// prints its counterexample and the command that replays it, and the script exits 1.
import fc from "fast-check";
import { parseArgs } from "node:util";
import { CONFIG_PROPERTIES } from "../src/runtime/plan/config-plan.fuzz.ts";
import { CODEC_PROPERTIES } from "../src/runtime/plan/plan-codec.fuzz.ts";
import { SECCOMP_PROPERTIES } from "../src/runtime/seccomp/profile-bpf.fuzz.ts";

type Property = () => fc.IRawProperty<any>;
const prefixed = (prefix: string, props: Record<string, Property>): [string, Property][] => Object.entries(props).map(([k, v]) => [`${prefix}.${k}`, v]);
const ALL = new Map<string, Property>([...prefixed("config", CONFIG_PROPERTIES), ...prefixed("seccomp", SECCOMP_PROPERTIES), ...prefixed("plan", CODEC_PROPERTIES)]);

const { values } = parseArgs({ options: { runs: { type: "string", default: "10000" }, seed: { type: "string" }, only: { type: "string" }, list: { type: "boolean" } } });
if (values.list) {
  console.log([...ALL.keys()].join("\n"));
  process.exit(0);
}
const runs = Number(values.runs);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
if (!Number.isSafeInteger(runs) || runs <= 0 || !Number.isSafeInteger(seed)) {
  console.error("fuzz-runtime: --runs takes a positive integer, --seed an integer");
  process.exit(2);
}
const only = values.only?.split(",").filter(Boolean);
for (const name of only ?? [])
  if (!ALL.has(name)) {
    console.error(`fuzz-runtime: no property ${JSON.stringify(name)} (see --list)`);
    process.exit(2);
  }

console.log(`fuzz-runtime: seed ${seed}, ${runs} runs per property`);
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
  const error = details.errorInstance;
  console.log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  console.log(`replay: node_modules/.bin/bun scripts/fuzz-runtime.ts --only ${name} --seed ${seed} --runs ${runs}\n`);
}
console.log(failed ? `fuzz-runtime: ${failed} failed (seed ${seed})` : "fuzz-runtime: all passed");
process.exit(failed ? 1 : 0);
