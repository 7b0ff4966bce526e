// Benchmark: cold pull + unpack of two images from a local docker-registry (Debian's), skiff
// (bin/skiffd + `bin/skiff pull`) against containerd (`ctr image pull --plain-http`), podman
// (`podman pull --tls-verify=false`) and `skopeo copy` + `umoci unpack`. Every run starts from
// nothing: a fresh data root / containerd root / podman --root+--runroot / OCI dir and bundle, the
// daemons started (untimed) before and stopped after. Runs are interleaved (tool order rotated each
// round); medians and ratios against skiff.
//   a) "debian-big": a minbase bookworm rootfs, a layer of downloaded .debs and three layers of the
//      host's /usr/lib/x86_64-linux-gnu: ~70 MB compressed, ~180 MB unpacked, 5 layers;
//   b) "debian-14": the minbase rootfs split into 14 layers of about equal size.
// Reference figures, as the issue quotes them: fetch only (curl of every blob, in parallel) and
// gunzip of every layer on one core (`gzip -dc > /dev/null`, one after the other).
//   sudo node_modules/.bin/bun bench/image-pull.ts [--runs N] [--only skiff,containerd,podman,umoci]
//        [--drop-caches] [--fresh-fs (default) | --shared-fs]
// Why: the root ext4 of the dev VM runs without a journal, and there the inode allocator skips
// recently deleted inodes (fs/ext4/ialloc.c recently_deleted(), no-journal mode only: inodes
// deleted less than 60 s ago, 360 s while their inode table block is dirty, are skipped as long as
// that block is in the buffer cache), rescanning them on every create. So after the previous
// tool's `rm -r` of its tree, a pull creates files at an erratic cost: perf of `tar -xf` of the big
// rootfs layer right after an rm -r showed 64% in find_get_block_common / recently_deleted /
// ext4_get_group_desc / find_inode_bit; that tar took 1.2 s there, 0.35 s on a freshly made ext4.
// --fresh-fs (default): each timed pull's whole state (skiffd --data-root + --exec-root; the
// containerd root + state; podman --root/--runroot/--tmpdir; skopeo's OCI dir + umoci's bundle;
// TMPDIR of podman and skopeo/umoci) lives on an ext4 made for it (mkfs.ext4 defaults, i.e. with a
// journal, as most hosts have; itable/journal initialised by mkfs so no ext4lazyinit thread runs
// during the pull) on a loop device (direct I/O) backed by a sparse FS_SIZE file under ROOT:
// mkfs + mount before the daemon starts, unmount + rm after, all untimed. The registry's storage
// stays on the root fs (it is the same for every tool). Needs losetup (util-linux) and mount.
// --shared-fs: the state in directories under ROOT on the root fs, as before --fresh-fs.
// --drop-caches: before each timed pull (after the fresh fs is mounted, before the daemon starts),
// sync, drop the kernel's caches (machine-wide) and re-read the registry's blobs. On the shared fs
// this hides part of the previous rm -r (once its inode table blocks are clean and out of the
// buffer cache, recently_deleted() returns early): tar -xf of the big layer took 3.15 s right
// after an rm -r of the same tree, 1.03 s after sync + drop_caches.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { startRegistry, type RegistryServer } from "../src/engine/registry/testing/registry-server.ts";
import { debianRootfs, finishLayout, layoutImage, listTree, parentsOf, pushLayout, tarLayer, type Layer } from "../test/harness/debian-image.ts";
import { containerdConfig, Podman, which } from "../test/harness/engines.ts";
import { startSkiffd, type Skiffd } from "../test/harness/skiffd.ts";

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const RUNS = Number(arg("--runs")) || 5;
const DROP_CACHES = process.argv.includes("--drop-caches");
const SHARED_FS = process.argv.includes("--shared-fs");
const FRESH_FS = !SHARED_FS;
/** Size of the sparse file behind each --fresh-fs filesystem: the largest state (podman's or
 * containerd's: the blobs + the unpacked tree of debian-big, ~300 MB) with room to spare. */
const FS_SIZE = "4G";
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

const cleanups: (() => Promise<void>)[] = [];
let cleaning = false;
/** Registers `fn` to run at exit (normal, error, SIGINT/SIGTERM), last registered first. Returns
 * it wrapped to run at most once (a second call waits for the first) and unregister itself. */
