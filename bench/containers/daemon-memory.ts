// Section 5 of bench/containers.ts: each daemon's memory, freshly started (idle), then after a pull
// of a Debian image from a local registry, the busybox import and a few `run --rm`: at once and
// some seconds later (issue 10: the unpack workers and buffers should not stay after the work).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startRegistry } from "../../src/engine/registry/testing/registry-server.ts";
import { debianRootfs, finishLayout, listTree, parentsOf, pushLayout, tarLayer, type Layer } from "../../test/harness/debian-image.ts";
import type { Engine, EngineOptions } from "./engines.ts";
import { runCmd, sumMemory, type Memory } from "./measure.ts";
import { leftOut, loadNote, mib, printTable, secs, target } from "./report.ts";

const LAYERS = 3;
/** Seconds after the work: at once, and once skiffd's unpack workers have gone (they end ~15 s after). */
const AFTER = [2, 20];

/** A layout of the cached minbase rootfs in LAYERS layers of about equal size (gzip -1). */
function debianLayout(dir: string): string {
  const rootfs = debianRootfs();
  if ("skip" in rootfs) throw new Error(rootfs.skip);
  const layout = join(dir, "debian-layout");
  const entries = listTree(rootfs.rootfs);
  const total = entries.reduce((n, e) => n + e.size, 0);
  const chunks: string[][] = [[]];
  let size = 0;
  for (const e of entries) {
    if (size > (total / LAYERS) * chunks.length && chunks.length < LAYERS) chunks.push([]);
    chunks.at(-1)!.push(e.path);
    size += e.size;
  }
  const layers: Layer[] = chunks.map((paths) => {
    const list = [...new Set(paths.flatMap((p) => [...parentsOf(p), p]))];
    return tarLayer(layout, rootfs.rootfs, { list, level: 1 });
  });
  finishLayout(layout, layers, "1");
  return layout;
}

/** The runtime's floor, compiled as the executables are (scripts/build --program): an idle Bun
 *  program, and one that loads the node modules skiffd loads and answers HTTP on a unix socket
 *  from node:net (as skiffd's server does), each measured idle as the daemons are. What skiffd
 *  holds above the second is its own. */
async function floorRows(dir: string): Promise<string[][]> {
  const server = [
    'import { readFileSync } from "node:fs"; import { join } from "node:path"; import { createServer } from "node:net"; import { createHash } from "node:crypto";',
    'import { tmpdir } from "node:os"; import { createGunzip } from "node:zlib"; import { Readable } from "node:stream"; import { spawn } from "node:child_process"; import { EventEmitter } from "node:events";',
    "(globalThis as any).kept = [readFileSync, join, createHash, tmpdir, createGunzip, Readable, spawn, EventEmitter];",
    'createServer((s) => s.on("data", () => s.write("HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n"))).listen(process.argv[2]);',
  ].join("\n");
  const programs: [string, string][] = [
    ["(floor) idle Bun program", "setInterval(() => {}, 1 << 30);\n"],
    ["(floor) Bun + skiffd's node modules + server", `${server}\n`],
  ];
  const rows: string[][] = [];
  for (const [label, source] of programs) {
    const name = label.replace(/\W+/g, "-");
    writeFileSync(join(dir, `${name}.ts`), source);
    try {
      execFileSync(join(import.meta.dir, "../../scripts/build"), ["--program", join(dir, `${name}.ts`), join(dir, name)], { stdio: "inherit" });
    } catch (e) {
      leftOut(label, e);
      continue;
    }
    const p = Bun.spawn([join(dir, name), join(dir, `${name}.sock`)], { stdio: ["ignore", "ignore", "inherit"] });
    await Bun.sleep(2000);
    const m = sumMemory([p.pid]);
    p.kill();
    await p.exited;
    rows.push([label, mib(m.rss), mib(m.pss), mib(m.anon), "", "", "", "", "", ""]);
  }
  return rows;
}

/** The daemon's processes summed (dockerd's counts the containerd it runs: both are listed), and
 * its main process alone, which the targets compare with (the stricter reading). */
