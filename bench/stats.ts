// Benchmark: `stats --no-stream` of 20 running containers, skiffd against Debian's dockerd (its
// own roots, no iptables, no bridge; see bench/containers/engines.ts), side by side: skiff's CLI
// and docker's against skiffd, docker's against dockerd, each run in turn (interleaved) so a
// change in the machine's load falls on all alike; medians of the wall time and the ratios to
// dockerd. Each run's output must list the 20 containers. At the end the zero frame of a
// container that never ran is fetched from both daemons and compared (ids aside).
//
//   node_modules/.bin/bun bench/stats.ts [--runs N] [--containers N]
import { cpus, loadavg } from "node:os";
import { rootfsTar } from "../test/harness/engines.ts";
import { tempDir } from "../test/harness/oci.ts";
import { startDockerd, startSkiff, type Engine, type Peer } from "./containers/engines.ts";
import { median, runCmd } from "./containers/measure.ts";
import { removeRunState, reportCleanUp, runHostState, stopEngines } from "./containers/teardown.ts";

const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) || fallback : fallback);
const runs = arg("--runs", 9);
const count = arg("--containers", 20);

const before = runHostState();
const dir = tempDir("bench-stats");
const started: Engine[] = [];
const notes: string[] = [];

const stopAll = () => stopEngines(started, notes);

/** The zero frame a daemon answers for a container that never ran (stream=false), ids aside. */
async function zeroFrame(peer: Peer): Promise<string> {
  const cli = peer.cli!;
  runCmd(cli("create", "--name", "never-ran", "--network", "none", "busybox:latest", "true"), { dir });
  const sock = cli("x").env!.DOCKER_HOST?.replace("unix://", "") ?? "";
  const body = await (await fetch("http://d/containers/never-ran/stats?stream=0", { unix: sock } as RequestInit)).text();
  runCmd(cli("rm", "never-ran"), { dir });
  return body.replace(/"id":"[0-9a-f]{64}"/, '"id":"…"').trim();
}

try {
  const tar = rootfsTar(dir);
  console.log(`stats bench: ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}, ${cpus().length} CPUs; ${count} containers, ${runs} runs each`);
  for (const start of [startSkiff, startDockerd]) {
    const e = await start({ dir, rootfsTar: tar });
    started.push(e);
    e.importImage();
  }
  const [skiff, dockerd] = started as [Engine, Engine];
  const skiffCli = skiff.peers.find((p) => p.label === "skiff")!;
  const dockerOnSkiff = skiff.peers.find((p) => p.label === "docker → skiffd")!;
  const dockerOnDockerd = dockerd.peers[0]!;
  for (const [peer, label] of [[skiffCli, "skiffd"], [dockerOnDockerd, "dockerd"]] as const)
    for (let i = 0; i < count; i++) {
      const r = runCmd(peer.runDetached(`s${i}`, ["sleep", "100000"]), { dir });
      if (r.code !== 0) throw new Error(`${label}: run -d s${i}: ${r.stderr.trim()}`);
    }
  const cases: [string, Peer][] = [
    ["skiff → skiffd", skiffCli],
    ["docker → skiffd", dockerOnSkiff],
    ["docker → dockerd", dockerOnDockerd],
  ];
  const times = new Map<string, number[]>(cases.map(([l]) => [l, []]));
  for (let i = 0; i < runs; i++)
    for (const [label, peer] of cases) {
      const t = performance.now();
      const r = runCmd(peer.cli!("stats", "--no-stream"), { dir });
      const ms = performance.now() - t;
      const rows = r.stdout.trim().split("\n").length - 1;
      if (r.code !== 0 || rows !== count) throw new Error(`${label}: stats --no-stream: exit ${r.code}, ${rows} rows: ${r.stderr.trim()}`);
      times.get(label)!.push(ms);
    }
  const reference = median(times.get("docker → dockerd")!);
  console.log(`\n${"stats --no-stream".padEnd(20)} ${"median".padStart(9)} ${"min".padStart(9)} ${"max".padStart(9)}  vs dockerd`);
  for (const [label] of cases) {
    const xs = times.get(label)!;
    const m = median(xs);
    console.log(`${label.padEnd(20)} ${`${m.toFixed(0)} ms`.padStart(9)} ${`${Math.min(...xs).toFixed(0)} ms`.padStart(9)} ${`${Math.max(...xs).toFixed(0)} ms`.padStart(9)}  ${(reference / m).toFixed(2)}x faster`);
  }
  await skiff.removeAll();
  await dockerd.removeAll();
  const [ours, theirs] = [await zeroFrame(dockerOnSkiff), await zeroFrame(dockerOnDockerd)];
  console.log(`\na never-run container's frame (stream=false): ${ours === theirs ? "the same from both daemons" : `differs:\n  skiffd:  ${ours}\n  dockerd: ${theirs}`}`);
} catch (err) {
  console.error(`bench: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  await stopAll();
  removeRunState(dir);
  reportCleanUp(notes, before);
}
