// Black-box helpers for skiffd: a daemon on a temp socket and data root, and runners for
// bin/skiff and the docker CLIs pointed at it.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RUN_TAG, TEST_BIP, TEST_BRIDGE, TEST_CGROUP } from "./leaks.ts";

export const REPO = join(import.meta.dir, "../..");
export const SKIFFD = join(REPO, "bin/skiffd");
export const SKIFF = join(REPO, "bin/skiff");
export const DOCKER_28 = "/usr/local/bin/docker";
export const DOCKER_20 = "/usr/bin/docker";

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface Skiffd {
  dir: string;
  sock: string;
  pidFile: string;
  proc: ChildProcess;
  skiff(args: string[], opts?: { input?: string | Buffer; env?: Record<string, string> }): RunResult;
  docker(bin: string, args: string[], opts?: { input?: string | Buffer }): RunResult;
  stop(): Promise<number | null>;
  /** What the daemon wrote on stderr so far (its log). */
  log(): string;
}

const run = (bin: string, args: string[], env: Record<string, string | undefined>, input?: string | Buffer): RunResult => {
  const r = spawnSync(bin, args, { env, input, timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout?.toString() ?? "", stderr: r.stderr?.toString() ?? "" };
};

export function tempDir(name: string): string {
  mkdirSync(`/tmp/${RUN_TAG}`, { recursive: true });
  return mkdtempSync(`/tmp/${RUN_TAG}/${name}-`);
}

/** A skiffd on roots of its own under `dir`; `daemonEnv` is added to this process's for it (its PATH, $CNI_PATH). */
export async function startSkiffd(extraArgs: string[] = [], dir = tempDir("skiffd"), daemonEnv?: Record<string, string>): Promise<Skiffd> {
  const sock = join(dir, "skiff.sock");
  const pidFile = join(dir, "skiffd.pid");
  // containers under this run's cgroup, where the leak checks look
  const proc = spawn(SKIFFD, ["--data-root", join(dir, "data"), "--exec-root", join(dir, "exec"), "-H", `unix://${sock}`, "--pidfile", pidFile, "--cgroup-parent", TEST_CGROUP, "--bridge", TEST_BRIDGE, "--bip", TEST_BIP, ...extraArgs], { stdio: ["ignore", "ignore", "pipe"], ...(daemonEnv ? { env: { ...process.env, ...daemonEnv } } : {}) });
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += d));
  for (let i = 0; i < 200 && !existsSync(pidFile); i++) {
    if (proc.exitCode !== null) throw new Error(`skiffd exited with ${proc.exitCode}: ${stderr}`);
    await Bun.sleep(10);
  }
  if (!existsSync(pidFile)) throw new Error(`skiffd did not start: ${stderr}`);
  const dockerConfig = join(dir, "docker-config");
  const env = { PATH: process.env.PATH, HOME: dir, DOCKER_CONFIG: dockerConfig };
  return {
    dir,
    sock,
    pidFile,
    proc,
    skiff: (args, opts = {}) => run(SKIFF, ["-H", `unix://${sock}`, ...args], { ...env, ...opts.env }, opts.input),
    docker: (bin, args, opts = {}) => run(bin, args, { ...env, DOCKER_HOST: `unix://${sock}` }, opts.input),
    log: () => stderr,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
        proc.kill("SIGTERM");
        return exited;
      }
      return proc.exitCode;
    },
  };
}

/** A tarball of a rootfs holding only Debian's static busybox, as `skiff import` takes. */
export function busyboxRootfsTar(dir: string): string {
  const rootfs = join(dir, "rootfs");
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  copyFileSync("/bin/busybox", join(rootfs, "bin/busybox"));
  const tar = join(dir, "rootfs.tar");
  execFileSync("tar", ["-C", rootfs, "-cf", tar, "."]);
  return tar;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A CLI run's stdout; one that failed throws with its exit status and output. */
export const ok = (r: RunResult): string => {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};

/** For afterAll: stops the daemon, then the servers the file started beside it (registries,
 *  proxies), and removes the daemon's dir, where they keep their files. Any may be undefined (a
 *  beforeAll that failed halfway). */
export async function stopAll(d: Skiffd | undefined, ...servers: ({ stop(): Promise<unknown> } | undefined)[]): Promise<void> {
  await d?.stop();
  for (const s of servers) await s?.stop();
  if (d) removeDir(d.dir);
}
