// Debian's dockerd as a reference for the config.json a `docker run` produces. It runs on its own
// data root, exec root, socket and pid file under a test temp dir, without iptables or a bridge,
// and with a "runtime" that only copies the bundle's config.json aside and refuses to create
// (so nothing runs: `docker start` fails once the config is written). stop() removes all of it,
// including what dockerd leaves behind: its bind mounts (the data root on itself, the host's
// netns under <exec-root>/netns), /etc/docker/key.json and /run/docker when it made them.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./oci.ts";

export const DOCKERD = "/usr/sbin/dockerd";
/** Debian's 20.10 client (the docker 28 CLI first on PATH is another program). */
export const DOCKER_CLI = "/usr/bin/docker";

export const dockerdInstalled = () => existsSync(DOCKERD) && existsSync(DOCKER_CLI);

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Dockerd {
  dir: string;
  dataRoot: string;
  execRoot: string;
  socket: string;
  docker(args: string[], input?: Uint8Array | string): DockerResult;
  /** The config.json dockerd wrote for the container `id` (after a `docker start` of it). */
  capturedConfig(id: string): unknown;
  stop(): Promise<void>;
}

const CAPTURE_RUNTIME = `#!/bin/sh
# Stands in for runc: keeps the bundle's config.json, then refuses, so nothing is started.
bundle=""; prev=""; last=""
for a in "$@"; do
  [ "$prev" = "--bundle" ] && bundle="$a"
  prev="$a"; last="$a"
done
[ -n "$bundle" ] && cp "$bundle/config.json" "$CAPTURE_DIR/$last.json"
echo "capture runtime: not creating $last" >&2
exit 1
`;

const mountsUnder = (dir: string) =>
  readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((target) => target === dir || target.startsWith(`${dir}/`));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(50)) if (!pidAlive(pid)) return true;
  return !pidAlive(pid);
}

export async function startDockerd(): Promise<Dockerd> {
  const dir = tempDir("dockerd");
  const dataRoot = join(dir, "data");
  const execRoot = join(dir, "exec");
  const capture = join(dir, "capture");
  const socket = join(dir, "docker.sock");
  const pidfile = join(dir, "dockerd.pid");
  for (const d of [dataRoot, execRoot, capture]) mkdirSync(d, { recursive: true });
  const runtime = join(dir, "capture-runtime");
  writeFileSync(runtime, CAPTURE_RUNTIME.replace("$CAPTURE_DIR", capture));
  chmodSync(runtime, 0o755);
  writeFileSync(join(dir, "daemon.json"), "{}");
  const hadKey = existsSync("/etc/docker/key.json");
  const hadRunDocker = existsSync("/run/docker");

  const child = spawn(DOCKERD, [
    "--config-file", join(dir, "daemon.json"), "--data-root", dataRoot, "--exec-root", execRoot,
    "-H", `unix://${socket}`, "--pidfile", pidfile, "--iptables=false", "--ip-masq=false", "--bridge=none",
    "--add-runtime", `capture=${runtime}`, "--default-runtime", "capture", "--storage-driver", "overlay2",
  ], { stdio: ["ignore", "ignore", "ignore"], detached: true });
  child.unref();

  const docker = (args: string[], input?: Uint8Array | string): DockerResult => {
    const r = spawnSync(DOCKER_CLI, args, { input: input ?? "", env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, "client") }, timeout: 60000, maxBuffer: 64 << 20 });
    return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? "", stderr: r.stderr?.toString() ?? "" };
  };

  const stop = async () => {
    const pid = child.pid ?? 0;
    const containerdPid = Number((() => {
      try {
        return readFileSync(join(execRoot, "containerd/containerd.pid"), "utf8");
      } catch {
        return "0";
      }
    })());
    if (pid && pidAlive(pid)) {
      process.kill(pid, "SIGTERM");
      if (!(await waitGone(pid, 20000))) process.kill(pid, "SIGKILL");
      await waitGone(pid, 5000);
    }
    // dockerd stops its containerd; make sure of it
    if (containerdPid && pidAlive(containerdPid)) {
      process.kill(containerdPid, "SIGKILL");
      await waitGone(containerdPid, 5000);
    }
    for (const target of mountsUnder(dir).reverse()) spawnSync("umount", ["-l", target]);
    rmSync(dir, { recursive: true, force: true });
    if (!hadKey) rmSync("/etc/docker/key.json", { force: true });
    if (!hadRunDocker) rmSync("/run/docker", { recursive: true, force: true });
  };

  for (const end = Date.now() + 30000; ; await Bun.sleep(100)) {
    if (existsSync(socket) && docker(["version", "--format", "{{.Server.Version}}"]).code === 0) break;
    if (Date.now() > end || child.exitCode !== null) {
      await stop();
      throw new Error(`dockerd did not start (exit ${child.exitCode})`);
    }
  }
  return {
    dir,
    dataRoot,
    execRoot,
    socket,
    docker,
    capturedConfig: (id) => JSON.parse(readFileSync(join(capture, `${id}.json`), "utf8")),
    stop,
  };
}
