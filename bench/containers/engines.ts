// The engines bench/containers.ts compares, each on roots of its own under the run's directory and
// with its containers' cgroups under the run's cgroup: skiffd (driven by bin/skiff and by the
// docker CLI), a private containerd (ctr), podman (its own --root/--runroot and containers.conf)
// and Debian's dockerd (no iptables, no bridge unless asked; the docker CLI). Each imports the
// same busybox rootfs as its image; stop() removes its containers, stops the daemon and removes
// what it made.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { containerdConfig, CTR_IMAGE, ociArchive, Podman, PODMAN_IMAGE } from "../../test/harness/engines.ts";
import { RUN_TAG, TEST_CGROUP, TEST_STATE_ROOT } from "../../test/harness/leaks.ts";
import { startSkiffd, SKIFF } from "../../test/harness/skiffd.ts";
import { processes, runCmd, type Cmd, type Outcome } from "./measure.ts";

export type EngineKey = "skiff" | "containerd" | "podman" | "dockerd";

/** One client's way of running containers on an engine. */
export interface Peer {
  label: string;
  engine: Engine;
  /** `run --rm` of the busybox image with no network. */
  runRm(args: string[]): Cmd;
  /** `run -d` of the busybox image with no network, as container `name`. */
  runDetached(name: string, args: string[]): Cmd;
  /** `run FLAGS busybox ARGS`: the engine's default network unless FLAGS say otherwise
   *  (bench/networks.ts). */
  run?(flags: string[], args: string[]): Cmd;
  /** How many of the engine's containers run. */
  running(): number;
  /** Waits for container `name` to exit. */
  wait(name: string): Outcome;
  /** `logs NAME`, where the client has it. */
  logs?(name: string): Cmd;
  /** Any command of the client (skiff's or docker's CLI) against the engine (bench/files.ts). */
  cli?(...argv: string[]): Cmd;
}

export interface Engine {
  key: EngineKey;
  label: string;
  peers: Peer[];
  /** The per-container monitor: its name and the pids of the engine's ones. */
  monitor?: { label: string; pids(): number[] };
  /** The daemon's own processes, by role (none for podman). */
  daemons(): { label: string; pid: number }[];
  /** Imports the busybox rootfs as the image its peers run. */
  importImage(): void;
  /** Pulls `ref` from the plain-HTTP registry the engine was started with. */
  pull?(ref: string): Outcome;
  /** Removes every container (untimed clean-up between runs). */
  removeAll(): Promise<void>;
  stop(): Promise<string[]>;
}

export interface EngineOptions {
  /** The run's directory, for the engine's temp files. */
  dir: string;
  rootfsTar: string;
  /** host:port of a registry to pull from over plain HTTP. */
  registry?: string;
  /** dockerd keeps its default bridge (docker0), iptables and docker-proxy, as installed: for
   *  bench/networks.ts, which removes what it leaves on the host. Else dockerd has no network. */
  networks?: boolean;
}

export const DOCKER_CLI = "docker";
const SKIFF_IMAGE = "busybox:latest";
const DOCKER_IMAGE = "busybox:latest";

const must = (what: string, r: Outcome): Outcome => {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code}: ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")}`);
  return r;
};
const lines = (s: string) => s.split("\n").filter(Boolean);
const pidsWhere = (pred: (cmdline: string) => boolean) =>
  processes()
    .filter((p) => pred(p.cmdline))
    .map((p) => p.pid);

// ---------------------------------------------------------------------------------------------
// a docker-API daemon's clients

/** The docker CLI's commands against the daemon at `sock`. */
function dockerPeer(label: string, engine: Engine, env: Record<string, string>, image: string, dir: string): Peer {
  const cmd = (...argv: string[]): Cmd => ({ argv: [DOCKER_CLI, ...argv], env });
  return {
    label,
    engine,
    runRm: (args) => cmd("run", "--rm", "--network", "none", image, ...args),
    runDetached: (name, args) => cmd("run", "-d", "--name", name, "--network", "none", image, ...args),
    run: (flags, args) => cmd("run", ...flags, image, ...args),
    running: () => lines(runCmd(cmd("ps", "-q"), { dir }).stdout).length,
    wait: (name) => runCmd(cmd("wait", name), { dir }),
    logs: (name) => cmd("logs", name),
    cli: cmd,
  };
}

/** Removes every container through a docker-style CLI (`ps -aq`, then `rm -f`). */
function removeAllWith(cli: (...argv: string[]) => Cmd, dir: string): void {
  const ids = lines(runCmd(cli("ps", "-aq"), { dir }).stdout);
  if (ids.length) must("rm -f", runCmd(cli("rm", "-f", ...ids), { dir }));
}

