// Benchmark: the OCI lifecycle of a busybox bundle running /bin/true, for skiff-oci, runc and
// crun side by side in one run (hyperfine), printing medians and ratios, then issue 9's budget for
// the short verbs: (skiff-oci − an empty compiled Bun program) ≤ (runc − `runc --version`).
//   sudo node_modules/.bin/bun bench/oci-lifecycle.ts [--runs N] [--rounds R] [--also NAME=PATH]...
// (--also adds a column for another build of skiff-oci, e.g. the one before a change.)
// Rows: run (create+start+wait+delete), then create, start, state, kill, delete alone, exec into a
// running container, start-up (--version), and Bun's own start-up (an empty program compiled with
// scripts/build's flags). The runs are split into rounds (by default one run each) and every round
// measures each row for all runtimes in one hyperfine call, the short commands' rows together with
// the start-ups they are compared with, so that what is compared shares the same moments of a
// busy machine. Medians of the runs pooled over the rounds. Before each timed run the machine is
// left SETTLE seconds after the last container operation: a container's teardown goes on in the
// kernel after the command returns (cgroup and namespace release on kworkers), and on 2 vCPUs it
// slowed whatever ran next, a Bun start-up (which touches more memory) more than runc's.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { orderNote, orderStaleness } from "./bytecode-order-check.ts";

const REPO = join(import.meta.dir, "..");
const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) || fallback : fallback);
const runs = arg("--runs", 40);
const rounds = Math.min(arg("--rounds", runs), runs);
const work = mkdtempSync("/tmp/skiff-bench-");
const bundle = join(work, "bundle");
execFileSync(join(REPO, "scripts/make-busybox-bundle"), [bundle, "/bin/true"], { stdio: "ignore" });
const sleeper = join(work, "sleeper");
execFileSync(join(REPO, "scripts/make-busybox-bundle"), [sleeper, "sleep", "1000"], { stdio: "ignore" });
const empty = join(work, "empty-program");
execFileSync(join(REPO, "scripts/build"), ["--empty-program", empty], { stdio: "inherit" });

const extras = process.argv.flatMap((a, i) => (process.argv[i - 1] === "--also" ? [a.split("=")] : [])).map(([name, path]) => [name!, path!] as const);
const ours = ["skiff-oci", ...extras.map(([name]) => name)];
const runtimes: Record<string, string> = { "skiff-oci": join(REPO, "bin/skiff-oci"), ...Object.fromEntries(extras), runc: "runc", crun: "crun" };
const rt = (name: string) => `${runtimes[name]} --root ${work}/state-${name}`;

// crun 1.8 refuses this machine's hybrid cgroup layout; keep the peers that run here.
const usable = Object.keys(runtimes).filter((name) => {
  const r = spawnSync("sh", ["-c", `${rt(name)} run --bundle ${bundle} probe-${name}`], { encoding: "utf8" });
  if (r.status !== 0) console.log(`(${name} left out: ${(r.stderr || r.stdout).trim().split("\n").pop()})`);
  return r.status === 0;
});

/** `r` is the runtime's command line with its --root. Each runtime's container has an id (and so
 * a cgroup) of its own: two containers in one cgroup would see, and delete --force kill, both. */
interface Row {
  name: string;
  command: (r: string, id: string) => string;
  /** Shell text run before each timed run. */
  prepare?: (r: string, id: string) => string;
  /** Shell text run once before the row's runs in each round (its container is deleted after). */
  setup?: (r: string, id: string) => string;
}
const idOf = (name: string) => `bench-${name}`;
const fresh = (r: string, id: string) => `${r} delete --force ${id} 2>/dev/null; ${r} create --bundle ${sleeper} ${id}`;
const rows: Row[] = [
  { name: "run (create+start+delete)", command: (r, id) => `${r} run --bundle ${bundle} ${id}` },
  { name: "create", command: (r, id) => `${r} create --bundle ${sleeper} ${id}`, prepare: (r, id) => `${r} delete --force ${id} 2>/dev/null; true` },
  { name: "start", command: (r, id) => `${r} start ${id}`, prepare: fresh },
  { name: "state", command: (r, id) => `${r} state ${id}`, setup: fresh },
  { name: "kill", command: (r, id) => `${r} kill ${id} KILL`, prepare: (r, id) => `${fresh(r, id)}; ${r} start ${id}` },
  { name: "delete (stopped)", command: (r, id) => `${r} delete ${id}`, prepare: (r, id) => `${r} delete --force ${id} 2>/dev/null; ${r} create --bundle ${bundle} ${id}; ${r} start ${id}; sleep 0.05` },
  { name: "exec (true, running container)", command: (r, id) => `${r} exec ${id} /bin/true`, setup: (r, id) => `${r} run --detach --bundle ${sleeper} ${id}` },
  { name: "start-up (--version)", command: (r) => `${r.split(" ")[0]} --version` },
];
/** Bun's own start-up: timed beside the --version runs and the short commands. */
const BUN = "empty compiled Bun program";
const SHORT = ["start", "state", "kill", "delete"];
const VERSION = rows.find((r) => r.name.startsWith("start-up"))!;

const SETTLE = 0.1;

/** Every timed run of each row, per runtime, pooled over the rounds (seconds). */
const times = new Map<string, number[]>();
const key = (row: string, name: string) => `${row}\0${name}`;