function onCleanup(fn: () => void | Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = () =>
    (done ??= (async () => {
      const i = cleanups.indexOf(once);
      if (i >= 0) cleanups.splice(i, 1);
      await fn();
    })());
  cleanups.push(once);
  return once;
}
async function cleanupAll(): Promise<void> {
  if (cleaning) return;
  cleaning = true;
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
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

/** Mount points at or under `dir`, deepest first. */
const mountsUnder = (dir: string) =>
  readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((p): p is string => !!p && (p === dir || p.startsWith(dir + "/")))
    .sort((a, b) => b.length - a.length);

/** Unmounts (lazily, deepest first) every mount point under `dir`. */
function unmountUnder(dir: string): void {
  for (const p of mountsUnder(dir)) spawnSync("umount", ["-l", p]);
}

/** Untimed: flushes and drops the caches (see --drop-caches), then warms the registry's blobs again. */
function settle(registryDir: string): void {
  must("sync", []);
  writeFileSync("/proc/sys/vm/drop_caches", "3");
  must("sh", ["-c", 'find "$1" -type f -exec cat {} + > /dev/null', "sh", registryDir]);
}

/** Called by each puller once its state dir is ready, before it starts a daemon (untimed). */
const beforeStart = () => DROP_CACHES && settle(join(ROOT, "registry"));

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

/** What the first --fresh-fs filesystem was (for the summary). */
let fsNote = "";

interface Scratch {
  dir: string;
  /** Environment of the tools' commands: TMPDIR on the fresh fs (--fresh-fs). */
  env: Record<string, string>;
  /** Unmounts what is mounted under dir, then the fs, detaches the loop device, removes the
   * backing file and dir. */
  release: () => Promise<void>;
}

/** The state of one timed pull in `dir` (an existing directory, hidden by the mount): with
 * --fresh-fs a new ext4 on a loop device mounted on it, with --shared-fs just the directory.
 * The caller registers `release` (so that it runs after whatever stops the tool). */
function scratch(dir: string): Scratch {
  if (cleaning) throw new Error("interrupted");
  if (!FRESH_FS)
    return {
      dir,
      env: {},
      release: async () => {
        unmountUnder(dir);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  const img = join(ROOT, `fs-${++seq}.img`); // under ROOT (p.dir of podman is not)
  let dev: string | undefined;
  const release = async () => {
    // overlays of skiffd / containerd / podman first (the daemons are stopped by now)
    for (const p of mountsUnder(dir).filter((p) => p !== dir)) spawnSync("umount", ["-l", p]);
    if (mountsUnder(dir).includes(dir)) {
      let ok = false;
      for (let i = 0; i < 50 && !(ok = spawnSync("umount", [dir]).status === 0); i++) await Bun.sleep(100);
      if (!ok) {
        console.error(`warning: ${dir} still busy, detached lazily`);
        spawnSync("umount", ["-l", dir]);
      }
    }
    if (dev) {
      const r = spawnSync("losetup", ["-d", dev], { encoding: "utf8" });
      if (r.status !== 0) console.error(`warning: losetup -d ${dev}: ${r.stderr.trim()}`);
    }
    rmSync(img, { force: true });
    rmSync(dir, { recursive: true, force: true }); // the mount point, empty by now
  };
  try {
    must("truncate", ["-s", FS_SIZE, img]);
    must("mkfs.ext4", ["-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", img]);
    dev = must("losetup", ["--direct-io=on", "--find", "--show", img]).trim();
    must("mount", ["-t", "ext4", dev, dir]);
    mkdirSync(join(dir, "tmp"));
  } catch (e) {
    void release();
    throw e;
  }
  if (!fsNote) {
    const dio = readFileSync(`/sys/block/${dev.replace("/dev/", "")}/loop/dio`, "utf8").trim() === "1";
    fsNote = `a new ext4 (mkfs.ext4 defaults, journal) per pull, on a ${FS_SIZE} sparse file on ${dev} (${dio ? "direct I/O" : "buffered I/O"})`;
  }
  return { dir, env: { TMPDIR: join(dir, "tmp") }, release };
}

async function pullSkiff(image: Image, registry: RegistryServer): Promise<number> {
  const fs = scratch(freshDir("skiffd"));
  let starting: Promise<Skiffd> | undefined;
  const stop = onCleanup(async () => {
    await (await starting?.catch(() => undefined))?.stop();
    await fs.release();
  });
  try {
    beforeStart();
    starting = startSkiffd(["--insecure-registry", registry.domain], fs.dir);
    const d = await starting;
    const t0 = now();
    const r = d.skiff(["pull", image.ref]);
    const t = now() - t0;
    if (r.status !== 0) throw new Error(`skiff pull ${image.ref}: exit ${r.status}\n${r.stderr}${r.stdout}`);
    return t;
  } finally {
    await stop();
  }
}

async function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return Promise.race([new Promise<boolean>((r) => child.once("exit", () => r(true))), Bun.sleep(ms).then(() => false)]);
}

async function pullContainerd(image: Image): Promise<number> {
  const fs = scratch(freshDir("containerd"));
  const dir = fs.dir;
  let child: ChildProcess | undefined;
  const stop = onCleanup(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      if (!(await waitExit(child, 10000))) {
        child.kill("SIGKILL");
        await waitExit(child, 3000);
      }
    }
    await fs.release();
  });
  try {
    const sock = join(dir, "containerd.sock");
    writeFileSync(join(dir, "config.toml"), containerdConfig(dir, sock));
    beforeStart();
    const log = openSync(join(dir, "containerd.log"), "w");
    child = spawn("containerd", ["--config", join(dir, "config.toml")], { stdio: ["ignore", log, log], env: { ...process.env, ...fs.env } });
    closeSync(log);
    const ctr = (args: string[]) => spawnSync("ctr", ["-a", sock, "-n", "bench", ...args], { encoding: "utf8", timeout: 600_000, env: { ...process.env, ...fs.env } });
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
    await stop();
  }
}

