// The sections of bench/containers.ts that run on engines already started with the busybox image:
// 1 `run --rm` of /bin/true, 2 N containers started at once, 3 the monitors' memory, 4 `logs`.
import type { Engine, Peer } from "./engines.ts";
import { hyperfineRounds, median, runCmd, shellLine, startCmd, sumMemory } from "./measure.ts";
import { leftOut, loadNote, mib, ms, printTable, ratio, secs, target } from "./report.ts";

export interface Bench {
  runs: number;
  rounds: number;
  dir: string;
}

/** The peer whose ratios a section quotes: ctr, as the targets do. */
const REFERENCE = "ctr";

/** Peers whose command works once (untimed); the others are named with the reason. */
function working(peers: Peer[], what: (p: Peer) => Parameters<typeof runCmd>[0], b: Bench): Peer[] {
  return peers.filter((p) => {
    const r = runCmd(what(p), { dir: b.dir });
    if (r.code !== 0) leftOut(p.label, `exit ${r.code}: ${r.stderr || r.stdout}`);
    return r.code === 0;
  });
}

/** 1. `run --rm busybox /bin/true` (no network), hyperfine in rounds; ratio to ctr. */
export function runRm(peers: Peer[], b: Bench): void {
  console.log(`\n1. run --rm busybox /bin/true (no network): median of ${b.runs}, ${b.rounds} rounds${loadNote()}`);
  const ok = working(peers, (p) => p.runRm(["/bin/true"]), b);
  if (!ok.length) return;
  const times = hyperfineRounds(
    ok.map((p) => shellLine(p.runRm(["/bin/true"]))),
    b.runs,
    b.rounds,
    b.dir,
  );
  const med = new Map(ok.map((p, i) => [p.label, median(times[i]!)]));
  const ref = med.get(REFERENCE) ?? NaN;
  printTable([["client → engine", "median", "min", "max", `× ${REFERENCE}`], ...ok.map((p, i) => [p.label, ms(med.get(p.label)!), ms(Math.min(...times[i]!)), ms(Math.max(...times[i]!)), ratio(med.get(p.label)!, ref)])]);
  const skiff = med.get("skiff");
  target("run --rm ≤ 0.4× ctr", skiff === undefined || !Number.isFinite(ref) ? undefined : skiff <= 0.4 * ref, `skiff ${ms(skiff ?? NaN)} = ${ratio(skiff ?? NaN, ref)} ctr's ${ms(ref)}`);
}

/** One burst: `n` `run -d … sleep 60` at once, the time until every client returned (each returns
 * once its container runs), checked by counting running containers; then all removed (untimed). */
async function burstOnce(p: Peer, n: number, tag: string, b: Bench): Promise<number> {
  const names = Array.from({ length: n }, (_, i) => `burst-${tag}-${i}`);
  const t0 = performance.now();
  const results = await Promise.all(names.map((name) => startCmd(p.runDetached(name, ["sleep", "60"]), b.dir)));
  const seconds = (performance.now() - t0) / 1000;
  const running = p.running();
  await p.engine.removeAll();
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length) throw new Error(`${failed.length} of ${n} failed, e.g. exit ${failed[0]!.code}: ${failed[0]!.stderr.trim().split("\n").pop()}`);
  if (running !== n) throw new Error(`${running} of ${n} running once every client had returned`);
  return seconds;
}

/** 2. `n` containers started at once until all run; peers interleaved round by round. */
export async function burst(peers: Peer[], n: number, runs: number, b: Bench): Promise<void> {
  console.log(`\n2. ${n} containers started at once (run -d … sleep 60) until all run: median of ${runs} (removal untimed)${loadNote()}`);
  const times = new Map<Peer, number[]>(peers.map((p) => [p, []]));
  const failed = new Set<Peer>();
  for (let round = 0; round < runs; round++) {
    // rotate the order so that no peer always follows the same one's clean-up
    const order = peers.map((_, i) => peers[(i + round) % peers.length]!);
    for (const p of order) {
      if (failed.has(p)) continue;
      try {
        times.get(p)!.push(await burstOnce(p, n, String(round), b));
      } catch (e) {
        failed.add(p);
        leftOut(p.label, e);
      }
    }
  }
  const ok = peers.filter((p) => !failed.has(p));
  const med = new Map(ok.map((p) => [p.label, median(times.get(p)!)]));
  const ref = med.get(REFERENCE) ?? NaN;
  printTable([["client → engine", "median", "min", "max", `× ${REFERENCE}`], ...ok.map((p) => [p.label, secs(med.get(p.label)!), secs(Math.min(...times.get(p)!)), secs(Math.max(...times.get(p)!)), ratio(med.get(p.label)!, ref)])]);
  const skiff = med.get("skiff");
  target(`${n} at once ≤ 0.3× ctr`, skiff === undefined || !Number.isFinite(ref) ? undefined : skiff <= 0.3 * ref, `skiff ${secs(skiff ?? NaN)} = ${ratio(skiff ?? NaN, ref)} ctr's ${secs(ref)}`);
}

/** Waits until the engine has `n` monitors, for up to 5 s; returns their pids. */
async function monitorsOf(e: Engine, n: number): Promise<number[]> {
  let pids = e.monitor!.pids();
  for (let end = Date.now() + 5000; pids.length < n && Date.now() < end; pids = e.monitor!.pids()) await Bun.sleep(100);
  return pids;
}