/** One hyperfine call: the row for each runtime (in a shuffled order), `n` runs each. */
function measure(row: Row, n: number, round: number): void {
  const names = [...usable].sort(() => Math.random() - 0.5);
  for (const name of names) if (row.setup) spawnSync("sh", ["-c", row.setup(rt(name), idOf(name))], { stdio: "ignore" }); // a detached container keeps its stdio: give it none
  const jobs: { key: string; command: string; prepare?: string }[] = names.map((name) => ({ key: key(row.name, name), command: row.command(rt(name), idOf(name)), prepare: row.prepare?.(rt(name), idOf(name)) }));
  // the terms of issue 9's budget side by side: Bun's start-up, and each runtime's --version
  if (row === VERSION || SHORT.some((v) => row.name.startsWith(v))) jobs.push({ key: key(BUN, ""), command: empty });
  if (row !== VERSION && SHORT.some((v) => row.name.startsWith(v))) for (const name of names) jobs.push({ key: key(VERSION.name, name), command: VERSION.command(rt(name), "") });
  const out = join(work, "hf.json");
  // -N (no shell, nothing subtracted): a prepare is a script file run by sh
  const args = ["-N", "--style", "none", "-w", round === 0 ? "3" : "0", "-r", String(n), "--export-json", out];
  if (row.prepare)
    jobs.forEach((job, i) => {
      const script = join(work, `prepare-${i}.sh`);
      writeFileSync(script, `${job.prepare ?? "true"}\nsleep ${SETTLE}\n`);
      args.push("--prepare", `sh ${script}`);
    });
  args.push(...jobs.map((job) => job.command));
  Bun.sleepSync(SETTLE * 1000);
  const res = spawnSync("hyperfine", args, { encoding: "utf8" });
  for (const name of names) spawnSync("sh", ["-c", `${rt(name)} delete --force ${idOf(name)} 2>/dev/null`]);
  if (res.status !== 0) throw new Error(`hyperfine failed for ${row.name}: ${res.stderr}`);
  const results = JSON.parse(readFileSync(out, "utf8")).results as { times: number[] }[];
  jobs.forEach((job, i) => times.set(job.key, [...(times.get(job.key) ?? []), ...results[i]!.times]));
}

function median(row: Row | string, name: string): number {
  const t = [...(times.get(key(typeof row === "string" ? row : row.name, name)) ?? [])].sort((a, b) => a - b);
  return t.length % 2 ? t[(t.length - 1) / 2]! * 1000 : ((t[t.length / 2 - 1]! + t[t.length / 2]!) / 2) * 1000;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
function printTable(header: string[], table: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  for (const r of [header, ...table]) console.log(r.map((c, i) => c.padEnd(widths[i]! + 2)).join("").trimEnd());
}

try {
  for (let round = 0; round < rounds; round++) {
    const n = Math.floor(runs / rounds) + (round < runs % rounds ? 1 : 0);
    for (const row of [...rows].sort(() => Math.random() - 0.5)) measure(row, n, round);
  }
  const peers = usable.filter((n) => !ours.includes(n));
  printTable(
    ["median of " + runs, ...usable, "skiff-oci / peer"],
    [
      ...rows.map((row) => [row.name, ...usable.map((n) => ms(median(row, n))), peers.map((n) => `${(median(row, "skiff-oci") / median(row, n)).toFixed(2)}× ${n}`).join(", ")]),
      [BUN, ms(median(BUN, "")), ...usable.slice(1).map(() => ""), ""],
    ],
  );

  // Issue 9's budget: the short verbs pay Bun's start-up and at most the work runc does after its own.
  const row = (name: string) => rows.find((r) => r.name.startsWith(name))!;
  const bun = median(BUN, "");
  const version = VERSION;
  console.log("");
  const budget: string[][] = [];
  for (const us of ours.filter((n) => usable.includes(n)))
    for (const verb of [...SHORT, "run", "create", "exec"]) {
      const r = row(verb);
      const short = SHORT.includes(verb);
      const mine = median(r, us) - (short ? bun : 0);
      const theirs = peers.map((p) => [p, median(r, p) - (short ? median(version, p) : 0)] as const);
      const holds = theirs.every(([, t]) => mine <= t);
      const left = short ? `${ms(median(r, us))} − ${ms(bun)} = ${ms(mine)}` : ms(mine);
      const right = theirs.map(([p, t]) => (short ? `${p}: ${ms(median(r, p))} − ${ms(median(version, p))} = ${ms(t)}` : `${p}: ${ms(t)}`)).join(", ");
      budget.push([`${verb}${ours.length > 1 ? ` (${us})` : ""}`, left, right, holds ? "holds" : "FAILS"]);
    }
  printTable(["issue 9", "ours (− empty Bun program)", "≤ peer (− its --version)", ""], budget);
  spawnSync("sh", ["-c", fresh(rt("skiff-oci"), idOf("skiff-oci"))], { stdio: "ignore" });
  console.log(`\n${orderNote("skiff-oci state", orderStaleness("oci-0-state", [runtimes["skiff-oci"]!, "--root", `${work}/state-skiff-oci`, "state", idOf("skiff-oci")]))}`);
  writeFileSync(join(work, "done"), "");
} finally {
  for (const name of usable) spawnSync("sh", ["-c", `${rt(name)} delete --force ${idOf(name)} 2>/dev/null`]);
  rmSync(work, { recursive: true, force: true });
}
