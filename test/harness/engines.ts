// Real engines driving an OCI runtime: a private containerd (own config, root, state and socket
// under a temp dir) and podman (own --root/--runroot/--tmpdir and containers.conf), both with the
// busybox rootfs of oci.ts imported as their image. Containers' cgroups go under TEST_CGROUP so
// that the leak-checking harness sees them; stop() removes whatever the engine left behind.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUN_TAG, TEST_CGROUP, TEST_STATE_ROOT } from "./leaks.ts";
import { busyboxRootfs, REPO, SKIFF_OCI, tempDir, type Result } from "./oci.ts";

/** The runtimes engines are pointed at, by absolute path. */
export const ENGINE_RUNTIMES = { skiff: SKIFF_OCI, runc: which("runc") ?? "/usr/sbin/runc" } as const;
export type EngineRuntime = keyof typeof ENGINE_RUNTIMES;

export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) if (existsSync(join(dir, cmd))) return join(dir, cmd);
  for (const dir of ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]) if (existsSync(join(dir, cmd))) return join(dir, cmd);
  return undefined;
}

const safe = <T>(f: () => T, fallback: T): T => {
  try {
    return f();
  } catch {
    return fallback;
  }
};

export interface RunOpts {
  input?: string;
  timeout?: number;
  env?: Record<string, string>;
}

/** Runs a command to completion; output through files (detached children keep pipes open). */
export function run(cmd: string, args: string[], opts: RunOpts = {}): Result {
  const dir = tempDir("out");
  const out = openSync(join(dir, "stdout"), "w+");
  const err = openSync(join(dir, "stderr"), "w+");
  try {
    const r = spawnSync(cmd, args, {
      input: opts.input ?? "",
      stdio: ["pipe", out, err],
      timeout: opts.timeout ?? 60000,
      env: { ...process.env, ...opts.env },
      // conmon writes an "oom" file into its working directory when the OOM killer struck
      cwd: dir,
    });
    return { code: r.status ?? -1, stdout: readFileSync(join(dir, "stdout"), "utf8"), stderr: readFileSync(join(dir, "stderr"), "utf8") };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

/** Runs `cmd args` on a pseudo-terminal (util-linux `script`), typing `input` into it. The
 * output is the terminal's (echo included), without CRs. */
export function runOnPty(cmd: string, args: string[], input: string, opts: RunOpts = {}): Result {
  const line = [cmd, ...args].map(shellQuote).join(" ");
  const r = run("script", ["-qec", line, "/dev/null"], { ...opts, input });
  return { ...r, stdout: r.stdout.replaceAll("\r", "") };
}

/** A copy of test/fixtures/runtime-argv-log.sh in a temp dir, running `real`: engines pointed at
 * `path` have every call recorded; `calls()` returns them as argv arrays (without the time). */
export function argvLogger(real: string = SKIFF_OCI): { path: string; calls(): string[][]; log(): string } {
  const dir = tempDir("argv");
  const path = join(dir, "runtime-argv-log.sh");
  copyFileSync(join(REPO, "test/fixtures/runtime-argv-log.sh"), path);
  spawnSync("chmod", ["755", path]);
  symlinkSync(real, join(dir, "real-runtime"));
  const read = () => safe(() => readFileSync(join(dir, "argv.log"), "utf8"), "");
  return {
    path,
    log: read,
    calls: () =>
      read()
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split("\x1f").slice(1, -1)),
  };
}

// ---------------------------------------------------------------------------------------------
// Images

/** The busybox rootfs as a plain tar (one layer). */
export function rootfsTar(dir: string): string {
  const tar = join(dir, "rootfs.tar");
  if (!existsSync(tar)) {
    const r = spawnSync("tar", ["--numeric-owner", "-C", busyboxRootfs(), "-cf", tar, "."]);
    if (r.status !== 0) throw new Error(`tar of the busybox rootfs failed: ${r.stderr}`);
  }
  return tar;
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** An OCI image-layout archive (the one-layer busybox image) named `ref`, for `ctr images import`. */
export function ociArchive(dir: string, ref = "docker.io/library/skiff-busybox:latest"): string {
  const layout = join(dir, "oci-layout-dir");
  const blobs = join(layout, "blobs/sha256");
  mkdirSync(blobs, { recursive: true });
  const blob = (data: Buffer | string) => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: Buffer.byteLength(data) };
  };
  const layer = blob(readFileSync(rootfsTar(dir)));
  const arch = process.arch === "arm64" ? "arm64" : "amd64";
  const config = blob(
    JSON.stringify({
      architecture: arch,
      os: "linux",
      config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"] },
      rootfs: { type: "layers", diff_ids: [layer.digest] },
    }),
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
    }),
  );
  writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const tag = ref.slice(ref.lastIndexOf(":") + 1);
  writeFileSync(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "io.containerd.image.name": ref, "org.opencontainers.image.ref.name": tag },
        },
      ],
    }),
  );
  const archive = join(dir, "image-oci.tar");
  const r = spawnSync("tar", ["-C", layout, "-cf", archive, "."]);
  if (r.status !== 0) throw new Error(`tar of the OCI layout failed: ${r.stderr}`);
  rmSync(layout, { recursive: true, force: true });
  return archive;
}

