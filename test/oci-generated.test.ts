// Configs built the way tools build them (runc's default spec plus generated namespaces,
// propagation, rlimits, capabilities, masked and read-only paths, devices, cgroup resources,
// seccomp, hooks, users; test/harness/config-gen.ts) run under runc and skiff-oci with the same
// outcome: both run the probe and it reads the same, or neither runs it, up to the named
// differences of test/harness/runc-differences.ts. A short seeded run; the long one is
// `node_modules/.bin/bun bench/oci-generated.ts --runs N --seed S`.
//
// A failing config prints its seed: SKIFF_GEN_SEED=S reruns it alone here.
import { expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { nextSeed, recipeForSeed } from "./harness/config-gen.ts";
import { compareRecipe, describe } from "./harness/generated-compare.ts";
import { specConfig } from "./harness/generated-run.ts";
import { hostFacts } from "./harness/host-facts.ts";
import { tempDir } from "./harness/oci.ts";

const ALONE = process.env.SKIFF_GEN_SEED;
const FIRST = Number(ALONE ?? 20261205);
const RUNS = ALONE ? 1 : 30;

test("configs start from what `runc spec` writes: skiff-oci spec writes the same", () => {
  const dir = tempDir("runc-spec");
  try {
    execFileSync("runc", ["spec", "--bundle", dir]);
    expect(specConfig()).toEqual(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const tally = { ran: 0, neither: 0, allowed: 0 };

for (let i = 0, seed = FIRST; i < RUNS; i++, seed = nextSeed(seed)) {
  const s = seed;
  test(`config seed ${s}: the same outcome under runc and skiff-oci`, () => {
    const recipe = recipeForSeed(hostFacts(), s);
    const c = compareRecipe(recipe);
    if (c.verdict === "different") throw new Error(describe(s, recipe, c));
    tally[c.verdict === "allowed" ? "allowed" : c.skiff.ran ? "ran" : "neither"]++;
  }, 60_000);
}

// Both runtimes refusing everything would pass every comparison: most generated configs must run.
test("most generated configs ran the probe under both runtimes", () => {
  if (ALONE) return;
  expect(tally.ran / RUNS).toBeGreaterThanOrEqual(0.4);
});
