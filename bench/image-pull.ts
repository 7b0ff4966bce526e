// Benchmark: cold pull + unpack of two images from a local docker-registry (Debian's), skiff
// (bin/skiffd + `bin/skiff pull`) against containerd (`ctr image pull --plain-http`), podman
// (`podman pull --tls-verify=false`) and `skopeo copy` + `umoci unpack`. Every run starts from
// nothing: a fresh data root / containerd root / podman --root+--runroot / OCI dir and bundle, the
// daemons started (untimed) before and stopped after. Runs are interleaved (tool order rotated each
// round) because ext4 here creates files at an erratic cost; medians and ratios against skiff.
//   a) "debian-big": a minbase bookworm rootfs, a layer of downloaded .debs and three layers of the
//      host's /usr/lib/x86_64-linux-gnu: ~70 MB compressed, ~180 MB unpacked, 5 layers;
//   b) "debian-14": the minbase rootfs split into 14 layers of about equal size.
// Reference figures, as the issue quotes them: fetch only (curl of every blob, in parallel) and
// gunzip of every layer on one core (`gzip -dc > /dev/null`, one after the other).
//   sudo node_modules/.bin/bun bench/image-pull.ts [--runs N] [--only skiff,containerd,podman,umoci] [--drop-caches]
// --drop-caches: before each timed pull, sync, drop the kernel's caches (machine-wide) and re-read
// the registry's blobs. Without it, a pull pays for the previous tool's `rm -r`: this ext4 (no
// journal) skips recently deleted inodes when allocating (find_inode_bit → recently_deleted, up to
// 300 s while their inode table block is cached dirty), scanning them on every create — perf showed
// 62% of a GNU tar extraction there; tar -xf of the big layer took 3.15 s right after an rm -r of
// the same tree, 1.03 s after sync + drop_caches.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { startRegistry, type RegistryServer } from "../src/engine/registry/testing/registry-server.ts";
import { debianRootfs, finishLayout, layoutImage, listTree, parentsOf, pushLayout, tarLayer, type Layer } from "../test/harness/debian-image.ts";
import { containerdConfig, Podman } from "../test/harness/engines.ts";
import { startSkiffd, type Skiffd } from "../test/harness/skiffd.ts";

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const RUNS = Number(arg("--runs")) || 5;
const DROP_CACHES = process.argv.includes("--drop-caches");
const ALL_TOOLS = ["skiff", "containerd", "podman", "umoci"] as const;
type Tool = (typeof ALL_TOOLS)[number];
const TOOLS = (arg("--only")?.split(",") ?? [...ALL_TOOLS]).filter((t): t is Tool => (ALL_TOOLS as readonly string[]).includes(t));
if (!TOOLS.includes("skiff")) TOOLS.unshift("skiff");

const ROOT = `/tmp/skiff-bench-${process.pid}`;
const HOSTLIB = "usr/lib/x86_64-linux-gnu";
/** Sizes (uncompressed bytes) of the extra layers of image (a). */
const DEBS_BYTES = 6 << 20;
const HOSTLIB_BYTES = 34 << 20;
const HOSTLIB_LAYERS = 3;
const SPLIT_LAYERS = 14;
const EXCLUDE_APT = ["./var/cache/apt/archives/*.deb", "./var/lib/apt/lists/*_*"];

const cleanups: (() => void | Promise<void>)[] = [];
let cleaning = false;
async function cleanupAll(): Promise<void> {
  if (cleaning) return;
  cleaning = true;
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch (e) {
      console.error(`cleanup: ${e}`);
    }
  }
}
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.on(sig, () => {
    console.error(`\n${sig}: cleaning up`);
    void cleanupAll().then(() => process.exit(130));
  });