// ---------------------------------------------------------------------------------------------
// Cleanup helpers

function procs(): { pid: number; cmdline: string; cgroup: string; zombie: boolean }[] {
  const out = [];
  for (const d of safe(() => readdirSync("/proc"), [] as string[])) {
    if (!/^\d+$/.test(d)) continue;
    const cmdline = safe(() => readFileSync(`/proc/${d}/cmdline`, "utf8").replaceAll("\0", " "), "");
    const stat = safe(() => readFileSync(`/proc/${d}/stat`, "utf8"), "");
    out.push({ pid: Number(d), cmdline, cgroup: safe(() => readFileSync(`/proc/${d}/cgroup`, "utf8"), ""), zombie: /\) [ZX] /.test(stat) });
  }
  return out;
}

const alive = (pid: number) => safe(() => (process.kill(pid, 0), !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8"))), false);

async function waitGone(pids: number[], ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!pids.some(alive)) return true;
    await Bun.sleep(50);
  }
  return !pids.some(alive);
}

/** SIGKILL every live process whose command line contains `needle`. */
async function killMatching(needle: string): Promise<string[]> {
  const found = procs().filter((p) => !p.zombie && p.pid !== process.pid && p.cmdline.includes(needle));
  for (const p of found) safe(() => process.kill(p.pid, "SIGKILL"), undefined);
  await waitGone(
    found.map((p) => p.pid),
    3000,
  );
  return found.map((p) => `${p.pid} ${p.cmdline}`);
}

/** Unmounts (lazily, deepest first) every mount point under `dir`. */
function unmountUnder(dir: string): string[] {
  const points = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((p): p is string => !!p && (p === dir || p.startsWith(dir + "/")))
    .sort((a, b) => b.length - a.length);
  for (const p of points) spawnSync("umount", ["-l", p]);
  return points;
}

/** Every cgroup hierarchy's copy of TEST_CGROUP/sub (v1 controllers, named, unified). */
function cgroupDirs(sub: string): string[] {
  return safe(() => readdirSync("/sys/fs/cgroup"), [] as string[]).map((h) => join("/sys/fs/cgroup", h, TEST_CGROUP, sub));
}

// ---------------------------------------------------------------------------------------------
// podman

export const PODMAN_IMAGE = "localhost/skiff-busybox:latest";

/** podman with its own storage, run root, tmp dir (events, locks, exits) and containers.conf. */
export class Podman {
  readonly dir: string;
  readonly env: Record<string, string>;
  private readonly global: string[];

  constructor() {
    this.dir = tempDir("podman");
    const conf = join(this.dir, "containers.conf");
    writeFileSync(
      conf,
      [
        "[containers]",
        // root here lacks CAP_SYS_RESOURCE: podman's defaults ask for more than the hard limits
        'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]',
        "[engine]",
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        'lock_type = "file"',
        'runtime = "runc"',
        "",
      ].join("\n"),
    );
    this.env = { CONTAINERS_CONF: conf };
    this.global = [
      "--root",
      join(this.dir, "root"),
      "--runroot",
      join(this.dir, "runroot"),
      "--tmpdir",
      join(this.dir, "tmp"),
      "--storage-driver",
      "overlay",
      // else containers/storage bind-mounts root/overlay on itself while some container is
      // mounted, and which podman process unmounts it is a race: a "leaked" mount for the harness
      "--storage-opt",
      "overlay.skip_mount_home=true",
      "--cgroup-manager",
      "cgroupfs",
      "--events-backend",
      "file",
    ];
  }

  /** Imports the busybox image. */
  static start(): Podman {
    const p = new Podman();
    const imp = p.cmd(["import", rootfsTar(p.dir), PODMAN_IMAGE]);
    if (imp.code !== 0) {
      void p.stop();
      throw new Error(`podman import failed: ${imp.stderr}`);
    }
    return p;
  }

  cmd(args: string[], opts: RunOpts = {}): Result {
    return run("podman", [...this.global, ...args], { ...opts, env: { ...this.env, ...opts.env } });
  }