function daemonMemory(e: Engine): { total: Memory; main: Memory; parts: string } {
  const ds = e.daemons();
  const parts = ds.map((d) => `${d.label} ${mib(sumMemory([d.pid]).rss)}`).join(" + ");
  return { total: sumMemory(ds.map((d) => d.pid)), main: sumMemory(ds.slice(0, 1).map((d) => d.pid)), parts };
}

export async function daemonMemorySection(starters: ((o: EngineOptions) => Promise<Engine>)[], opts: { dir: string; rootfsTar: string }): Promise<string[]> {
  console.log(`\n5. daemon memory: idle (2 s after start), then after a pull of a ${LAYERS}-layer Debian image, a busybox import and 3 run --rm (${AFTER.join(" s and ")} s later); anon = the RSS's anonymous part; (floor) rows: what Bun itself holds idle, compiled as skiffd is, and with the node modules skiffd loads and a node:net server${loadNote()}`);
  const notes: string[] = [];
  let layout: string;
  try {
    layout = debianLayout(opts.dir);
  } catch (e) {
    leftOut("section 4", e);
    return notes;
  }
  const registry = await startRegistry({ dir: join(opts.dir, "registry") });
  try {
    await pushLayout(layout, registry.url, "bench/debian", "1");
    const ref = `${registry.domain}/bench/debian:1`;
    const last = `+${AFTER.at(-1)} s`;
    const rows: string[][] = [["daemon", "idle RSS", "idle PSS", "idle anon", "pull", ...AFTER.map((s) => `RSS +${s} s`), `PSS ${last}`, `anon ${last}`, `processes (${last})`]];
    const got = new Map<string, { idle: number; after: number }>();
    for (const start of starters) {
      let e: Engine | undefined;
      try {
        e = await start({ ...opts, registry: registry.domain });
        await Bun.sleep(2000);
        const idle = daemonMemory(e);
        const t0 = performance.now();
        const pulled = e.pull!(ref);
        const pullTime = (performance.now() - t0) / 1000;
        if (pulled.code !== 0) throw new Error(`pull: exit ${pulled.code}: ${pulled.stderr}`);
        e.importImage();
        for (let i = 0; i < 3; i++) {
          const r = runCmd(e.peers[0]!.runRm(["/bin/true"]), { dir: opts.dir });
          if (r.code !== 0) throw new Error(`run --rm: exit ${r.code}: ${r.stderr}`);
        }
        const done = performance.now();
        const after: ReturnType<typeof daemonMemory>[] = [];
        for (const s of AFTER) {
          await Bun.sleep(Math.max(0, done + s * 1000 - performance.now()));
          after.push(daemonMemory(e));
        }
        const end = after.at(-1)!;
        got.set(e.key, { idle: idle.main.rss, after: end.main.rss });
        rows.push([e.label, mib(idle.total.rss), mib(idle.total.pss), mib(idle.total.anon), secs(pullTime), ...after.map((m) => mib(m.total.rss)), mib(end.total.pss), mib(end.total.anon), end.parts]);
      } catch (err) {
        leftOut(e?.label ?? "a daemon", err);
      } finally {
        if (e) notes.push(...(await e.stop()));
      }
    }
    printTable([...rows, ...(await floorRows(opts.dir))]);
    const ours = got.get("skiff");
    const peers = [...got.entries()].filter(([k]) => k !== "skiff").map(([, v]) => v);
    const bestIdle = Math.min(...peers.map((p) => p.idle));
    const bestAfter = Math.min(...peers.map((p) => p.after));
    const measured = !!ours && peers.length > 0;
    target("skiffd idle RSS ahead of every daemon", measured ? ours!.idle < bestIdle : undefined, measured ? `${mib(ours!.idle)} against ${mib(bestIdle)}` : "skiffd or every peer not measured");
    target("skiffd RSS after the work ahead of every daemon", measured ? ours!.after < bestAfter : undefined, measured ? `${mib(ours!.after)} against ${mib(bestAfter)}` : "skiffd or every peer not measured");
  } finally {
    await registry.stop();
  }
  return notes;
}
