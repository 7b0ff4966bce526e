// Row 1 of bench/networks.ts: `run --rm busybox /bin/true` on each engine's default bridge network
// (skiff's with --network none beside it, the no-network baseline), hyperfine in rounds; then where
// skiff's time goes: `skiff -D run --rm` (its per-request trace) with skiffd's events, with and
// without the bridge, phase by phase.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { Peer } from "../containers/engines.ts";
import { hyperfineRounds, median, runCmd, shellLine, type Cmd } from "../containers/measure.ts";
import { leftOut, loadNote, ms, printTable, ratio, target } from "../containers/report.ts";

export interface RunBench {
  runs: number;
  rounds: number;
  dir: string;
}

/** One line of the table: a peer's `run --rm` with the given flags. */
export interface RunCase {
  label: string;
  peer: Peer;
  flags: string[];
}

const REFERENCE = "docker → dockerd";
const NONE = "skiff --network none";

/** The cases of row 1 for the peers given (skiff's twice: bridge and none). */
export function runCases(peers: Peer[]): RunCase[] {
  const out: RunCase[] = [];
  for (const p of peers.filter((x) => x.run)) {
    out.push({ label: p.label, peer: p, flags: ["--rm"] });
    if (p.label === "skiff") out.push({ label: NONE, peer: p, flags: ["--rm", "--network", "none"] });
  }
  return out;
}

const command = (c: RunCase): Cmd => c.peer.run!(c.flags, ["/bin/true"]);

/** 1. `run --rm busybox /bin/true` on the default bridge, side by side; ratio to docker's. */
export function runRmBridge(cases: RunCase[], b: RunBench): void {
  console.log(`\n1. run --rm busybox /bin/true on each engine's default network: median of ${b.runs}, ${b.rounds} rounds${loadNote()}`);
  const ok = cases.filter((c) => {
    const r = runCmd(command(c), { dir: b.dir });
    if (r.code !== 0) leftOut(c.label, `exit ${r.code}: ${r.stderr || r.stdout}`);
    return r.code === 0;
  });
  if (!ok.length) return;
  const times = hyperfineRounds(ok.map((c) => shellLine(command(c))), b.runs, b.rounds, b.dir);
  const med = new Map(ok.map((c, i) => [c.label, median(times[i]!)]));
  const ref = med.get(REFERENCE) ?? NaN;
  printTable([
    ["client → engine (network)", "median", "min", "max", "× docker"],
    ...ok.map((c, i) => [`${c.label} (${c.flags.includes("none") ? "none" : "default bridge"})`, ms(med.get(c.label)!), ms(Math.min(...times[i]!)), ms(Math.max(...times[i]!)), ratio(med.get(c.label)!, ref)]),
  ]);
  const [skiff, none] = [med.get("skiff"), med.get(NONE)];
  if (skiff !== undefined && none !== undefined) console.log(`  skiff's bridge costs ${ms(skiff - none)} per run --rm (bridge − none)`);
  target("run --rm with bridge ≤ 0.3× docker", skiff === undefined || !Number.isFinite(ref) ? undefined : skiff <= 0.3 * ref, `skiff ${ms(skiff ?? NaN)} = ${ratio(skiff ?? NaN, ref)} docker's ${ms(ref)}`);
}

// ---------------------------------------------------------------------------------------------
// where skiff's time goes

interface DaemonEvent {
  Type: string;
  Action: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano: number;
}