/** 3. Memory of the per-container monitor, with 1 and with 10 containers running (per container). */
export async function monitors(engines: Engine[], b: Bench): Promise<void> {
  console.log(`\n3. per-container monitor memory (RSS and PSS from /proc/PID/smaps_rollup), containers running sleep${loadNote()}`);
  const rows: string[][] = [["monitor", "RSS, 1", "PSS, 1", "RSS/ctr, 10", "PSS/ctr, 10"]];
  const got = new Map<string, { one: { rss: number; pss: number }; ten: { rss: number; pss: number } }>();
  for (const e of engines.filter((x) => x.monitor)) {
    const p = e.peers[0]!;
    try {
      const start = (i: number) => {
        const r = runCmd(p.runDetached(`mon-${i}`, ["sleep", "600"]), { dir: b.dir });
        if (r.code !== 0) throw new Error(`run -d: exit ${r.code}: ${r.stderr}`);
      };
      start(0);
      await Bun.sleep(1000);
      const one = await monitorsOf(e, 1);
      if (one.length !== 1) throw new Error(`${one.length} ${e.monitor!.label} processes for 1 container`);
      const m1 = sumMemory(one);
      for (let i = 1; i < 10; i++) start(i);
      await Bun.sleep(1000);
      const ten = await monitorsOf(e, 10);
      if (ten.length !== 10) throw new Error(`${ten.length} ${e.monitor!.label} processes for 10 containers`);
      const m10 = sumMemory(ten);
      const per = { rss: m10.rss / 10, pss: m10.pss / 10 };
      got.set(e.key, { one: m1, ten: per });
      rows.push([`${e.monitor!.label} (${p.label})`, mib(m1.rss), mib(m1.pss), mib(per.rss), mib(per.pss)]);
    } catch (err) {
      leftOut(e.monitor!.label, err);
    } finally {
      await e.removeAll();
    }
  }
  printTable(rows);
  const ours = got.get("skiff");
  const peers = [...got.entries()].filter(([k]) => k !== "skiff").map(([, v]) => v);
  target("skiff-monitor RSS < 1 MiB", ours ? ours.one.rss < 1 << 20 : undefined, ours ? mib(ours.one.rss) : "not measured");
  target("skiff-monitor PSS < 200 KiB", ours ? ours.one.pss < 200 << 10 : undefined, ours ? `${mib(ours.one.pss)} (1), ${mib(ours.ten.pss)} per container (10)` : "not measured");
  const best = Math.min(...peers.map((v) => v.ten.pss));
  target("monitor PSS ahead of every peer", ours && peers.length ? ours.ten.pss < best : undefined, ours && peers.length ? `${mib(ours.ten.pss)} against the best peer's ${mib(best)} per container (10)` : "no peer or no skiff-monitor measured");
}

const LOG_LINE = "bench line: the quick brown fox jumps over the lazy dog 0123456789";

/** Runs a container printing `lines` lines on each engine whose client has `logs`, waits for it to
 * exit, and keeps the clients whose `logs` gives every line back. */
function logContainers(engines: Engine[], lines: number, b: Bench): { peer: Peer; name: string }[] {
  const ok: { peer: Peer; name: string }[] = [];
  const name = `logs-${lines}`;
  for (const e of engines) {
    const clients = e.peers.filter((p) => p.logs);
    if (!clients.length) {
      leftOut(e.peers[0]?.label ?? e.label, `${e.label} has no logs command in its client`);
      continue;
    }
    const r = runCmd(clients[0]!.runDetached(name, ["sh", "-c", `yes '${LOG_LINE}' | head -n ${lines}`]), { dir: b.dir });
    if (r.code !== 0) {
      leftOut(e.label, `run -d: exit ${r.code}: ${r.stderr}`);
      continue;
    }
    clients[0]!.wait(name);
    for (const p of clients) {
      const out = runCmd(p.logs!(name), { dir: b.dir });
      const count = out.stdout.split("\n").filter((l) => l === LOG_LINE).length;
      if (out.code !== 0 || count !== lines) leftOut(p.label, `logs gave ${count} of ${lines} lines (exit ${out.code}) ${out.stderr}`);
      else ok.push({ peer: p, name });
    }
  }
  return ok;
}

/** 4. `logs` to /dev/null of a container that printed `lines` lines (checked once, untimed). */
export async function logs(engines: Engine[], lines: number, b: Bench): Promise<void> {
  console.log(`\n4. logs of ${lines} lines to /dev/null: median of ${b.runs}, ${b.rounds} rounds${loadNote()}`);
  let ok: { peer: Peer; name: string }[];
  let times: number[][];
  try {
    ok = logContainers(engines, lines, b);
    if (!ok.length) return;
    times = hyperfineRounds(
      ok.map(({ peer, name }) => shellLine(peer.logs!(name))),
      b.runs,
      b.rounds,
      b.dir,
    );
  } finally {
    for (const e of engines) await e.removeAll();
  }
  const med = ok.map((_, i) => median(times[i]!));
  const ours = med[ok.findIndex((o) => o.peer.label === "skiff")] ?? NaN;
  const peerMeds = ok.flatMap((o, i) => (o.peer.engine.key === "skiff" ? [] : [med[i]!]));
  const best = Math.min(...peerMeds);
  printTable([["client → engine", "median", "min", "× skiff"], ...ok.map((o, i) => [o.peer.label, ms(med[i]!), ms(Math.min(...times[i]!)), ratio(med[i]!, ours)])]);
  target("logs ahead of every peer", Number.isFinite(ours) && peerMeds.length ? ours < best : undefined, peerMeds.length ? `skiff ${ms(ours)} against the best peer's ${ms(best)}` : "no peer measured");
}