const now = () => performance.now() / 1000;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function must(cmd: string, args: string[], opts: { env?: Record<string, string>; timeout?: number } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: opts.timeout ?? 600_000, env: { ...process.env, ...opts.env }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status ?? r.signal}\n${(r.stderr || r.stdout).slice(-2000)}`);
  return r.stdout;
}

/** Unmounts (lazily, deepest first) every mount point under `dir`. */
function unmountUnder(dir: string): void {
  const points = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((p): p is string => !!p && (p === dir || p.startsWith(dir + "/")))
    .sort((a, b) => b.length - a.length);
  for (const p of points) spawnSync("umount", ["-l", p]);
}

/** Untimed: flushes and drops the caches (see --drop-caches), then warms the registry's blobs again. */
function settle(registryDir: string): void {
  must("sync", []);
  writeFileSync("/proc/sys/vm/drop_caches", "3");
  must("sh", ["-c", 'find "$1" -type f -exec cat {} + > /dev/null', "sh", registryDir]);
}

// ---------------------------------------------------------------------------------------------
// images

interface Image {
  name: string;
  ref: string;
  layout: string;
  layers: Layer[];
}

function buildImages(rootfs: string): { big: { layout: string; layers: Layer[] }; split: { layout: string; layers: Layer[] } } {
  // (a) the rootfs, downloaded .debs, host libraries
  const bigLayout = join(ROOT, "layout-big");
  const big: Layer[] = [tarLayer(bigLayout, rootfs, { exclude: EXCLUDE_APT })];
  const debs = listTree(rootfs).filter((e) => e.path.startsWith("var/cache/apt/archives/") && e.path.endsWith(".deb"));
  const debList: string[] = [];
  let sum = 0;
  for (const e of debs) {
    if (sum + e.size > DEBS_BYTES) continue;
    debList.push(e.path);
    sum += e.size;
  }
  big.push(tarLayer(bigLayout, rootfs, { list: [...new Set(debList.flatMap((p) => [...parentsOf(p), p]))] }));
  const libs = listTree(`/${HOSTLIB}`)
    .filter((e) => !e.dir && e.size < (8 << 20))
    .map((e) => ({ ...e, path: `${HOSTLIB}/${e.path}` }));
  const chosen: { path: string; size: number }[] = [];
  sum = 0;
  for (const e of libs) {
    if (sum >= HOSTLIB_BYTES) break;
    chosen.push(e);
    sum += e.size;
  }
  const per = sum / HOSTLIB_LAYERS;
  let acc = 0;
  let group: string[] = [];
  const flush = () => {
    if (group.length) big.push(tarLayer(bigLayout, "/", { list: [...new Set(group.flatMap((p) => [...parentsOf(p), p]))] }));
    group = [];
    acc = 0;
  };
  for (const e of chosen) {
    group.push(e.path);
    acc += e.size;
    if (acc >= per && big.length < 2 + HOSTLIB_LAYERS - 1) flush();
  }
  flush();
  finishLayout(bigLayout, big, "bench");

  // (b) the rootfs in 14 layers of about equal size
  const splitLayout = join(ROOT, "layout-14");
  const tree = listTree(rootfs, ["var/cache/apt/archives", "var/lib/apt/lists"]);
  const total = tree.reduce((s, e) => s + (e.dir ? 0 : e.size), 0);
  const split: Layer[] = [];
  let part: string[] = [];
  acc = 0;
  for (const e of tree) {
    part.push(...parentsOf(e.path).filter((p) => !part.includes(p)), e.path);
    acc += e.dir ? 0 : e.size;
    if (acc >= total / SPLIT_LAYERS && split.length < SPLIT_LAYERS - 1) {
      split.push(tarLayer(splitLayout, rootfs, { list: [...new Set(part)] }));
      part = [];
      acc = 0;
    }
  }
  if (part.length) split.push(tarLayer(splitLayout, rootfs, { list: [...new Set(part)] }));
  finishLayout(splitLayout, split, "bench");
  return { big: { layout: bigLayout, layers: big }, split: { layout: splitLayout, layers: split } };
}

// ---------------------------------------------------------------------------------------------
// the pullers: each prepares a fresh state (untimed), times the pull, and removes everything

let seq = 0;
const freshDir = (name: string) => {
  const d = join(ROOT, `${name}-${++seq}`);
  mkdirSync(d, { recursive: true });
  return d;
};

async function pullSkiff(image: Image, registry: RegistryServer): Promise<number> {
  const dir = freshDir("skiffd");
  let d: Skiffd | undefined;
  const stop = async () => {
    await d?.stop();
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(stop);
  try {
    d = await startSkiffd(["--insecure-registry", registry.domain], dir);
    const t0 = now();
    const r = d.skiff(["pull", image.ref]);
    const t = now() - t0;
    if (r.status !== 0) throw new Error(`skiff pull ${image.ref}: exit ${r.status}\n${r.stderr}${r.stdout}`);
    return t;
  } finally {
    cleanups.splice(cleanups.indexOf(stop), 1);
    await stop();
  }
}

async function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return Promise.race([new Promise<boolean>((r) => child.once("exit", () => r(true))), Bun.sleep(ms).then(() => false)]);
}

async function pullContainerd(image: Image): Promise<number> {
  const dir = freshDir("containerd");
  const sock = join(dir, "containerd.sock");
  writeFileSync(join(dir, "config.toml"), containerdConfig(dir, sock));
  const log = openSync(join(dir, "containerd.log"), "w");
  const child = spawn("containerd", ["--config", join(dir, "config.toml")], { stdio: ["ignore", log, log] });
  closeSync(log);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      if (!(await waitExit(child, 10000))) {
        child.kill("SIGKILL");
        await waitExit(child, 3000);
      }
    }
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(stop);
  try {
    const ctr = (args: string[]) => spawnSync("ctr", ["-a", sock, "-n", "bench", ...args], { encoding: "utf8", timeout: 600_000 });
    const end = Date.now() + 15000;
    while (!(existsSync(sock) && ctr(["version"]).status === 0)) {
      if (child.exitCode !== null || Date.now() > end) throw new Error(`containerd did not come up:\n${readFileSync(join(dir, "containerd.log"), "utf8").slice(-2000)}`);
      await Bun.sleep(50);
    }
    const t0 = now();
    const r = ctr(["image", "pull", "--plain-http", image.ref]);
    const t = now() - t0;
    if (r.status !== 0 || !/unpacking/.test(r.stdout)) throw new Error(`ctr image pull ${image.ref}: exit ${r.status}\n${r.stderr}${r.stdout.slice(-1000)}`);
    return t;
  } finally {
    cleanups.splice(cleanups.indexOf(stop), 1);
    await stop();
  }
}

async function pullPodman(image: Image): Promise<number> {
  const p = new Podman();
  const stop = async () => void (await p.stop());
  cleanups.push(stop);
  try {
    const t0 = now();
    const r = p.cmd(["pull", "--tls-verify=false", "-q", image.ref], { timeout: 600_000 });
    const t = now() - t0;
    if (r.code !== 0) throw new Error(`podman pull ${image.ref}: exit ${r.code}\n${r.stderr}`);
    return t;
  } finally {
    cleanups.splice(cleanups.indexOf(stop), 1);
    await stop();
  }
}

async function pullUmoci(image: Image): Promise<number> {
  const dir = freshDir("umoci");
  const stop = () => rmSync(dir, { recursive: true, force: true });
  cleanups.push(stop);
  try {
    const t0 = now();
    must("skopeo", ["copy", "-q", "--src-tls-verify=false", `docker://${image.ref}`, `oci:${join(dir, "oci")}:bench`]);
    must("umoci", ["unpack", "--image", `${join(dir, "oci")}:bench`, join(dir, "bundle")]);
    return now() - t0;
  } finally {
    cleanups.splice(cleanups.indexOf(stop), 1);
    stop();
  }
}