/** The steps of one traced request: `trace: POST /containers/ID/start (145.4 ms round trip): a 0ms → b 1.2ms …`. */
function traceOf(stderr: string, request: RegExp): { id: string; total: number; steps: Map<string, number> } | undefined {
  const line = stderr.split("\n").find((l) => l.startsWith("trace: ") && request.test(l));
  const m = line && /^trace: \S+ (\S+) \(([\d.]+) ms round trip\): (.*)$/.exec(line);
  if (!m) return undefined;
  const steps = new Map<string, number>();
  for (const s of m[3]!.split(" → ")) {
    const step = /^(.*) ([\d.]+)ms$/.exec(s);
    if (step) steps.set(step[1]!, Number(step[2]));
  }
  return { id: /\/containers\/([0-9a-f]{64})\//.exec(m[1]!)?.[1] ?? "", total: Number(m[2]), steps };
}

/** The phases of one traced `run --rm`, in ms from the client's start. */
interface Phases {
  created: number;
  started: number;
  networksAttached: number;
  disconnected?: number;
  died: number;
  destroyed: number;
  exited: number;
}

const PHASES: [string, (p: Phases) => number | undefined][] = [
  ["client start → container created", (p) => p.created],
  ["created → started (POST start)", (p) => p.started - p.created],
  ["  of which: networks attached (CNI ADD)", (p) => p.networksAttached],
  ["started → died (exit, networks detached, runtime delete)", (p) => p.died - p.started],
  ["  of which: started → network disconnect", (p) => (p.disconnected === undefined ? undefined : p.disconnected - p.started)],
  ["died → destroyed (removal)", (p) => p.destroyed - p.died],
  ["destroyed → client exit", (p) => p.exited - p.destroyed],
  ["total", (p) => p.exited],
];

/** `n` traced `skiff -D run --rm` with the bridge and with --network none, alternately, against
 *  skiffd's event stream; prints each phase's median. */
export async function whereSkiffTimeGoes(cases: RunCase[], n: number, b: RunBench): Promise<void> {
  const traced = cases.filter((c) => c.peer.label === "skiff");
  const peer = traced[0]?.peer;
  if (!peer?.cli || !traced.length) return;
  console.log(`\n  where skiff's time goes: ${n} × \`skiff -D run --rm\` per network, alternately, timed by its trace and skiffd's events (medians)`);
  const ev = peer.cli("events", "--format", "{{json .}}");
  const events = spawn(ev.argv[0]!, ev.argv.slice(1), { env: { ...process.env, ...ev.env }, stdio: ["ignore", "pipe", "ignore"] });
  let text = "";
  events.stdout!.on("data", (d: Buffer) => (text += d));
  const runs: { c: RunCase; t0: number; t1: number; stderr: string }[] = [];
  try {
    await Bun.sleep(500); // subscribed
    for (let i = 0; i < n; i++)
      for (const c of traced) {
        const cmd = command(c);
        // -D is a global option: before the command
        const argv = [...cmd.argv];
        argv.splice(argv.indexOf("run"), 0, "-D");
        const t0 = Date.now();
        const r = runCmd({ ...cmd, argv }, { dir: b.dir });
        runs.push({ c, t0, t1: Date.now(), stderr: r.stderr });
      }
    await Bun.sleep(500); // the last events
  } finally {
    events.kill();
  }
  const parsed = text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as DaemonEvent);
  const at = (id: string, type: string, action: string) => {
    const e = parsed.find((x) => x.Type === type && x.Action === action && (type === "network" ? x.Actor?.Attributes?.container === id : (x.id ?? x.Actor?.ID) === id));
    return e ? e.timeNano / 1e6 : undefined;
  };
  const phases = new Map<string, Phases[]>(traced.map((c) => [c.label, []]));
  for (const r of runs) {
    const start = traceOf(r.stderr, /\/start /);
    const ev = start && { created: at(start.id, "container", "create"), started: at(start.id, "container", "start"), disconnected: at(start.id, "network", "disconnect"), died: at(start.id, "container", "die"), destroyed: at(start.id, "container", "destroy") };
    if (!start || !ev || [ev.created, ev.started, ev.died, ev.destroyed].some((x) => x === undefined)) {
      leftOut(`${r.c.label} trace`, `no trace or events for a run (${r.stderr.trim().split("\n").pop()})`);
      continue;
    }
    const attached = (start.steps.get("engine: networks attached") ?? NaN) - (start.steps.get("engine: monitor holds the container") ?? NaN);
    phases.get(r.c.label)!.push({
      created: ev.created! - r.t0,
      started: ev.started! - r.t0,
      networksAttached: attached,
      ...(ev.disconnected === undefined ? {} : { disconnected: ev.disconnected - r.t0 }),
      died: ev.died! - r.t0,
      destroyed: ev.destroyed! - r.t0,
      exited: r.t1 - r.t0,
    });
  }
  const medianOf = (label: string, f: (p: Phases) => number | undefined) => median((phases.get(label) ?? []).map(f).filter((x): x is number => x !== undefined && Number.isFinite(x)));
  const [bridge, none] = [traced.find((c) => !c.flags.includes("none"))?.label ?? "", NONE];
  printTable([
    ["phase", "bridge", "none", "bridge − none"],
    ...PHASES.map(([what, f]) => {
      const [x, y] = [medianOf(bridge, f), medianOf(none, f)];
      return [what, ms(x / 1000), ms(y / 1000), Number.isFinite(x) && Number.isFinite(y) ? ms((x - y) / 1000) : "-"];
    }),
  ]);
  const execs = pluginExecs(20);
  if (execs.length) console.log(`  a CNI plugin's exec alone (CNI_COMMAND=VERSION, median of 20): ${execs.join(", ")}; an ADD or DEL on the bridge runs bridge, which runs host-local`);
}

/** The time one exec of the bridge network's CNI plugins takes, doing nothing (VERSION). */
function pluginExecs(n: number): string[] {
  const out: string[] = [];
  for (const plugin of ["bridge", "host-local"]) {
    const path = ["/usr/lib/cni", "/opt/cni/bin"].map((d) => `${d}/${plugin}`).find(existsSync);
    if (!path) continue;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      spawnSync(path, [], { env: { CNI_COMMAND: "VERSION" }, stdio: "ignore" });
      times.push(performance.now() - t);
    }
    out.push(`${plugin} ${median(times).toFixed(1)} ms`);
  }
  return out;
}
