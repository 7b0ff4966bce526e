// Benchmark: the OCI lifecycle of a busybox bundle running /bin/true, for skiff-oci, runc and
// crun side by side in one run (hyperfine), printing medians and ratios.
//   sudo node_modules/.bin/bun bench/oci-lifecycle.ts [--runs N]
// Rows: run (create+start+wait+delete), then create, start, kill, delete alone, exec into a
// running container, and start-up.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const REPO = join(import.meta.dir, "..");
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 40;
const work = mkdtempSync("/tmp/skiff-bench-");
const bundle = join(work, "bundle");
execFileSync(join(REPO, "scripts/make-busybox-bundle"), [bundle, "/bin/true"], { stdio: "ignore" });
const sleeper = join(work, "sleeper");
execFileSync(join(REPO, "scripts/make-busybox-bundle"), [sleeper, "sleep", "1000"], { stdio: "ignore" });

const runtimes: Record<string, string> = { "skiff-oci": join(REPO, "bin/skiff-oci"), runc: "runc", crun: "crun" };
const rt = (name: string) => `${runtimes[name]} --root ${work}/state-${name}`;

// crun 1.8 refuses this machine's hybrid cgroup layout; keep the peers that run here.
const usable = Object.keys(runtimes).filter((name) => {
  const r = spawnSync("sh", ["-c", `${rt(name)} run --bundle ${bundle} probe-${name}`], { encoding: "utf8" });
  if (r.status !== 0) console.log(`(${name} left out: ${(r.stderr || r.stdout).trim().split("\n").pop()})`);
  return r.status === 0;
});

interface Row {
  name: string;
  command: (r: string) => string;
  prepare?: (r: string) => string;
  /** Once before the row's runs (and its container deleted after). */
  setup?: (r: string) => string;
}
const id = "bench";
const rows: Row[] = [
  { name: "run (create+start+delete)", command: (r) => `${r} run --bundle ${bundle} ${id}` },
  { name: "create", command: (r) => `${r} create --bundle ${sleeper} ${id}`, prepare: (r) => `${r} delete --force ${id} 2>/dev/null; true` },
  { name: "start", command: (r) => `${r} start ${id}`, prepare: (r) => `${r} delete --force ${id} 2>/dev/null; ${r} create --bundle ${sleeper} ${id}` },
  { name: "kill", command: (r) => `${r} kill ${id} KILL`, prepare: (r) => `${r} delete --force ${id} 2>/dev/null; ${r} create --bundle ${sleeper} ${id}; ${r} start ${id}` },
  { name: "delete (stopped)", command: (r) => `${r} delete ${id}`, prepare: (r) => `${r} delete --force ${id} 2>/dev/null; ${r} create --bundle ${bundle} ${id}; ${r} start ${id}; sleep 0.05` },
  { name: "exec (true, running container)", command: (r) => `${r} exec ${id} /bin/true`, setup: (r) => `${r} run --detach --bundle ${sleeper} ${id}` },
  { name: "start-up (--version)", command: (r) => `${r.split(" ")[0]} --version` },
];

function median(name: string, row: Row): number {
  const r = rt(name);
  // a detached container keeps its stdio: give it none, or spawnSync waits for it
  if (row.setup) spawnSync("sh", ["-c", row.setup(r)], { stdio: "ignore" });
  const out = join(work, "hf.json");
  const args = ["-N", "--style", "none", "-w", "3", "-r", String(runs), "--export-json", out];
  if (row.prepare) args.push("--prepare", row.prepare(r));
  args.push(row.command(r));
  const res = spawnSync("hyperfine", args.filter((a) => a !== "-N" || !row.prepare), { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`hyperfine failed for ${name} ${row.name}: ${res.stderr}`);
  const t = JSON.parse(readFileSync(out, "utf8")).results[0].times as number[];
  spawnSync("sh", ["-c", `${r} delete --force ${id} 2>/dev/null`]);
  return [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)]! * 1000;
}

try {
  const table: string[][] = [];
  for (const row of rows) {
    const ms = Object.fromEntries(usable.map((name) => [name, median(name, row)]));
    const ratios = usable.filter((n) => n !== "skiff-oci").map((n) => `${(ms["skiff-oci"]! / ms[n]!).toFixed(2)}× ${n}`);
    table.push([row.name, ...usable.map((n) => `${ms[n]!.toFixed(1)} ms`), ratios.join(", ")]);
  }
  const header = ["median of " + runs, ...usable, "skiff-oci / peer"];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  for (const r of [header, ...table]) console.log(r.map((c, i) => c.padEnd(widths[i]! + 2)).join(""));
  writeFileSync(join(work, "done"), "");
} finally {
  for (const name of usable) spawnSync("sh", ["-c", `${rt(name)} delete --force ${id} 2>/dev/null`]);
  rmSync(work, { recursive: true, force: true });
}
