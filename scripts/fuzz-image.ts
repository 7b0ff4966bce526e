// The long run of the image, archive and CLI fuzzers (the unit tests run each briefly with a fixed
// seed): tar parser, layer unpacker (as root: it makes device nodes and chowns), image references, platforms, digests, Go templates, docker's
// config.json, import --change and the command-line parsers.
//
//   node_modules/.bin/bun scripts/fuzz-image.ts [--runs N] [--seed S] [--only NAME,...] [--list]
//
// Each property runs N times (default 10000) from seed S (default: the clock, printed); a failure
// prints its counterexample and the command that replays it, and the script exits 1.
import fc from "fast-check";
import { parseArgs } from "node:util";
import { rmSync } from "node:fs";
import { APPLY_PROPERTIES } from "../src/engine/snapshots/apply-layer.fuzz.ts";
import { CHANGES_PROPERTIES } from "../src/engine/images/import-changes.fuzz.ts";
import { DECOMPRESS_PROPERTIES } from "../src/engine/archive/decompress.fuzz.ts";
import { TAR_PROPERTIES } from "../src/engine/archive/tar-parser.fuzz.ts";
import { TEMPLATE_PROPERTIES } from "../src/cli/skiff/template.fuzz.ts";
import { DOCKER_CONFIG_PROPERTIES, place } from "../src/cli/skiff/docker-config.fuzz.ts";
import { COMMAND_LINE_PROPERTIES } from "../src/cli/skiff/command-line.fuzz.ts";
import { DIGEST_PROPERTIES } from "../src/oci/image/digest.fuzz.ts";
import { DOCUMENT_PROPERTIES } from "../src/oci/image/documents.fuzz.ts";
import { PLATFORM_PROPERTIES } from "../src/oci/image/platform.fuzz.ts";
import { REFERENCE_PROPERTIES } from "../src/oci/image/reference.fuzz.ts";

type Property = () => fc.IRawProperty<any>;

const prefixed = (prefix: string, props: Record<string, Property>): [string, Property][] => Object.entries(props).map(([k, v]) => [`${prefix}.${k}`, v]);

/** Where the unpacker's sandboxes go (removed at the end). */
const SCRATCH = `/tmp/skiff-fuzz-${process.pid}`;

const ALL = new Map<string, Property>([
  ...prefixed("tar", TAR_PROPERTIES),
  ...prefixed("unpack", APPLY_PROPERTIES(SCRATCH)),
  ...prefixed("decompress", DECOMPRESS_PROPERTIES),
  ...prefixed("import-change", CHANGES_PROPERTIES),
  ...prefixed("reference", REFERENCE_PROPERTIES),
  ...prefixed("platform", PLATFORM_PROPERTIES),
  ...prefixed("digest", DIGEST_PROPERTIES),
  ...prefixed("documents", DOCUMENT_PROPERTIES),
  ...prefixed("template", TEMPLATE_PROPERTIES),
  ...prefixed("docker-config", DOCKER_CONFIG_PROPERTIES(place(SCRATCH))),
  ...prefixed("command-line", COMMAND_LINE_PROPERTIES),
]);

const { values } = parseArgs({
  options: { runs: { type: "string", default: "10000" }, seed: { type: "string" }, only: { type: "string" }, list: { type: "boolean" } },
});
if (values.list) {
  console.log([...ALL.keys()].join("\n"));
  process.exit(0);
}
const runs = Number(values.runs);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
if (!Number.isSafeInteger(runs) || runs <= 0 || !Number.isSafeInteger(seed)) {
  console.error("fuzz-image: --runs takes a positive integer, --seed an integer");
  process.exit(2);
}
const only = values.only?.split(",").filter(Boolean);
for (const name of only ?? []) {
  if (!ALL.has(name)) {
    console.error(`fuzz-image: no property ${JSON.stringify(name)} (see --list)`);
    process.exit(2);
  }
}

console.log(`fuzz-image: seed ${seed}, ${runs} runs per property`);
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
  console.log(`replay: node_modules/.bin/bun scripts/fuzz-image.ts --only ${name} --seed ${seed} --runs ${runs}\n`);
}
rmSync(SCRATCH, { recursive: true, force: true });
console.log(failed ? `fuzz-image: ${failed} failed (seed ${seed})` : "fuzz-image: all passed");
process.exit(failed ? 1 : 0);