  /** The shell command line for `podman ARGS` with this instance's storage and config. */
  commandLine(args: string[]): string {
    const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
    return [...Object.entries(this.env).map(([k, v]) => `${k}=${quote(v)}`), "podman", ...[...this.global, ...args].map(quote)].join(" ");
  }

  pty(args: string[], input: string, opts: RunOpts = {}): Result {
    return runOnPty("podman", [...this.global, ...args], input, { ...opts, env: { ...this.env, ...opts.env } });
  }

  /** Options of `podman run`/`create` for a test container on `runtime` (a name or a path). */
  runArgs(runtime: EngineRuntime | string): string[] {
    const path = runtime in ENGINE_RUNTIMES ? ENGINE_RUNTIMES[runtime as EngineRuntime] : runtime;
    // conmon stays in the test process's cgroup (not TEST_CGROUP/conmon, which would outlive
    // each test); settle() and stop() see to conmon processes.
    return ["--runtime", path, "--network", "none", "--cgroups", "no-conmon", "--cgroup-parent", TEST_CGROUP];
  }

  /** Waits until conmon and its exit command (`podman container cleanup`) are gone. */
  async settle(ms = 10000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (!procs().some((p) => !p.zombie && (p.cgroup.includes(`${RUN_TAG}/conmon`) || (p.cmdline.includes(this.dir) && p.pid !== process.pid)))) return;
      await Bun.sleep(50);
    }
  }

  /** Removes every container, kills conmon leftovers, unmounts storage, removes the conmon
   * cgroups and the directories. Safe to call after a failed start. */
  async stop(): Promise<string[]> {
    const notes: string[] = [];
    const ids = this.cmd(["ps", "-aq", "--no-trunc"], { timeout: 20000 }).stdout.split("\n").filter(Boolean);
    if (ids.length) {
      notes.push(`containers left: ${ids.join(" ")}`);
      this.cmd(["rm", "-f", "-t", "0", ...ids], { timeout: 30000 });
      for (const id of ids) for (const rt of Object.values(ENGINE_RUNTIMES)) run(rt, ["delete", "--force", id], { timeout: 10000 });
    }
    await this.settle(5000);
    const killed = await killMatching(this.dir);
    if (killed.length) notes.push(`killed: ${killed.join("; ")}`);
    const mounts = unmountUnder(this.dir);
    if (mounts.length) notes.push(`unmounted: ${mounts.join(" ")}`);
    for (const d of cgroupDirs("conmon")) safe(() => rmdirSync(d), undefined);
    for (const d of cgroupDirs("")) safe(() => rmdirSync(d), undefined);
    rmSync(this.dir, { recursive: true, force: true });
    return notes;
  }
}

// ---------------------------------------------------------------------------------------------
// containerd

