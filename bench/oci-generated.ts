// The long run of the generated-config differential (test/oci-generated.test.ts runs 30): N
// configs built as tools build them, each under runc and bin/skiff-oci, the outcomes compared up
// to the named differences of test/harness/runc-differences.ts. Not timed: it prints how the
// configs ended and how often each named difference applied, and every config that differs in
// full (seed, recipe, config.json, the report lines that differ).
//
//   sudo node_modules/.bin/bun bench/oci-generated.ts [--runs N] [--seed S] [--stop]
//
// Config i has its own seed (the first is S, default: the clock); `--seed X --runs 1` reruns one
// alone. --stop ends at the first difference. Exits 1 if any config differs.
import { existsSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { nextSeed, recipeForSeed } from "../test/harness/config-gen.ts";
import { compareRecipe, describe } from "../test/harness/generated-compare.ts";
import { hostFacts } from "../test/harness/host-facts.ts";
import { RUN_TAG, snapshot, sweep, TEST_STATE_ROOT } from "../test/harness/leaks.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "300" }, seed: { type: "string" }, stop: { type: "boolean" } } });
const runs = Number(values.runs);
const first = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 32;
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(first) || first < 0) {
  console.error("usage: bench/oci-generated.ts [--runs N] [--seed S] [--stop]");
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error("bench/oci-generated.ts: run as root (it runs real containers)");
  process.exit(2);
}

/** What the test harness's per-test check would find left behind (see test/harness/preload.ts). */
function cleanUp(): void {
  sweep();
  rmSync(`/tmp/${RUN_TAG}`, { recursive: true, force: true });
  rmSync(TEST_STATE_ROOT, { recursive: true, force: true });
  for (const h of ["", ...readdirSync("/sys/fs/cgroup")]) {
    const dir = join("/sys/fs/cgroup", h, RUN_TAG);
    try {
      if (existsSync(dir)) rmdirSync(dir);
    } catch {}
  }
}
process.on("SIGINT", () => {
  cleanUp();
  process.exit(130);
});

console.log(`${runs} generated configs from seed ${first} (runc vs bin/skiff-oci)`);
const outcomes = { "ran under both, same report": 0, "ran under neither": 0, "one ran, a named difference allows it": 0, different: 0 };
const named = new Map<string, number>();
const failed: number[] = [];
const started = performance.now();
let seed = first;
for (let i = 0; i < runs; i++, seed = nextSeed(seed)) {
  const recipe = recipeForSeed(hostFacts(), seed);
  const before = snapshot();
  const t = performance.now();
  const c = compareRecipe(recipe);
  const key = c.verdict === "different" ? "different" : c.verdict === "allowed" ? "one ran, a named difference allows it" : c.skiff.ran ? "ran under both, same report" : "ran under neither";
  outcomes[key]++;
  for (const d of c.differences) named.set(d, (named.get(d) ?? 0) + 1);
  const leftBehind = Object.entries(snapshot()).flatMap(([k, list]) => (list as string[]).filter((x) => !(before as unknown as Record<string, string[]>)[k]!.includes(x)).map((x) => `${k}: ${x}`));
  // why neither ran: skiff-oci's first word on it (runc's is in its log format)
  const why = key === "ran under neither" ? `  (${(c.skiff.runtimeMessages[0] ?? c.skiff.report.stderr?.[0] ?? "").slice(0, 120)})` : "";
  console.log(`${String(i + 1).padStart(4)} seed ${String(seed).padStart(10)}  ${key.padEnd(38)} ${((performance.now() - t) / 1000).toFixed(1)} s${why}${leftBehind.length ? `  LEFT BEHIND: ${leftBehind.join(", ")}` : ""}`);
  if (c.verdict === "different") {
    failed.push(seed);
    console.log(describe(seed, recipe, c).replace(/^/gm, "      "));
    if (values.stop) break;
  }
  if (leftBehind.length) sweep();
}
cleanUp();

const done = Object.values(outcomes).reduce((a, b) => a + b, 0);
console.log(`\n${done} configs in ${((performance.now() - started) / 1000).toFixed(0)} s`);
for (const [k, n] of Object.entries(outcomes)) console.log(`  ${String(n).padStart(5)}  ${k}`);
console.log("named differences applied (configs):");
for (const [d, n] of [...named].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(5)}  ${d}`);
if (failed.length) console.log(`\ndiffering seeds (rerun one with --seed S --runs 1): ${failed.join(" ")}`);
process.exit(failed.length ? 1 : 0);
