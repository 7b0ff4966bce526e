// Benchmark: networks, skiffd against Debian's dockerd and podman side by side in one run (issue
// 12's "Benchmark"). The engines are bench/containers.ts's (own roots under /tmp/skiff-test-PID,
// containers' cgroups under /skiff-test-PID, the same busybox image), but on their default
// networks: skiffd's default bridge (the run's, sktPID), dockerd's docker0 with its iptables and
// docker-proxy, podman's CNI network "podman" (cni-podman0). Rows (in the order they run and print):
//   run    1. `run --rm busybox /bin/true` on the default bridge: bin/skiff → skiffd, the docker CLI
//             → dockerd, podman; and skiff with --network none (the bridge's cost); hyperfine in
//             rounds, medians and the ratio to docker's; then where skiff's time goes (its trace
//             and skiffd's events, bridge against none).
//   port   2. a busybox httpd published with -p HOSTPORT:80 in each engine; a local client makes
//             a bounded number of GETs (small and ~100 KiB files) to 127.0.0.1:HOSTPORT, the
//             engines taking turns: requests/s, p50/p99 latency, and the path each engine's
//             connections took (iptables DNAT or a proxy).
// Each row prints its target checks (✓/✗; "?" when not measured); a peer that cannot run is named
// with the reason and the run goes on. At the end the engines are stopped, what they left on the
// host's network removed (docker0 and dockerd's chains, cni-podman0, the run's bridge: whatever
// was not there before), and the host compared with how it was before.
import { cpus, loadavg } from "node:os";
import { rootfsTar } from "../test/harness/engines.ts";
import { tempDir } from "../test/harness/oci.ts";
import { startDockerd, startPodman, startSkiff, type Engine, type EngineKey, type EngineOptions } from "./containers/engines.ts";
import { allTargets, leftOut } from "./containers/report.ts";
import { removeRunState, reportCleanUp, runHostState, stopEngines, stopOnInterrupt } from "./containers/teardown.ts";
import { hostNetworks, removeEngineNetworks } from "./networks/host-networks.ts";
import { publishedPort } from "./networks/published-port.ts";
import { runCases, runRmBridge, whereSkiffTimeGoes } from "./networks/run-rm.ts";

const USAGE = `Usage: sudo node_modules/.bin/bun bench/networks.ts [OPTIONS]

skiffd's default bridge network against dockerd's and podman's, side by side (issue 12).

Options:
  --runs N          run --rm: runs per command, hyperfine (default 10)
  --rounds R        run --rm: hyperfine calls the runs are split into, order rotated (default 5)
  --traces N        traced skiff run --rm per network, for where the time goes (default 10; 0: none)
  --requests N      published port: small GETs per engine (default 2000)
  --big N           published port: ~100 KiB GETs per engine (default 200)
  --concurrency C   published port: requests at a time (default 8)
  --batches B       published port: batches the requests are split into, engines taking turns (default 4)
  --only LIST       rows (run, port) and/or engines (skiff, docker or dockerd, podman), comma-separated;
                    skiff is always measured
  -h, --help        print this and exit
`;

const ROWS = ["run", "port"] as const;
const ALIASES: Record<string, EngineKey> = { skiff: "skiff", docker: "dockerd", dockerd: "dockerd", podman: "podman" };

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const NUMERIC = ["--runs", "--rounds", "--traces", "--requests", "--big", "--concurrency", "--batches"];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  const ok = (NUMERIC.includes(a) && /^\d+$/.test(argv[i + 1] ?? "")) || (a === "--only" && argv[i + 1] !== undefined);
  if (!ok) {
    console.error(`bench/networks: ${NUMERIC.includes(a) || a === "--only" ? `${a} needs a ${a === "--only" ? "list" : "number"}` : `unknown argument ${a}`}\n\n${USAGE}`);
    process.exit(2);
  }
  i++;
}
const arg = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const runs = Math.max(1, arg("--runs", 10));
const rounds = Math.max(1, Math.min(arg("--rounds", 5), runs));
const traces = arg("--traces", 10);
const port = { small: arg("--requests", 2000), big: arg("--big", 200), concurrency: Math.max(1, arg("--concurrency", 8)), rounds: Math.max(1, arg("--batches", 4)) };

const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1]!.split(",") : [];
const unknown = only.filter((o) => !(ROWS as readonly string[]).includes(o) && !(o in ALIASES));
if (unknown.length) {
  console.error(`bench/networks: --only: unknown ${unknown.join(", ")} (rows: ${ROWS.join(", ")}; engines: ${Object.keys(ALIASES).join(", ")})`);
  process.exit(2);
}
const isRow = (o: string) => (ROWS as readonly string[]).includes(o);
const rows = new Set(only.some(isRow) ? only.filter(isRow) : ROWS);
const engineKeys = new Set<EngineKey>(only.some((o) => o in ALIASES) ? ["skiff", ...only.flatMap((o) => (o in ALIASES ? [ALIASES[o]!] : []))] : ["skiff", "dockerd", "podman"]);
const STARTERS: [EngineKey, (o: EngineOptions) => Promise<Engine>][] = [
  ["skiff", startSkiff],
  ["dockerd", startDockerd],
  ["podman", startPodman],
];

const before = runHostState();
const networksBefore = hostNetworks();
const dir = tempDir("bench-networks");
const started: Engine[] = [];
const notes: string[] = [];
let cleaned = false;

/** Stops the engines, then removes what they left on the host's network (once). */
async function stopAll(): Promise<void> {
  await stopEngines(started, notes);
  if (cleaned) return;
  cleaned = true;
  notes.push(...removeEngineNetworks(networksBefore));
}

stopOnInterrupt(stopAll, () => removeRunState(dir));

try {
  const opts: EngineOptions = { dir, rootfsTar: rootfsTar(dir), networks: true };
  console.log(`networks bench: ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}, ${cpus().length} CPUs`);
  for (const [key, start] of STARTERS.filter(([k]) => engineKeys.has(k))) {
    try {
      const e = await start(opts);
      started.push(e);
      e.importImage();
    } catch (err) {
      leftOut(key, err);
    }
  }
  // bin/skiff, the docker CLI against dockerd, podman (the docker CLI against skiffd is not a row)
  const peers = started.flatMap((e) => e.peers).filter((p) => p.run && p.label !== "docker → skiffd");
  if (rows.has("run")) {
    const cases = runCases(peers);
    runRmBridge(cases, { runs, rounds, dir });
    if (traces > 0) await whereSkiffTimeGoes(cases, traces, { runs, rounds, dir });
  }
  if (rows.has("port")) await publishedPort(peers, { dir, ...port });
} catch (err) {
  console.error(`bench/networks: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  await stopAll();
  removeRunState(dir);
  console.log("\ntargets:");
  for (const t of allTargets()) console.log(`  ${t}`);
  reportCleanUp(notes, before);
}
