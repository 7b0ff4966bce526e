// Benchmark: files in and out of containers, skiffd against Debian's dockerd on its own roots (as
// bench/containers.ts starts it: no iptables, no bridge), side by side, one engine at a time:
// - cp in: a 100 MB directory (100 files of 1 MiB and 1,000 of 1 KiB under 10 directories) from
//   the host into a running container (a fresh path each run);
// - cp out: the same directory from the container back to the host (a fresh path each run);
// - commit: of a stopped container that wrote 10,000 small files (the new image removed after
//   each run, untimed).
// Clients: skiff's CLI and docker 28's against skiffd, docker 28's against dockerd, all running
// at once and measured in turn, run by run. Medians of --runs runs (default 5) after one warm-up,
// and the ratio to dockerd (below 1: skiff is faster).
// Usage: bun bench/files.ts [--runs N] [--only skiff|dockerd]
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rootfsTar } from "../test/harness/engines.ts";
import { tempDir } from "../test/harness/oci.ts";
import { startDockerd, startSkiff, type Engine, type Peer } from "./containers/engines.ts";
import { median, runCmd, type Cmd } from "./containers/measure.ts";
import { removeRunState, reportCleanUp, runHostState, stopEngines } from "./containers/teardown.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const RUNS = Number(flag("--runs") ?? 5);
const only = flag("--only");
const dir = tempDir("bench-files");
const opts = { dir, rootfsTar: rootfsTar(dir) };

/** The 100 MB tree on the host. */
function makeTree(root: string): number {
  let bytes = 0;
  const mib = Buffer.alloc(1 << 20, 7);
  const kib = Buffer.alloc(1024, 9);
  for (let d = 0; d < 10; d++) {
    const sub = join(root, `d${d}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 10; f++) writeFileSync(join(sub, `big${f}`), mib), (bytes += mib.byteLength);
    for (let f = 0; f < 100; f++) writeFileSync(join(sub, `small${f}`), kib), (bytes += kib.byteLength);
  }
  return bytes;
}

const must = (what: string, c: Cmd) => {
  const r = runCmd(c, { dir, timeout: 600_000 });
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code}: ${r.stderr.slice(0, 400)}`);
  return r.stdout;
};
const timed = (what: string, c: Cmd): number => {
  const t = performance.now();
  must(what, c);
  return performance.now() - t;
};

const CASES = ["cp in 100 MB", "cp out 100 MB", "commit 10k files"] as const;

/** A peer ready to measure: its containers made (a running one holding the tree, a stopped writer). */
function prepare(peer: Peer, tree: string) {
  const cli = peer.cli!;
  const tag = peer.label.replace(/\W+/g, "-");
  const box = `files-${tag}`;
  const writer = `writer-${tag}`;
  must("run", cli("run", "-d", "--name", box, "--network", "none", "busybox:latest", "sleep", "100000"));
  must("run writer", cli("run", "--name", writer, "--network", "none", "busybox:latest", "sh", "-c", "mkdir /w && cd /w && i=0; while [ $i -lt 10000 ]; do echo $i > f$i; i=$((i+1)); done"));
  must("seed", cli("cp", tree, `${box}:/data`));
  const times: Record<(typeof CASES)[number], number[]> = { "cp in 100 MB": [], "cp out 100 MB": [], "commit 10k files": [] };
  return {
    label: peer.label,
    times,
    /** One run of each case (kept unless it is the warm-up); what each made is removed, untimed. */
    run(i: number) {
      const tIn = timed("cp in", cli("cp", tree, `${box}:/in${i}`));
      must("rm in", cli("exec", box, "rm", "-rf", `/in${i}`));
      const target = join(dir, `out-${tag}-${i}`);
      const tOut = timed("cp out", cli("cp", `${box}:/data`, target));
      rmSync(target, { recursive: true, force: true });
      const tCommit = timed("commit", cli("commit", writer, `bench/commit:${i}`));
      must("rmi", cli("rmi", `bench/commit:${i}`));
      if (i > 0) {
        times["cp in 100 MB"].push(tIn);
        times["cp out 100 MB"].push(tOut);
        times["commit 10k files"].push(tCommit);
      }
    },
    remove: () => void runCmd(cli("rm", "-f", box, writer), { dir }),
  };
}

async function main(): Promise<void> {
  const tree = join(dir, "tree");
  const bytes = makeTree(tree);
  const engines: Engine[] = [];
  const peers: ReturnType<typeof prepare>[] = [];
  try {
    for (const [key, start] of [["skiff", startSkiff], ["dockerd", startDockerd]] as const) {
      if (only && only !== key) continue;
      const engine = await start(opts);
      engines.push(engine);
      engine.importImage();
      for (const peer of engine.peers.filter((p) => p.cli)) peers.push(prepare(peer, tree));
    }
    // interleaved: run i of every peer, then run i + 1, so that the machine's load (shared, 2
    // cores) weighs on all of them alike; run 0 is the warm-up
    for (let i = 0; i <= RUNS; i++) for (const p of peers) p.run(i);
  } finally {
    for (const p of peers) p.remove();
    await stopEngines(engines, notes);
  }
  const reference = peers.find((r) => r.label === "docker → dockerd");
  console.log(`files: ${(bytes / 1e6).toFixed(1)} MB tree, ${RUNS} runs each after a warm-up, interleaved (median ms; ratio to docker → dockerd)\n`);
  console.log(`| case | ${peers.map((r) => r.label).join(" | ")} |`);
  console.log(`|---|${peers.map(() => "---").join("|")}|`);
  for (const c of CASES) {
    const ref = reference ? median(reference.times[c]) : undefined;
    const cells = peers.map((r) => {
      const m = median(r.times[c]);
      return `${m.toFixed(0)}${ref && r !== reference ? ` (${(m / ref).toFixed(2)})` : ""}`;
    });
    console.log(`| ${c} | ${cells.join(" | ")} |`);
  }
  console.log(`\nload average at the end: ${(await import("node:os")).loadavg().map((x) => x.toFixed(1)).join(" ")} (2 cores, shared)`);
}

// what the engines' stops noted, and the host as the run found it: the cgroup parents the
// engines' containers were made under go with the run (they had stayed: 10 dirs a run)
const notes: string[] = [];
const before = runHostState();
try {
  await main();
} finally {
  removeRunState(dir);
  reportCleanUp(notes, before);
}