/** A private containerd's config.toml: root, state, sockets and opt under `dir`, no CRI. */
export function containerdConfig(dir: string, sock: string, extra: string[] = []): string {
  return [
    "version = 2",
    `root = "${join(dir, "root")}"`,
    `state = "${join(dir, "state")}"`,
    `disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]`,
    "[grpc]",
    `  address = "${sock}"`,
    "[ttrpc]",
    `  address = "${sock}.ttrpc"`,
    ...extra,
    "[metrics]",
    '  address = ""',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = "${join(dir, "opt")}"`,
    "",
  ].join("\n");
}

export const CTR_IMAGE = "docker.io/library/skiff-busybox:latest";

/** A private containerd; containers in namespace RUN_TAG, so their default cgroup is
 * /RUN_TAG/ID (= TEST_CGROUP/ID). */
export class Containerd {
  readonly dir: string;
  readonly sock: string;
  readonly namespace = RUN_TAG;
  private child?: ChildProcess;

  private constructor() {
    this.dir = tempDir("containerd");
    this.sock = join(this.dir, "containerd.sock");
  }

  get logFile(): string {
    return join(this.dir, "containerd.log");
  }

  /** The runtimes' --root under containerd: the shim adds the namespace, so containers' state
   * is TEST_STATE_ROOT/RUN_TAG/ID, where the harness looks for state left behind. */
  static readonly runtimeRoot = TEST_STATE_ROOT;

  static async start(): Promise<Containerd> {
    const c = new Containerd();
    const config = containerdConfig(c.dir, c.sock, ["[debug]", '  level = "info"']);
    writeFileSync(join(c.dir, "config.toml"), config);
    const log = openSync(c.logFile, "w");
    c.child = spawn("containerd", ["--config", join(c.dir, "config.toml")], { stdio: ["ignore", log, log] });
    closeSync(log);
    const end = Date.now() + 15000;
    while (true) {
      if (c.child.exitCode !== null) throw new Error(`containerd exited (${c.child.exitCode}):\n${readFileSync(c.logFile, "utf8").slice(-3000)}`);
      if (existsSync(c.sock) && c.ctr(["version"], { timeout: 5000 }).code === 0) break;
      if (Date.now() > end) {
        await c.stop();
        throw new Error(`containerd did not come up:\n${readFileSync(c.logFile, "utf8").slice(-3000)}`);
      }
      await Bun.sleep(100);
    }
    const imp = c.ctr(["images", "import", ociArchive(c.dir, CTR_IMAGE)]);
    if (imp.code !== 0) {
      await c.stop();
      throw new Error(`ctr images import failed: ${imp.stderr}`);
    }
    return c;
  }

  ctr(args: string[], opts: RunOpts = {}): Result {
    return run("ctr", ["-a", this.sock, "-n", this.namespace, ...args], opts);
  }

  pty(args: string[], input: string, opts: RunOpts = {}): Result {
    return runOnPty("ctr", ["-a", this.sock, "-n", this.namespace, ...args], input, opts);
  }

  /** Options of `ctr run` for `runtime` (a name or a path, e.g. an argvLogger). */
  runArgs(runtime: EngineRuntime | string): string[] {
    const path = runtime in ENGINE_RUNTIMES ? ENGINE_RUNTIMES[runtime as EngineRuntime] : runtime;
    return ["--runc-binary", path, "--runc-root", Containerd.runtimeRoot];
  }

  /** Task status from `ctr task ls` (RUNNING, STOPPED, PAUSED, ... or undefined). */
  status(id: string): string | undefined {
    for (const line of this.ctr(["task", "ls"]).stdout.split("\n").slice(1)) {
      const [name, , status] = line.trim().split(/\s+/);
      if (name === id) return status;
    }
    return undefined;
  }

  async waitStatus(id: string, want: string, ms = 10000): Promise<string | undefined> {
    const end = Date.now() + ms;
    let s = this.status(id);
    while (s !== want && Date.now() < end) {
      await Bun.sleep(50);
      s = this.status(id);
    }
    return s;
  }

  /** Removes a container and its task whatever state they are in (best effort). */
  async remove(id: string): Promise<void> {
    if (this.status(id) !== undefined) {
      if (this.status(id) === "PAUSED") this.ctr(["task", "resume", id]);
      this.ctr(["task", "kill", "-a", "-s", "SIGKILL", id]);
      await this.waitStatus(id, "STOPPED", 5000);
      this.ctr(["task", "delete", "-f", id]);
    }
    this.ctr(["container", "delete", id]);
  }

  /** Deletes every container, stops containerd (SIGTERM, then SIGKILL), kills shims, unmounts
   * whatever is mounted under its directories and removes them. */
  async stop(): Promise<string[]> {
    const notes: string[] = [];
    if (this.child && this.child.exitCode === null) {
      const ids = this.ctr(["container", "ls", "-q"], { timeout: 10000 }).stdout.split("\n").filter(Boolean);
      if (ids.length) notes.push(`containers left: ${ids.join(" ")}`);
      for (const id of ids) await this.remove(id);
      const pid = this.child.pid!;
      safe(() => process.kill(pid, "SIGTERM"), undefined);
      if (!(await waitGone([pid], 10000))) {
        notes.push("containerd ignored SIGTERM");
        safe(() => process.kill(pid, "SIGKILL"), undefined);
        await waitGone([pid], 3000);
      }
    }
    // shims outlive containerd by design: `containerd-shim-runc-v2 -namespace NS -address SOCK ...`
    const shims = await killMatching(`-address ${this.sock}`);
    if (shims.length) notes.push(`killed shims: ${shims.join("; ")}`);
    const mounts = unmountUnder(this.dir);
    if (mounts.length) notes.push(`unmounted: ${mounts.join(" ")}`);
    const root = join(Containerd.runtimeRoot, this.namespace);
    for (const id of safe(() => readdirSync(root), [] as string[])) {
      notes.push(`runtime state left: ${root}/${id}`);
      for (const bin of Object.values(ENGINE_RUNTIMES)) run(bin, ["--root", root, "delete", "--force", id], { timeout: 10000 });
    }
    rmSync(root, { recursive: true, force: true });
    rmSync(this.dir, { recursive: true, force: true });
    return notes;
  }
}

/** Reads a file some runtime left (a `--log` JSON file, conmon's ctr.log): "" if missing. */
export const readIf = (path: string) => safe(() => readFileSync(path, "utf8"), "");