// ---------------------------------------------------------------------------------------------
// skiffd

export async function startSkiff(opts: EngineOptions): Promise<Engine> {
  const d = await startSkiffd(opts.registry ? ["--insecure-registry", opts.registry] : []);
  const skiffEnv = { HOME: d.dir };
  const dockerEnv = { DOCKER_HOST: `unix://${d.sock}`, DOCKER_CONFIG: join(d.dir, "docker-config") };
  const skiff = (...argv: string[]): Cmd => ({ argv: [SKIFF, "-H", `unix://${d.sock}`, ...argv], env: skiffEnv });
  const engine: Engine = {
    key: "skiff",
    label: "skiffd",
    peers: [],
    monitor: { label: "skiff-monitor", pids: () => pidsWhere((c) => c.includes("skiff-monitor") && c.includes(d.dir)) },
    daemons: () => [{ label: "skiffd", pid: d.proc.pid! }],
    importImage: () => void must("skiff import", runCmd(skiff("import", opts.rootfsTar, SKIFF_IMAGE, "-c", 'CMD ["sh"]'), { dir: opts.dir })),
    pull: (ref) => runCmd(skiff("pull", "-q", ref), { dir: opts.dir, timeout: 600_000 }),
    removeAll: async () => removeAllWith(skiff, opts.dir),
    stop: async () => {
      const notes: string[] = [];
      const ids = lines(runCmd(skiff("ps", "-aq"), { dir: opts.dir }).stdout);
      if (ids.length) {
        notes.push(`skiffd: containers left: ${ids.length}`);
        runCmd(skiff("rm", "-f", ...ids), { dir: opts.dir });
      }
      const code = await d.stop();
      if (code !== 0) notes.push(`skiffd exited with ${code}`);
      rmSync(d.dir, { recursive: true, force: true });
      return notes;
    },
  };
  engine.peers.push({
    label: "skiff",
    engine,
    cli: skiff,
    runRm: (args) => skiff("run", "--rm", "--network", "none", SKIFF_IMAGE, ...args),
    runDetached: (name, args) => skiff("run", "-d", "--name", name, "--network", "none", SKIFF_IMAGE, ...args),
    run: (flags, args) => skiff("run", ...flags, SKIFF_IMAGE, ...args),
    running: () => lines(runCmd(skiff("ps", "-q"), { dir: opts.dir }).stdout).length,
    wait: (name) => runCmd(skiff("wait", name), { dir: opts.dir }),
    logs: (name) => skiff("logs", name),
  });
  engine.peers.push(dockerPeer("docker → skiffd", engine, dockerEnv, SKIFF_IMAGE, opts.dir));
  return engine;
}

// ---------------------------------------------------------------------------------------------
// containerd (ctr)

const CTR_NAMESPACE = RUN_TAG;

/** A private containerd (config, root, state, socket under the run's directory). Its containers
 * go in namespace RUN_TAG: their cgroups are /RUN_TAG/ID, the runc state RUNC_ROOT/RUN_TAG/ID. */