/** curl of every blob of the image (in parallel), to /dev/null. */
function fetchOnly(image: Image, registry: RegistryServer): number {
  const { blobs } = layoutImage(image.layout);
  const args = ["-sf", "--parallel", "--parallel-max", "8"];
  for (const b of blobs) args.push("-o", "/dev/null", `${registry.url}/v2/${image.name}/blobs/${b.digest}`);
  const t0 = now();
  must("curl", args);
  return now() - t0;
}

/** gunzip of every layer (page cache warm), one after the other on one core. */
function gunzipOnly(image: Image): number {
  const t0 = now();
  for (const l of image.layers) must("sh", ["-c", 'gzip -dc "$1" > /dev/null', "sh", l.path]);
  return now() - t0;
}

// ---------------------------------------------------------------------------------------------

const LABEL: Record<Tool, string> = {
  skiff: "skiff (skiffd + skiff pull)",
  containerd: "containerd (ctr image pull)",
  podman: "podman pull",
  umoci: "skopeo copy + umoci unpack",
};

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("run as root (engines mount overlays): sudo node_modules/.bin/bun bench/image-pull.ts");
  const rootfs = debianRootfs();
  if ("skip" in rootfs) throw new Error(`no Debian rootfs: ${rootfs.skip}`);
  mkdirSync(ROOT, { recursive: true });
  cleanups.push(() => {
    unmountUnder(ROOT);
    rmSync(ROOT, { recursive: true, force: true });
    rmSync(`/tmp/skiff-test-${process.pid}`, { recursive: true, force: true });
  });

  process.stdout.write("building the images ... ");
  const t0 = now();
  const built = buildImages(rootfs.rootfs);
  console.log(`${(now() - t0).toFixed(1)} s`);
  const registry = await startRegistry({ dir: join(ROOT, "registry") });
  cleanups.push(() => registry.stop());
  const images: Image[] = [
    { name: "bench/debian-big", ref: `${registry.domain}/bench/debian-big:bench`, ...built.big },
    { name: "bench/debian-14", ref: `${registry.domain}/bench/debian-14:bench`, ...built.split },
  ];
  for (const im of images) {
    await pushLayout(im.layout, registry.url, im.name, "bench");
    const gz = im.layers.reduce((s, l) => s + l.size, 0);
    const tar = im.layers.reduce((s, l) => s + l.tarSize, 0);
    console.log(`${im.ref}: ${im.layers.length} layers, ${MB(gz)} compressed, ${MB(tar)} as tar (${im.layers.map((l) => MB(l.size)).join(", ")})`);
  }

  const times = new Map<string, number[]>();
  const add = (key: string, t: number) => times.set(key, [...(times.get(key) ?? []), t]);
  for (let run = 0; run < RUNS; run++) {
    const order = TOOLS.map((_, i) => TOOLS[(i + run) % TOOLS.length]!);
    for (const im of images) {
      const line: string[] = [];
      for (const tool of order) {
        if (DROP_CACHES) settle(join(ROOT, "registry"));
        const t =
          tool === "skiff" ? await pullSkiff(im, registry) : tool === "containerd" ? await pullContainerd(im) : tool === "podman" ? await pullPodman(im) : await pullUmoci(im);
        add(`${im.name}|${tool}`, t);
        line.push(`${tool} ${t.toFixed(2)}`);
      }
      add(`${im.name}|fetch`, fetchOnly(im, registry));
      add(`${im.name}|gunzip`, gunzipOnly(im));
      console.log(`run ${run + 1}/${RUNS} ${im.name}: ${line.join("  ")} (s)`);
    }
  }

  console.log(`\ncold pull + unpack from a local docker-registry, median of ${RUNS} interleaved runs (min-max); ratio = tool / skiff`);
  for (const im of images) {
    const gz = im.layers.reduce((s, l) => s + l.size, 0);
    const tar = im.layers.reduce((s, l) => s + l.tarSize, 0);
    console.log(`\n${im.name}: ${im.layers.length} layers, ${MB(gz)} compressed, ${MB(tar)} unpacked (tar)`);
    const skiff = median(times.get(`${im.name}|skiff`)!);
    for (const tool of TOOLS) {
      const xs = times.get(`${im.name}|${tool}`)!;
      const m = median(xs);
      console.log(`  ${LABEL[tool].padEnd(30)} ${m.toFixed(2).padStart(6)} s  (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})  ${tool === "skiff" ? "" : `${(m / skiff).toFixed(2)}×`}`);
    }
    console.log(`  ${"reference: fetch only (curl)".padEnd(30)} ${median(times.get(`${im.name}|fetch`)!).toFixed(2).padStart(6)} s`);
    console.log(`  ${"reference: gunzip, one core".padEnd(30)} ${median(times.get(`${im.name}|gunzip`)!).toFixed(2).padStart(6)} s`);
    if (TOOLS.includes("containerd")) {
      const ratio = skiff / median(times.get(`${im.name}|containerd`)!);
      console.log(`  target skiff <= 0.5 × containerd: skiff / containerd = ${ratio.toFixed(2)} -> ${ratio <= 0.5 ? "met" : "NOT met"}`);
    }
  }
}

try {
  await main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
} finally {
  await cleanupAll();
}
