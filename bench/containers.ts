// Benchmark: containers through skiffd against containerd (ctr), podman and Debian's dockerd, side
// by side in one run (issue 10's "Benchmark"). Each engine runs on roots of its own under
// /tmp/skiff-test-PID (skiffd: data/exec root, socket, pid file; containerd: config, root, state,
// socket; podman: --root/--runroot/--tmpdir and a containers.conf; dockerd: data/exec root, socket,
// pid file, no iptables, no bridge, its own containerd), with its containers' cgroups under
// /skiff-test-PID, and all import the same busybox rootfs (Debian's busybox-static) as their image.
// Sections (in the order they run and print):
//   run      1. `run --rm busybox /bin/true` with no network: bin/skiff and the docker CLI against
//               skiffd, `ctr run --rm`, `podman run --rm --network none`, the docker CLI against
//               dockerd (`--network none`); hyperfine in rounds; medians and the ratio to ctr.
//   burst    2. 20 `run -d … sleep 60` at once: the time until every client has returned (each
//               returns once its container runs; the count is checked), removal untimed.
//   monitor  3. RSS and PSS of the per-container monitor (skiff-monitor, conmon, the shim) with
//               1 and with 10 containers (per container).
//   logs     4. `logs` to /dev/null of a container that printed 100,000 lines.
//   daemon   5. the daemon's RSS/PSS idle, then after a pull of a Debian image from a local
//               registry, the busybox import and 3 `run --rm` (fresh daemons, one at a time).
// Each section prints a table and its target checks (✓/✗; "?" when it could not be measured); a
// peer that cannot run is named with the reason and the run goes on. At the end the engines are
// stopped and removed, and the host is compared with how it was before (mounts, cgroups,
// processes, netns, iptables rules, the directories where engines keep host-wide state).
//   sudo node_modules/.bin/bun bench/containers.ts [--runs N (5)] [--rounds R (3)] [--burst N (20)]
//        [--burst-runs N (3, at most --runs)] [--lines N (100000)] [--only SECTION|ENGINE,...]
// --only takes section names (run, burst, monitor, daemon, logs) and engines (skiff, ctr or
// containerd, podman, docker or dockerd); skiff is always measured.
import { existsSync, statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { rootfsTar } from "../test/harness/engines.ts";
import { tempDir } from "../test/harness/oci.ts";
import { orderNote, orderStaleness } from "./bytecode-order-check.ts";
import { daemonMemorySection } from "./containers/daemon-memory.ts";
import { startContainerd, startDockerd, startPodman, startSkiff, type Engine, type EngineKey, type EngineOptions } from "./containers/engines.ts";
import { allTargets, leftOut } from "./containers/report.ts";
import { burst, logs, monitors, runRm, type Bench } from "./containers/sections.ts";
import { removeRunState, reportCleanUp, runHostState, stopEngines, stopOnInterrupt } from "./containers/teardown.ts";

const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) || fallback : fallback);
const runs = arg("--runs", 5);
const rounds = Math.min(arg("--rounds", 3), runs);
const burstSize = arg("--burst", 20);
const burstRuns = arg("--burst-runs", Math.min(3, runs));
const lines = arg("--lines", 100_000);

const SECTIONS = ["run", "burst", "monitor", "logs", "daemon"] as const;
const ALIASES: Record<string, EngineKey> = { skiff: "skiff", ctr: "containerd", containerd: "containerd", podman: "podman", docker: "dockerd", dockerd: "dockerd" };
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1]!.split(",") : [];
const unknown = only.filter((o) => !(SECTIONS as readonly string[]).includes(o) && !(o in ALIASES));
if (unknown.length) {
  console.error(`bench: --only: unknown ${unknown.join(", ")} (sections: ${SECTIONS.join(", ")}; engines: ${Object.keys(ALIASES).join(", ")})`);
  process.exit(2);
}
const sections = new Set(only.some((o) => (SECTIONS as readonly string[]).includes(o)) ? only.filter((o) => (SECTIONS as readonly string[]).includes(o)) : SECTIONS);
const engineKeys = new Set<EngineKey>(only.some((o) => o in ALIASES) ? ["skiff", ...only.flatMap((o) => (o in ALIASES ? [ALIASES[o]!] : []))] : ["skiff", "containerd", "podman", "dockerd"]);
const STARTERS: [EngineKey, (o: EngineOptions) => Promise<Engine>][] = [
  ["skiff", startSkiff],
  ["containerd", startContainerd],
  ["podman", startPodman],
  ["dockerd", startDockerd],
];
const starters = STARTERS.filter(([k]) => engineKeys.has(k));

const before = runHostState();
/** The build under test: a rebuild of bin/ during the run (another session's scripts/build) mixes
 * two builds in the figures, so the end of the run says so. */
const BUILT = ["skiff-engine", "skiff-monitor", "skiff-exec"].map((f) => join(import.meta.dir, "../bin", f));
const builtAt = () => BUILT.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0));
const buildBefore = builtAt();
const dir = tempDir("bench");
const started: Engine[] = [];
const notes: string[] = [];

const stopAll = () => stopEngines(started, notes);

stopOnInterrupt(stopAll);

try {
  const tar = rootfsTar(dir);
  const opts: EngineOptions = { dir, rootfsTar: tar };
  const b: Bench = { runs, rounds, dir };
  console.log(`containers bench: ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}, ${cpus().length} CPUs`);
  if ([...sections].some((s) => s !== "daemon")) {
    for (const [key, start] of starters) {
      try {
        const e = await start(opts);
        started.push(e);
        e.importImage();
      } catch (err) {
        leftOut(key, err);
      }
    }
    const peers = started.flatMap((e) => e.peers);
    const skiffCli = peers.find((p) => p.label === "skiff")?.cli;
    if (skiffCli) {
      const ps = skiffCli("ps");
      console.log(orderNote("skiff ps", orderStaleness("engine-1-ps", ps.argv, ps.env)));
    }
    if (sections.has("run")) runRm(peers, b);
    if (sections.has("burst")) await burst(peers, burstSize, burstRuns, b);
    if (sections.has("monitor")) await monitors(started, b);
    if (sections.has("logs")) await logs(started, lines, b);
    await stopAll();
  }
  if (sections.has("daemon")) notes.push(...(await daemonMemorySection(starters.filter(([k]) => k !== "podman").map(([, s]) => s), opts)));
} catch (err) {
  console.error(`bench: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  await stopAll();
  removeRunState(dir);
  console.log("\ntargets:");
  for (const t of allTargets()) console.log(`  ${t}`);
  const rebuilt = BUILT.filter((_, i) => builtAt()[i] !== buildBefore[i]);
  if (rebuilt.length) console.log(`\nwarning: ${rebuilt.join(", ")} changed during the run (rebuilt): the figures mix two builds`);
  reportCleanUp(notes, before);
}