export async function startContainerd(opts: EngineOptions): Promise<Engine> {
  const dir = join(opts.dir, `containerd-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const sock = join(dir, "containerd.sock");
  const runcRoot = join(TEST_STATE_ROOT, "runc");
  writeFileSync(join(dir, "config.toml"), containerdConfig(dir, sock));
  const log = openSync(join(dir, "containerd.log"), "w");
  const child = spawn("containerd", ["--config", join(dir, "config.toml")], { stdio: ["ignore", log, log] });
  closeSync(log);
  const ctr = (...argv: string[]): Cmd => ({ argv: ["ctr", "-a", sock, "-n", CTR_NAMESPACE, ...argv] });
  const ctrRun = (...argv: string[]) => runCmd(ctr(...argv), { dir: opts.dir });
  const removeAll = async () => {
    const ids = lines(ctrRun("container", "ls", "-q").stdout);
    const tasks = lines(ctrRun("task", "ls", "-q").stdout);
    if (tasks.length) must("ctr task delete -f", ctrRun("task", "delete", "-f", ...tasks));
    if (ids.length) must("ctr container delete", ctrRun("container", "delete", ...ids));
  };
  const shims = () => pidsWhere((cl) => cl.includes("containerd-shim") && cl.includes(`-address ${sock}`));
  const engine: Engine = {
    key: "containerd",
    label: "containerd",
    peers: [],
    monitor: { label: "containerd-shim-runc-v2", pids: shims },
    daemons: () => [{ label: "containerd", pid: child.pid! }],
    importImage: () => void must("ctr images import", runCmd(ctr("images", "import", ociArchive(dir, CTR_IMAGE)), { dir: opts.dir })),
    pull: (ref) => runCmd(ctr("image", "pull", "--plain-http", ref), { dir: opts.dir, timeout: 600_000 }),
    removeAll,
    stop: async () => {
      const notes: string[] = [];
      if (child.exitCode === null) await removeAll().catch((e) => notes.push(`containerd: ${e}`));
      await stopProcess(child, 10_000);
      // shims outlive containerd by design
      for (const pid of shims()) if (await killWait(pid)) notes.push(`containerd: killed shim ${pid}`);
      for (const target of mountsUnder(dir)) spawnSync("umount", ["-l", target]);
      rmSync(join(runcRoot, CTR_NAMESPACE), { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
      return notes;
    },
  };
  for (let end = Date.now() + 15_000; ; await Bun.sleep(100)) {
    if (existsSync(sock) && ctrRun("version").code === 0) break;
    if (Date.now() > end || child.exitCode !== null) {
      const tail = readFileSync(join(dir, "containerd.log"), "utf8").trim().split("\n").slice(-3).join(" | ");
      await engine.stop();
      throw new Error(`containerd did not start (exit ${child.exitCode}): ${tail}`);
    }
  }
  engine.peers.push({
    label: "ctr",
    engine,
    runRm: (args) => ctr("run", "--rm", "--runc-root", runcRoot, CTR_IMAGE, "bench-rm", ...args),
    runDetached: (name, args) => ctr("run", "-d", "--runc-root", runcRoot, CTR_IMAGE, name, ...args),
    running: () => lines(ctrRun("task", "ls").stdout).filter((l) => /\sRUNNING\s*$/.test(l)).length,
    wait: (name) => {
      const status = () => lines(ctrRun("task", "ls").stdout).find((l) => l.startsWith(`${name} `)) ?? "";
      for (let end = Date.now() + 60_000; /\sRUNNING\s*$/.test(status()) && Date.now() < end; ) Bun.sleepSync(100);
      return { code: 0, stdout: status(), stderr: "" };
    },
  });
  return engine;
}

// ---------------------------------------------------------------------------------------------
// podman

export async function startPodman(opts: EngineOptions): Promise<Engine> {
  const p = new Podman();
  // the instance's global options (plain paths: its command line needs no quoting)
  const global = p.commandLine([]).split(" ").slice(Object.keys(p.env).length + 1);
  const podman = (...argv: string[]): Cmd => ({ argv: ["podman", ...global, ...argv], env: p.env });
  const engine: Engine = {
    key: "podman",
    label: "podman",
    peers: [],
    monitor: { label: "conmon", pids: () => pidsWhere((cl) => cl.startsWith("/usr/bin/conmon") && cl.includes(p.dir)) },
    daemons: () => [],
    importImage: () => void must("podman import", p.cmd(["import", opts.rootfsTar, PODMAN_IMAGE])),
    removeAll: async () => {
      must("podman rm -a", runCmd(podman("rm", "-f", "-t", "0", "-a"), { dir: opts.dir }));
      await p.settle();
    },
    stop: () => p.stop(),
  };
  const run = ["--network", "none", "--cgroup-parent", TEST_CGROUP];
  engine.peers.push({
    label: "podman",
    engine,
    runRm: (args) => podman("run", "--rm", ...run, PODMAN_IMAGE, ...args),
    runDetached: (name, args) => podman("run", "-d", "--name", name, ...run, PODMAN_IMAGE, ...args),
    run: (flags, args) => podman("run", "--cgroup-parent", TEST_CGROUP, ...flags, PODMAN_IMAGE, ...args),
    running: () => lines(runCmd(podman("ps", "-q"), { dir: opts.dir }).stdout).length,
    wait: (name) => runCmd(podman("wait", name), { dir: opts.dir }),
    logs: (name) => podman("logs", name),
  });
  return engine;
}

// ---------------------------------------------------------------------------------------------
// dockerd

const DOCKERD = "/usr/sbin/dockerd";

export async function startDockerd(opts: EngineOptions): Promise<Engine> {
  if (!existsSync(DOCKERD)) throw new Error(`${DOCKERD} is not installed (apt-get install docker.io)`);
  const dir = join(opts.dir, `dockerd-${Date.now()}`);
  const [dataRoot, execRoot] = [join(dir, "data"), join(dir, "exec")];
  mkdirSync(dataRoot, { recursive: true });
  mkdirSync(execRoot, { recursive: true });
  const sock = join(dir, "docker.sock");
  writeFileSync(join(dir, "daemon.json"), "{}");
  const made = { key: !existsSync("/etc/docker/key.json"), run: !existsSync("/run/docker") };
  const log = openSync(join(dir, "dockerd.log"), "w");
  // its own containerd too: dockerd starts one under the exec root when none is given
  const args = ["--config-file", join(dir, "daemon.json"), "--data-root", dataRoot, "--exec-root", execRoot, "-H", `unix://${sock}`, "--pidfile", join(dir, "dockerd.pid")];
  if (!opts.networks) args.push("--iptables=false", "--ip-masq=false", "--bridge=none");
  args.push("--cgroup-parent", TEST_CGROUP, "--storage-driver", "overlay2");
  if (opts.registry) args.push("--insecure-registry", opts.registry);
  const child: ChildProcess = spawn(DOCKERD, args, { stdio: ["ignore", log, log] });
  closeSync(log);
  const env = { DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(dir, "client") };
  const docker = (...argv: string[]): Cmd => ({ argv: [DOCKER_CLI, ...argv], env });
  const containerdPids = () => pidsWhere((cl) => cl.startsWith("containerd ") && cl.includes(execRoot));
  const engine: Engine = {
    key: "dockerd",
    label: "dockerd",
    peers: [],
    monitor: { label: "containerd-shim-runc-v2", pids: () => pidsWhere((cl) => cl.includes("containerd-shim") && cl.includes(execRoot)) },
    daemons: () => [{ label: "dockerd", pid: child.pid! }, ...containerdPids().map((pid) => ({ label: "its containerd", pid }))],
    importImage: () => void must("docker import", runCmd(docker("import", "-c", 'CMD ["sh"]', opts.rootfsTar, DOCKER_IMAGE), { dir: opts.dir })),
    pull: (ref) => runCmd(docker("pull", "-q", ref), { dir: opts.dir, timeout: 600_000 }),
    removeAll: async () => removeAllWith(docker, opts.dir),
    stop: async () => {
      const notes: string[] = [];
      if (child.exitCode === null) {
        const ids = lines(runCmd(docker("ps", "-aq"), { dir: opts.dir }).stdout);
        if (ids.length) notes.push(`dockerd: containers left: ${ids.length}`);
        if (ids.length) runCmd(docker("rm", "-f", ...ids), { dir: opts.dir });
      }
      const inner = containerdPids();
      await stopProcess(child, 20_000);
      for (const pid of inner) if (await killWait(pid)) notes.push(`dockerd's containerd ${pid} outlived it`);
      for (const pid of pidsWhere((cl) => cl.includes(dir))) {
        notes.push(`killed ${pid}`);
        await killWait(pid);
      }
      for (const target of mountsUnder(dir)) spawnSync("umount", ["-l", target]);
      rmSync(dir, { recursive: true, force: true });
      // host-wide files dockerd makes whatever its roots; left to another dockerd that runs
      if (!pidsWhere((cl) => cl.startsWith(DOCKERD) || cl.startsWith("dockerd")).length) {
        if (made.key) rmSync("/etc/docker/key.json", { force: true });
        if (made.run) rmSync("/run/docker", { recursive: true, force: true });
      }
      return notes;
    },
  };
  for (let end = Date.now() + 30_000; ; await Bun.sleep(100)) {
    if (existsSync(sock) && runCmd(docker("version"), { dir: opts.dir, timeout: 10_000 }).code === 0) break;
    if (Date.now() > end || child.exitCode !== null) {
      const tail = readFileSync(join(dir, "dockerd.log"), "utf8").trim().split("\n").slice(-3).join(" | ");
      await engine.stop();
      throw new Error(`dockerd did not start (exit ${child.exitCode}): ${tail}`);
    }
  }
  engine.peers.push(dockerPeer("docker → dockerd", engine, env, DOCKER_IMAGE, opts.dir));
  return engine;
}

const mountsUnder = (dir: string) =>
  readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((t) => t === dir || t.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

/** SIGKILL, then waits up to 5 s; true if it was alive. */
async function killWait(pid: number): Promise<boolean> {
  if (!alive(pid)) return false;
  process.kill(pid, "SIGKILL");
  for (let i = 0; i < 100 && alive(pid); i++) await Bun.sleep(50);
  return true;
}

/** SIGTERM, then SIGKILL after `ms`. */
async function stopProcess(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  await exited;
  clearTimeout(timer);
}
