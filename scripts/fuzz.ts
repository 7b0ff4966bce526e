// The long run of every fuzzer of the project (the unit tests run each briefly with a fixed seed):
//   image:    tar parser, layer unpacker (as root), decompression, import --change, references,
//             platforms, digests, manifests/indexes/configs, registries' search answers
//   cli:      Go templates, docker's config.json, the command-line parsers, docker run's flags →
//             the create body (-p and --add-host on their own too), detach keys, the multiplexed
//             stream framing
//   api:      the create body's network part (mode, endpoints, ports, DNS, extra hosts) → options
//   runtime:  config.json → launch plan, seccomp profile → BPF (against an evaluator written apart
//             from the compiler), the plan's wire format through the executor's decoder (~15 ms a run)
//   engine:   docker run options → the container's config.json; docker's event filters; a tar
//             extracted into a container never writes outside its destination (as root); networks:
//             addresses and subnets, ExtraHosts and /etc/hosts, resolv.conf, PortBindings → port
//             mappings, CNI plugin results, DNS messages from containers (the responder's parser
//             and answers)
//   common:   JSON text with limits, URLs a server sends (redirect hops)
//   monitor:  json-file lines of any bytes in any chunking; hostile attach clients (runs/20 of each)
//
//   node_modules/.bin/bun scripts/fuzz.ts [--runs N] [--seed S] [--only NAME|GROUP,...] [--list]
//
// Each property runs N times (default 10000) from seed S (default: the clock, printed); a failure
// prints its counterexample and the command that replays it, and the script exits 1.
import fc from "fast-check";
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { FRAME_PROPERTIES } from "../src/api/hijack-client.fuzz.ts";
import { HTTP_PROPERTIES } from "../src/api/http/http.fuzz.ts";
import { NETWORK_OPTIONS_PROPERTIES } from "../src/api/wire/network-options.fuzz.ts";
import { CONTAINER_OPTIONS_PROPERTIES } from "../src/api/wire/container-options.fuzz.ts";
import { DETACH_PROPERTIES } from "../src/cli/skiff/attach-session.fuzz.ts";
import { COMMAND_LINE_PROPERTIES } from "../src/cli/skiff/command-line.fuzz.ts";
import { CREATE_PROPERTIES } from "../src/cli/skiff/create-body.fuzz.ts";
import { DOCKER_CONFIG_PROPERTIES, place } from "../src/cli/skiff/docker-config.fuzz.ts";
import { NETWORK_FLAG_PROPERTIES } from "../src/cli/skiff/network-flags.fuzz.ts";
import { PUBLISH_FLAG_PROPERTIES } from "../src/cli/skiff/publish-flag.fuzz.ts";
import { TEMPLATE_PROPERTIES } from "../src/cli/skiff/template.fuzz.ts";
import { COMMON_PROPERTIES } from "../src/common/common.fuzz.ts";
import { DECOMPRESS_PROPERTIES } from "../src/engine/archive/decompress.fuzz.ts";
import { TAR_PROPERTIES } from "../src/common/tar/tar-parser.fuzz.ts";
import { SPEC_PROPERTIES } from "../src/engine/containers/spec/oci-spec.fuzz.ts";
import { EVENT_FILTER_PROPERTIES } from "../src/engine/events/event-filters.fuzz.ts";
import { VOLUME_PROPERTIES } from "../src/engine/volumes/volumes.fuzz.ts";
import { ADDRESS_PROPERTIES } from "../src/engine/networks/addresses.fuzz.ts";
import { HOSTS_FILE_PROPERTIES } from "../src/engine/networks/hosts-file.fuzz.ts";
import { PORT_SPEC_PROPERTIES } from "../src/engine/networks/port-specs.fuzz.ts";
import { RESOLV_CONF_PROPERTIES } from "../src/engine/networks/resolv-conf.fuzz.ts";
import { CNI_RESULT_PROPERTIES } from "../src/engine/networks/cni/result.fuzz.ts";
import { DNS_PROPERTIES } from "../src/engine/networks/dns/message.fuzz.ts";
import { EXTRACT_PROPERTIES } from "../src/engine/containers/files/tar-in.fuzz.ts";
import { CHANGES_PROPERTIES } from "../src/engine/images/import-changes.fuzz.ts";
import { SEARCH_PROPERTIES } from "../src/engine/registry/search.fuzz.ts";
import { APPLY_PROPERTIES } from "../src/engine/snapshots/apply-layer.fuzz.ts";
import { DIGEST_PROPERTIES } from "../src/oci/image/digest.fuzz.ts";
import { DOCUMENT_PROPERTIES } from "../src/oci/image/documents.fuzz.ts";
import { PLATFORM_PROPERTIES } from "../src/oci/image/platform.fuzz.ts";
import { REFERENCE_PROPERTIES } from "../src/oci/image/reference.fuzz.ts";
import { PASSWD_PROPERTIES } from "../src/runtime/passwd.fuzz.ts";
import { CONFIG_PROPERTIES } from "../src/runtime/plan/config-plan.fuzz.ts";
import { CODEC_PROPERTIES } from "../src/runtime/plan/plan-codec.fuzz.ts";
import { SECCOMP_PROPERTIES } from "../src/runtime/seccomp/profile-bpf.fuzz.ts";
import { RUN_TAG } from "../test/harness/leaks.ts";
import { checkJsonLog, hostileClientsProperty } from "../test/harness/monitor-fuzz.ts";

