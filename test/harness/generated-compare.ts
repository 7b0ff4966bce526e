// One generated config under runc and skiff-oci: the same outcome is required, both run with the
// same probe report or both refuse, up to the named differences of runc-differences.ts.
import type { Recipe } from "./config-gen.ts";
import { runRecipe, specConfig, type Outcome } from "./generated-run.ts";
import { applyRecipe, configText } from "./recipe-config.ts";
import { uniqueId } from "./oci.ts";
import type { Report } from "./probe.ts";
import { differencesFor } from "./runc-differences.ts";

export interface Comparison {
  /** same: neither ran the probe, or both did and it read the same; allowed: one did not run it
   * where a named difference lets it; different: anything else (a gap). */
  verdict: "same" | "allowed" | "different";
  /** The names of the known differences that applied. */
  differences: string[];
  runc: Outcome;
  skiff: Outcome;
}

export function compareRecipe(recipe: Recipe): Comparison {
  const known = differencesFor(recipe);
  const id = uniqueId("gen");
  const runc = runRecipe("runc", recipe, { id, adapt: (c) => known.forEach((d) => d.adaptRunc?.(c, recipe)) });
  const skiff = runRecipe("skiff", recipe, { id });
  runc.report = known.reduce((report, d) => d.rewriteRunc?.(report, recipe) ?? report, runc.report);
  const differences = known.map((d) => d.name);
  const result = (verdict: Comparison["verdict"]): Comparison => ({ verdict, differences, runc, skiff });
  if (!runc.ran && !skiff.ran) return result("same");
  const failing = !runc.ran ? "runc" : !skiff.ran ? "skiff" : undefined;
  if (failing) return result(known.some((d) => d.mayFail?.(recipe) === failing) ? "allowed" : "different");
  return result(sameReport(runc.report, skiff.report) ? "same" : "different");
}

const sameReport = (a: Report, b: Report) => reportDiff(a, b).length === 0;

/** Section by section, the lines only one side has. */
export function reportDiff(runc: Report, skiff: Report): string[] {
  const out: string[] = [];
  for (const section of [...new Set([...Object.keys(runc), ...Object.keys(skiff)])]) {
    const a = runc[section] ?? [];
    const b = skiff[section] ?? [];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    const onlyA = a.filter((l) => !b.includes(l));
    const onlyB = b.filter((l) => !a.includes(l));
    out.push(`[${section}]`, ...onlyA.map((l) => `  runc : ${l}`), ...onlyB.map((l) => `  skiff: ${l}`));
    if (!onlyA.length && !onlyB.length) out.push("  (same lines, another order)");
  }
  return out;
}

/** What a failing config prints: its seed, how to rerun it alone, the recipe, skiff-oci's
 * config.json (paths as in the run) and what differed. */
export function describe(seed: number, recipe: Recipe, c: Comparison): string {
  const said = (o: Outcome) => (o.runtimeMessages.length ? `: ${o.runtimeMessages.join(" / ")}` : "");
  const outcome = (o: Outcome) => (o.refused ? "refused" : o.ran ? "ran the probe" : `did not run the probe (stderr: ${o.report.stderr?.join(" / ")})`) + said(o);
  const config = applyRecipe(specConfig(), recipe, {
    rootfs: "<rootfs>", nsPath: (t) => `/proc/<holder>/ns/${t}`, hookProgram: "<repo>/test/fixtures/hook-log.sh", hookLog: "<bundle>/hooks/log", cgroupsPath: "<cgroup>/<id>", args: ["sh", "/probe/gen-probe.sh", "..."],
  });
  return [
    `config seed ${seed}: runc and skiff-oci differ (known differences applied: ${c.differences.join(", ") || "none"})`,
    `rerun alone: node_modules/.bin/bun bench/oci-generated.ts --seed ${seed} --runs 1   (or SKIFF_GEN_SEED=${seed} bun test test/oci-generated.test.ts)`,
    `runc:  ${outcome(c.runc)}`,
    `skiff: ${outcome(c.skiff)}`,
    ...(c.runc.ran && c.skiff.ran ? reportDiff(c.runc.report, c.skiff.report) : []),
    `recipe: ${JSON.stringify(recipe)}`,
    `config.json (skiff-oci's):\n${configText(config)}`,
  ].join("\n");
}
