// Row 2 of bench/networks.ts: a busybox httpd published with `-p HOSTPORT:80` in each engine, and a
// bounded number of requests from a local client to 127.0.0.1:HOSTPORT (small and ~100 KiB files),
// the engines interleaved batch by batch. Also how the connections reached the container: through
// the nat table's DNAT (CNI portmap; the rule's counter counts the connections it translated) or
// through a proxy listening on the port (docker-proxy), as far as the host shows it.
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import type { Peer } from "../containers/engines.ts";
import { runCmd } from "../containers/measure.ts";
import { leftOut, loadNote, printTable, ratio, target } from "../containers/report.ts";
import { routeClashes } from "./host-networks.ts";
import { httpLoad, quantile, type LoadResult } from "./http-load.ts";

export interface PortBench {
  dir: string;
  /** Small GETs in all, per engine. */
  small: number;
  /** Big-file GETs in all, per engine. */
  big: number;
  concurrency: number;
  /** Batches the requests are split into, the engines taking turns. */
  rounds: number;
}

const SMALL = { path: "/small.txt", text: "hello from busybox httpd\n" };
const BIG = { path: "/big.bin", kib: 100 };
const HTTPD_SCRIPT = [
  "mkdir -p /www",
  `printf '${SMALL.text.replace("\n", "\\n")}' > /www${SMALL.path}`,
  `dd if=/dev/urandom of=/www${BIG.path} bs=1024 count=${BIG.kib} 2>/dev/null`,
  "exec httpd -f -p 80 -h /www",
].join(" && ");

/** The peer whose throughput skiff's is to reach (the issue's target). */
const REFERENCE = "docker → dockerd";

/** A free TCP port on the host (the kernel's pick, released at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "0.0.0.0", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Connections the nat table's DNAT rules for `port` translated so far (their packet counters:
 *  conntrack sends only a connection's first packet through nat). */