type Property = () => fc.IRawProperty<any>;
/** Where the unpacker's sandboxes and config files go (removed at the end). */
const SCRATCH = `/tmp/skiff-fuzz-${process.pid}`;
const group = (g: string, prefix: string, props: Record<string, Property>): [string, Property][] => Object.entries(props).map(([k, v]) => [`${g}.${prefix}.${k}`, v]);

const ALL = new Map<string, Property>([
  ...group("image", "tar", TAR_PROPERTIES),
  ...group("image", "unpack", APPLY_PROPERTIES(SCRATCH)),
  ...group("image", "decompress", DECOMPRESS_PROPERTIES),
  ...group("image", "import-change", CHANGES_PROPERTIES),
  ...group("image", "reference", REFERENCE_PROPERTIES),
  ...group("image", "platform", PLATFORM_PROPERTIES),
  ...group("image", "digest", DIGEST_PROPERTIES),
  ...group("image", "documents", DOCUMENT_PROPERTIES),
  ...group("image", "search-answer", SEARCH_PROPERTIES),
  ...group("cli", "template", TEMPLATE_PROPERTIES),
  ...group("cli", "docker-config", DOCKER_CONFIG_PROPERTIES(place(SCRATCH))),
  ...group("cli", "command-line", COMMAND_LINE_PROPERTIES),
  ...group("cli", "create-body", CREATE_PROPERTIES),
  ...group("cli", "network-flags", { ...NETWORK_FLAG_PROPERTIES, ...PUBLISH_FLAG_PROPERTIES }),
  ...group("cli", "detach-keys", DETACH_PROPERTIES),
  ...group("cli", "stream-frames", FRAME_PROPERTIES),
  ...group("api", "http", HTTP_PROPERTIES),
  ...group("api", "network-options", NETWORK_OPTIONS_PROPERTIES),
  ...group("api", "container-options", CONTAINER_OPTIONS_PROPERTIES),
  ...group("runtime", "config", CONFIG_PROPERTIES),
  ...group("runtime", "seccomp", SECCOMP_PROPERTIES),
  ...group("runtime", "plan", CODEC_PROPERTIES),
  ...group("runtime", "passwd", PASSWD_PROPERTIES(SCRATCH)),
  ...group("engine", "spec", SPEC_PROPERTIES),
  ...group("engine", "event-filters", EVENT_FILTER_PROPERTIES),
  ...group("engine", "volumes", VOLUME_PROPERTIES),
  ...group("engine", "networks", { ...ADDRESS_PROPERTIES, ...HOSTS_FILE_PROPERTIES, ...PORT_SPEC_PROPERTIES, ...RESOLV_CONF_PROPERTIES }),
  ...group("engine", "cni-result", CNI_RESULT_PROPERTIES),
  ...group("engine", "dns", DNS_PROPERTIES),
  ...group("engine", "extract", EXTRACT_PROPERTIES(SCRATCH)),
  ...group("common", "json", COMMON_PROPERTIES),
]);
const MONITOR = "monitor";

const { values } = parseArgs({ options: { runs: { type: "string", default: "10000" }, seed: { type: "string" }, only: { type: "string" }, list: { type: "boolean" } } });
if (values.list) {
  console.log([...ALL.keys(), `${MONITOR}.json-log`, `${MONITOR}.clients`].join("\n"));
  process.exit(0);
}
const runs = Number(values.runs);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
if (!Number.isSafeInteger(runs) || runs <= 0 || !Number.isSafeInteger(seed)) {
  console.error("fuzz: --runs takes a positive integer, --seed an integer");
  process.exit(2);
}
const only = values.only?.split(",").filter(Boolean);
const chosen = (name: string) => !only || only.some((o) => name === o || name.startsWith(`${o}.`));
for (const o of only ?? [])
  if (![...ALL.keys(), `${MONITOR}.json-log`, `${MONITOR}.clients`].some((n) => n === o || n.startsWith(`${o}.`))) {
    console.error(`fuzz: no property or group ${JSON.stringify(o)} (see --list)`);
    process.exit(2);
  }

console.log(`fuzz: seed ${seed}, ${runs} runs per property`);
let failed = 0;
const replay = (name: string) => `replay: node_modules/.bin/bun scripts/fuzz.ts --only ${name} --seed ${seed} --runs ${runs}\n`;
try {
  for (const [name, property] of ALL) {
    if (!chosen(name)) continue;
    const start = performance.now();
    const details = await fc.check(property(), { numRuns: runs, seed });
    const ms = Math.round(performance.now() - start);
    if (!details.failed) {
      console.log(`ok    ${name} (${details.numRuns} runs, ${ms} ms)`);
      continue;
    }
    failed++;
    console.log(`FAIL  ${name} (${ms} ms)\n${fc.defaultReportMessage(details)}`);
    console.log(replay(name));
  }
  // the monitor's: real processes, so fewer runs
  const monitorRuns = Math.max(1, Math.ceil(runs / 20));
  for (const [name, run] of [
    [`${MONITOR}.json-log`, () => checkJsonLog(monitorRuns, seed)],
    [`${MONITOR}.clients`, () => fc.assert(hostileClientsProperty(), { numRuns: Math.ceil(monitorRuns / 5), seed })],
  ] as const) {
    if (!chosen(name)) continue;
    try {
      await run();
      console.log(`ok    ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL  ${name}\n${(e as Error).message}`);
      console.log(replay(name));
    }
  }
} finally {
  rmSync(SCRATCH, { recursive: true, force: true });
  rmSync(`/tmp/${RUN_TAG}`, { recursive: true, force: true });
}
console.log(failed ? `fuzz: ${failed} failed (seed ${seed})` : "fuzz: all passed");
process.exit(failed ? 1 : 0);