async function pullPodman(image: Image): Promise<number> {
  const p = new Podman();
  let fs: Scratch | undefined;
  try {
    if (FRESH_FS) {
      // the fresh fs goes over p.dir (--root, --runroot, --tmpdir), hiding containers.conf
      const conf = readFileSync(join(p.dir, "containers.conf"));
      fs = scratch(p.dir);
      writeFileSync(join(p.dir, "containers.conf"), conf);
    }
  } catch (e) {
    await fs?.release();
    await p.stop();
    throw e;
  }
  // p.stop() unmounts (lazily) everything under p.dir, the fresh fs too; release() then detaches
  // the loop device and removes the file
  const stop = onCleanup(async () => {
    await p.stop();
    await fs?.release();
  });
  try {
    beforeStart();
    const t0 = now();
    const r = p.cmd(["pull", "--tls-verify=false", "-q", image.ref], { timeout: 600_000, env: fs?.env });
    const t = now() - t0;
    if (r.code !== 0) throw new Error(`podman pull ${image.ref}: exit ${r.code}\n${r.stderr}`);
    return t;
  } finally {
    await stop();
  }
}

async function pullUmoci(image: Image): Promise<number> {
  const fs = scratch(freshDir("umoci"));
  const dir = fs.dir;
  const stop = onCleanup(() => fs.release());
  try {
    beforeStart();
    const t0 = now();
    must("skopeo", ["copy", "-q", "--src-tls-verify=false", `docker://${image.ref}`, `oci:${join(dir, "oci")}:bench`], { env: fs.env });
    must("umoci", ["unpack", "--image", `${join(dir, "oci")}:bench`, join(dir, "bundle")], { env: fs.env });
    return now() - t0;
  } finally {
    await stop();
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
  if (SHARED_FS && process.argv.includes("--fresh-fs")) throw new Error("--fresh-fs and --shared-fs exclude each other");
  if (FRESH_FS) {
    const missing = ["losetup", "mount", "umount", "mkfs.ext4", "truncate"].filter((c) => !which(c));
    if (missing.length) throw new Error(`--fresh-fs needs ${missing.join(", ")} (util-linux, mount, e2fsprogs, coreutils); or use --shared-fs`);
    if (!existsSync("/dev/loop-control")) throw new Error("--fresh-fs needs loop devices (/dev/loop-control is missing); or use --shared-fs");
  }
  const rootfs = debianRootfs();
  if ("skip" in rootfs) throw new Error(`no Debian rootfs: ${rootfs.skip}`);
  mkdirSync(ROOT, { recursive: true });
  onCleanup(() => {
    unmountUnder(ROOT);
    // loop devices of --fresh-fs filesystems whose release() did not run to the end
    const loops = spawnSync("losetup", ["--list", "--noheadings", "--raw", "-O", "NAME,BACK-FILE"], { encoding: "utf8" }).stdout ?? "";
    for (const [dev, file] of loops.split("\n").map((l) => l.split(" "))) if (dev && file?.startsWith(ROOT + "/")) spawnSync("losetup", ["-d", dev]);
    rmSync(ROOT, { recursive: true, force: true });
    rmSync(`/tmp/skiff-test-${process.pid}`, { recursive: true, force: true });
  });

  console.log(`state of each pull: ${FRESH_FS ? `a fresh ext4 (${FS_SIZE}, loop device) [--fresh-fs]` : `directories on the root fs [--shared-fs]`}; ${DROP_CACHES ? "caches dropped before each pull [--drop-caches]" : "caches kept"}`);
  process.stdout.write("building the images ... ");
  const t0 = now();
  const built = buildImages(rootfs.rootfs);
  console.log(`${(now() - t0).toFixed(1)} s`);
  const registry = await startRegistry({ dir: join(ROOT, "registry") });
  onCleanup(() => registry.stop());
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
  console.log(`state: ${FRESH_FS ? `--fresh-fs: ${fsNote}` : `--shared-fs: directories on the root fs (${ROOT})`}`);
  console.log(`caches: ${DROP_CACHES ? "--drop-caches: sync + drop_caches + registry blobs re-read before each pull" : "kept between pulls (no --drop-caches)"}`);
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