function dnatCount(port: number): number {
  const out = spawnSync("iptables-save", ["-c", "-t", "nat"], { encoding: "utf8" }).stdout ?? "";
  let n = 0;
  for (const line of out.split("\n")) if (line.includes(`--dport ${port} `) && line.includes("-j DNAT")) n += Number(/^\[(\d+):/.exec(line)?.[1] ?? 0);
  return n;
}

/** The processes listening on `port` (docker-proxy; conmon and skiffd hold a published port too). */
function listeners(port: number): string[] {
  const out = spawnSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" }).stdout ?? "";
  return [...new Set([...out.matchAll(/\(\("([^"]+)",pid=/g)].map((m) => m[1]!))];
}

interface Served {
  peer: Peer;
  name: string;
  port: number;
  dnatBefore: number;
  small: LoadResult[];
  big: LoadResult[];
}

/** Starts the peer's httpd and waits until it answers through the published port. */
async function serve(peer: Peer, b: PortBench): Promise<Served> {
  const port = await freePort();
  const name = `bench-httpd-${peer.engine.key}`;
  const r = runCmd(peer.run!(["-d", "--name", name, "-p", `${port}:80`], ["sh", "-c", HTTPD_SCRIPT]), { dir: b.dir });
  if (r.code !== 0) throw new Error(`run -d -p ${port}:80: exit ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  let last = "";
  for (const end = Date.now() + 15_000; Date.now() < end; await Bun.sleep(100)) {
    const probe = await httpLoad({ port, path: SMALL.path, requests: 1, concurrency: 1, bodyBytes: SMALL.text.length, timeoutMs: 2000 });
    if (!probe.failed) return { peer, name, port, dnatBefore: dnatCount(port), small: [], big: [] };
    last = probe.errors[0] ?? "";
  }
  const clashes = routeClashes();
  throw new Error(`httpd on 127.0.0.1:${port} did not answer in 15 s (${last})${clashes.length ? `; ${clashes.join("; ")}` : ""}`);
}

const merged = (rs: LoadResult[]) => ({
  requests: rs.reduce((n, r) => n + r.latencies.length, 0),
  seconds: rs.reduce((s, r) => s + r.seconds, 0),
  latencies: rs.flatMap((r) => r.latencies),
  failed: rs.reduce((n, r) => n + r.failed, 0),
  errors: rs.flatMap((r) => r.errors),
});

const perSecond = (m: ReturnType<typeof merged>) => (m.seconds > 0 ? m.requests / m.seconds : NaN);
const msCell = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : "-");

/** 2. Published port over loopback: requests/s and p50/p99 latency per engine. */
export async function publishedPort(peers: Peer[], b: PortBench): Promise<void> {
  console.log(
    `\n2. published port over loopback: busybox httpd behind -p HOSTPORT:80, ${b.small} GETs of ${SMALL.text.length} B and ${b.big} of ${BIG.kib} KiB per engine, ` +
      `${b.concurrency} at a time, one connection each, in ${b.rounds} interleaved batches${loadNote()}`,
  );
  const served: Served[] = [];
  try {
    for (const p of peers)
      try {
        served.push(await serve(p, b));
      } catch (e) {
        leftOut(p.label, e);
        await p.engine.removeAll().catch((err: unknown) => leftOut(`${p.label} clean-up`, err));
      }
    for (const c of routeClashes()) console.log(`  warning: ${c} (not this run's): the host's packets to those containers go there`);
    if (!served.length) return;
    const failed = new Set<Served>();
    for (let round = 0; round < b.rounds; round++) {
      const share = (total: number) => Math.floor(total / b.rounds) + (round < total % b.rounds ? 1 : 0);
      for (let i = 0; i < served.length; i++) {
        const s = served[(i + round) % served.length]!;
        if (failed.has(s)) continue;
        s.small.push(await httpLoad({ port: s.port, path: SMALL.path, requests: share(b.small), concurrency: b.concurrency, bodyBytes: SMALL.text.length }));
        s.big.push(await httpLoad({ port: s.port, path: BIG.path, requests: share(b.big), concurrency: b.concurrency, bodyBytes: BIG.kib * 1024 }));
        const bad = [...s.small, ...s.big].find((r) => r.failed > r.latencies.length);
        if (bad) {
          failed.add(s);
          leftOut(s.peer.label, `most requests failed, e.g. ${bad.errors[0]}`);
        }
      }
    }
    const ok = served.filter((s) => !failed.has(s));
    const rows = [["client → engine", "small req/s", "p50", "p99", "big req/s", "MiB/s", "p50", "p99", "failed", "path 127.0.0.1:PORT → container"]];
    const rps = new Map<string, { small: number; big: number }>();
    for (const s of ok) {
      const [sm, bg] = [merged(s.small), merged(s.big)];
      rps.set(s.peer.label, { small: perSecond(sm), big: perSecond(bg) });
      const dnat = dnatCount(s.port) - s.dnatBefore;
      const made = sm.requests + sm.failed + bg.requests + bg.failed;
      const held = listeners(s.port);
      const path = dnat > 0 ? `iptables DNAT (${dnat} of ${made} connections)${held.length ? `; port held by ${held.join(", ")}` : ""}` : held.length ? `proxied by ${held.join(", ")} (no DNAT counted)` : "? (no DNAT counted, no listener)";
      rows.push([
        s.peer.label,
        perSecond(sm).toFixed(0),
        msCell(quantile(sm.latencies, 0.5)),
        msCell(quantile(sm.latencies, 0.99)),
        perSecond(bg).toFixed(0),
        ((perSecond(bg) * BIG.kib) / 1024).toFixed(1),
        msCell(quantile(bg.latencies, 0.5)),
        msCell(quantile(bg.latencies, 0.99)),
        String(sm.failed + bg.failed),
        path,
      ]);
      if (sm.failed + bg.failed) console.log(`  (${s.peer.label}: ${sm.failed + bg.failed} failed, e.g. ${[...sm.errors, ...bg.errors][0]})`);
    }
    printTable(rows);
    const [skiff, ref] = [rps.get("skiff"), rps.get(REFERENCE)];
    const check = (what: "small" | "big") =>
      target(`published port ${what === "small" ? `${SMALL.text.length} B` : `${BIG.kib} KiB`} GETs/s ≥ docker's`, skiff && ref ? skiff[what] >= ref[what] : undefined, skiff && ref ? `skiff ${skiff[what].toFixed(0)}/s = ${ratio(skiff[what], ref[what])} docker's ${ref[what].toFixed(0)}/s` : "not measured");
    check("small");
    check("big");
  } finally {
    for (const s of served) await s.peer.engine.removeAll().catch((e: unknown) => leftOut(`${s.peer.label} clean-up`, e));
  }
}
