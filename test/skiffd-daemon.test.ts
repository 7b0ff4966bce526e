// skiffd as a process and skiff's errors, through the built binaries: one daemon per socket and
// pid file (a second is refused; a killed one's files are taken over; a daemon removes only its
// own), start-up failures as one message, the daemon's log of failures, SIGHUP, and what skiff
// prints when the socket is closed to the user, when the daemon answers an error (in HTTP or in a
// pull's stream), when the daemon goes away mid-pull, and on raw I/O errors.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildTar } from "../src/engine/archive/index.ts";
import { pushBusybox } from "../src/engine/images/testing/busybox.ts";
import { RegistryClient } from "../src/engine/registry/index.ts";
import { freePort, haveRegistry, startRegistry, type RegistryServer } from "../src/engine/registry/testing/registry-server.ts";
import { pseudoRandom } from "../src/engine/registry/testing/test-image.ts";
import { DOCKER_28, removeDir, SKIFF, SKIFFD, tempDir, type RunResult } from "./harness/skiffd.ts";

const THROTTLE_PROXY = join(import.meta.dir, "fixtures/throttle-proxy.py");

/** A daemon whose stderr (its log) the test reads. */
interface Daemon {
  dir: string;
  sock: string;
  pidFile: string;
  proc: ChildProcess;
  log(): string;
  skiff(args: string[]): RunResult;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const paths = (dir: string, name = "") => ({ data: join(dir, `data${name}`), exec: join(dir, `exec${name}`), sock: join(dir, `skiff${name}.sock`), pidFile: join(dir, `skiffd${name}.pid`) });

const skiffIn = (sock: string) => (args: string[], opts: { uid?: number; input?: string } = {}): RunResult => {
  const r = spawnSync(SKIFF, ["-H", `unix://${sock}`, ...args], { env: { PATH: process.env.PATH, HOME: "/tmp" }, timeout: 60_000, ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}) });
  return { status: r.status ?? -1, stdout: r.stdout?.toString() ?? "", stderr: r.stderr?.toString() ?? "" };
};

async function startDaemon(dir: string, o: { data?: string; exec?: string; sock?: string; pidFile?: string; args?: string[] } = {}): Promise<Daemon> {
  const p = { ...paths(dir), ...o };
  const proc = spawn(SKIFFD, ["--data-root", p.data, "--exec-root", p.exec, "-H", `unix://${p.sock}`, "--pidfile", p.pidFile, ...(o.args ?? [])], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr!.on("data", (d) => (log += d));
  for (let i = 0; i < 500 && !log.includes("API listen on"); i++) {
    if (proc.exitCode !== null) throw new Error(`skiffd exited with ${proc.exitCode}: ${log}`);
    await Bun.sleep(10);
  }
  if (!log.includes("API listen on")) throw new Error(`skiffd did not start: ${log}`);
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return {
    dir,
    sock: p.sock,
    pidFile: p.pidFile,
    proc,
    log: () => log,
    skiff: skiffIn(p.sock),
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Runs bin/skiffd to completion (a daemon that is refused, or fails to start). */
function runSkiffd(args: string[]): RunResult {
  const r = spawnSync(SKIFFD, args, { timeout: 30_000 });
  return { status: r.status ?? -1, stdout: r.stdout?.toString() ?? "", stderr: r.stderr?.toString() ?? "" };
}

const argsFor = (p: { data: string; exec: string; sock: string; pidFile: string }) => ["--data-root", p.data, "--exec-root", p.exec, "-H", `unix://${p.sock}`, "--pidfile", p.pidFile];

/** One clear message: "skiffd: LAYER: … (CODE…)", a hint, nothing else (no stack). */
function expectOneMessage(stderr: string, code: string): void {
  expect(stderr).toMatch(new RegExp(`^skiffd: (api|engine): .+ \\(${code}(, E[A-Z]+)?\\)\\nhint: .+\\n$`));
  expect(stderr).not.toContain("    at ");
}

describe("one daemon per socket and pid file", () => {
  let dir: string;
  let a: Daemon;
  beforeAll(async () => {
    dir = tempDir("skiffd-one");
    a = await startDaemon(dir);
  });
  afterAll(async () => {
    await a?.stop();
    removeDir(dir);
  });

  test("a second skiffd on a running daemon's socket and pid file, or on either alone, is refused; the first keeps both", () => {
    const inode = lstatSync(a.sock).ino;
    const pid = readFileSync(a.pidFile, "utf8");
    const other = paths(dir, "-b");
    // both shared (the trial's repro), the pid file alone, the socket alone
    const both = runSkiffd(argsFor({ ...other, sock: a.sock, pidFile: a.pidFile }));
    expect(both.status).toBe(1);
    expectOneMessage(both.stderr, "API_PID_FILE_IN_USE");
    expect(both.stderr).toContain(`names a running process (pid ${a.proc.pid})`);
    const pidOnly = runSkiffd(argsFor({ ...other, pidFile: a.pidFile }));
    expect(pidOnly.status).toBe(1);
    expectOneMessage(pidOnly.stderr, "API_PID_FILE_IN_USE");
    const sockOnly = runSkiffd(argsFor({ ...other, sock: a.sock }));
    expect(sockOnly.status).toBe(1);
    expectOneMessage(sockOnly.stderr, "API_SOCKET_IN_USE");
    expect(both.stderr + pidOnly.stderr + sockOnly.stderr).not.toContain("API listen on");
    // the first daemon's files are untouched, and it still answers
    expect(lstatSync(a.sock).ino).toBe(inode);
    expect(readFileSync(a.pidFile, "utf8")).toBe(pid);
    expect(a.skiff(["version", "--format", "{{.Server.ApiVersion}}"]).stdout.trim()).toBe("1.41");
    expect(existsSync(other.sock) || existsSync(other.pidFile)).toBe(false);
  });

  test("SIGHUP and SIGUSR1 are logged and the daemon keeps running (dockerd reloads, or dumps its stacks)", async () => {
    a.proc.kill("SIGHUP");
    for (let i = 0; i < 100 && !a.log().includes("SIGHUP"); i++) await Bun.sleep(10);
    expect(a.log()).toMatch(/level=info msg="SIGHUP received: nothing to reload/);
    a.proc.kill("SIGUSR1");
    for (let i = 0; i < 100 && !a.log().includes("SIGUSR1"); i++) await Bun.sleep(10);
    expect(a.log()).toMatch(/level=info msg="SIGUSR1 received: pid \d+, up \d+s, rss \d+ MiB/);
    expect(a.proc.exitCode).toBeNull();
    expect(a.skiff(["version", "--format", "{{.Server.ApiVersion}}"]).status).toBe(0);
    expect(existsSync(a.sock) && existsSync(a.pidFile)).toBe(true);
  });
});

test("a killed daemon's socket and pid file are stale: the next daemon takes them over and removes them on exit", async () => {
  const dir = tempDir("skiffd-stale");
  try {
    const killed = await startDaemon(dir);
    await killed.stop("SIGKILL");
    expect(existsSync(killed.sock) && existsSync(killed.pidFile)).toBe(true);
    const next = await startDaemon(dir);
    expect(readFileSync(next.pidFile, "utf8").trim()).toBe(String(next.proc.pid));
    expect(next.skiff(["version", "--format", "{{.Server.ApiVersion}}"]).stdout.trim()).toBe("1.41");
    expect(await next.stop()).toBe(0);
    expect(existsSync(next.sock)).toBe(false);
    expect(existsSync(next.pidFile)).toBe(false);
  } finally {
    removeDir(dir);
  }
});

test("start-up failures are one message with layer, what failed, errno and hint; exit status 1; no stack", () => {
  const dir = tempDir("skiffd-startup");
  try {
    const p = paths(dir);
    const proc = runSkiffd(argsFor({ ...p, data: "/proc/skiff-test-foo" }));
    expect(proc.status).toBe(1);
    expectOneMessage(proc.stderr, "ENGINE_DATA_ROOT_FAILED");
    expect(proc.stderr).toContain('create data root "/proc/skiff-test-foo": no such file or directory (ENGINE_DATA_ROOT_FAILED, ENOENT)');
    const pidDir = runSkiffd(argsFor({ ...p, pidFile: "/proc/skiff-test-foo/skiffd.pid" }));
    expect(pidDir.status).toBe(1);
    expectOneMessage(pidDir.stderr, "API_PID_FILE_FAILED");
    // nothing left of the failed starts
    expect(existsSync(p.sock) || existsSync(p.pidFile)).toBe(false);
  } finally {
    removeDir(dir);
  }
});

test("--debug prints the 'API listen on' line once; the log shows a failed pull (with its code) and request errors", async () => {
  const dir = tempDir("skiffd-log");
  const d = await startDaemon(dir, { args: ["--debug"] });
  try {
    expect(d.log().match(/API listen on/g)).toHaveLength(1);
    expect(d.skiff(["image", "inspect", "nope:404"]).status).toBe(1);
    const closed = `127.0.0.1:${await freePort()}`;
    const pull = d.skiff(["pull", `${closed}/x:1`]);
    // docker's: the error alone, nothing of the pull before it (it said "1: Pulling from x" first)
    expect([pull.status, pull.stdout, pull.stderr]).toEqual([1, "", expect.stringMatching(/^Error response from daemon: probe registry .*connection refused/)]);
    await Bun.sleep(50);
    expect(d.log()).toMatch(/level=debug msg="Handler for GET \/v1\.41\/images\/nope:404\/json returned error: .*No such image: nope:404" status=404 code=[A-Z_]+NOT_FOUND/);
    // the registry failed before the pull said anything: an error answer (503), not one in the stream
    expect(d.log()).toMatch(new RegExp(`level=error msg="Handler for POST /v1\\.41/images/create returned error: probe registry ${closed}: .*connection refused" status=503 code=IMAGE_REGISTRY_UNREACHABLE`));
  } finally {
    await d.stop();
    removeDir(dir);
  }
  // without --debug: the failed pull still shows (warning level); the request lines do not
  const quietDir = tempDir("skiffd-log-quiet");
  const q = await startDaemon(quietDir);
  try {
    const closed = `127.0.0.1:${await freePort()}`;
    q.skiff(["pull", `${closed}/x:1`]);
    await Bun.sleep(50);
    expect(q.log()).toContain("code=IMAGE_REGISTRY_UNREACHABLE");
    expect(q.log()).not.toContain("level=debug");
  } finally {
    await q.stop();
    removeDir(quietDir);
  }
});

describe("what skiff says", () => {
  let dir: string;
  let d: Daemon;
  let registry: RegistryServer | undefined;
  let authRegistry: RegistryServer | undefined;
  beforeAll(async () => {
    dir = tempDir("skiff-errors");
    d = await startDaemon(dir);
    const rootfs = join(dir, "rootfs");
    mkdirSync(join(rootfs, "bin"), { recursive: true });
    copyFileSync("/bin/busybox", join(rootfs, "bin/busybox"));
    spawnSync("tar", ["-C", rootfs, "-cf", join(dir, "rootfs.tar"), "."]);
    const r = d.skiff(["import", join(dir, "rootfs.tar"), "bb:1"]);
    if (r.status !== 0) throw new Error(r.stderr);
    if (haveRegistry) {
      registry = await startRegistry({ dir: join(dir, "registry") });
      authRegistry = await startRegistry({ dir: join(dir, "auth-registry"), basicAuth: { username: "u", password: "p" } });
    }
  });
  afterAll(async () => {
    await d?.stop();
    await registry?.stop();
    await authRegistry?.stop();
    removeDir(dir);
  });

  test("a user without permission on the socket is told so (EACCES), with how to get it; not that the daemon is down", () => {
    chmodSync(dir, 0o755); // the socket's directory open to all: the socket's own mode (0660) decides
    const r = skiffIn(d.sock)(["images"], { uid: 65534 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Error: connect to skiffd at "${d.sock}": permission denied (layer: cli, code: CLI_DAEMON_PERMISSION_DENIED, errno: EACCES)`);
    expect(r.stderr).toMatch(/\nhint: .*run as root/);
    expect(r.stderr).toMatch(/\nhint: .*group "skiff"/); // to join, or to have made where it does not exist yet
    expect(r.stderr).not.toContain("not running");
    // no socket at all: not running, and how to start it
    const none = skiffIn(join(dir, "none.sock"))(["images"]);
    expect(none.stderr).toContain("the daemon is not running");
    expect(none.stderr).toContain("(layer: cli, code: CLI_DAEMON_UNREACHABLE, errno: ENOENT)");
  });

  test("the daemon's errors show their layer, code and hint, as skiff's own", () => {
    const r = d.skiff(["image", "inspect", "nope:404"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Error response from daemon: .*no such image.* \(layer: (engine|image), code: [A-Z_]+_NOT_FOUND\)\nhint: .+\n$/i);
  });

  test("a pull's in-stream error keeps its code and hint: an unreachable registry", async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const r = d.skiff(["pull", `${closed}/x:1`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^Error response from daemon: probe registry ${closed.replace(/\./g, "\\.")}: .*connection refused \\(layer: image, code: IMAGE_REGISTRY_UNREACHABLE\\)\\nhint: nothing listens there: check that the registry is running and the port is right\\n$`));
  });

  test.skipIf(!haveRegistry)("a pull refused for lack of credentials says how to log in", () => {
    const r = d.skiff(["pull", `${authRegistry!.domain}/private/x:1`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\(layer: image, code: IMAGE_REGISTRY_UNAUTHORIZED\)\nhint: .*skiff login/);
  });

  test.skipIf(!existsSync(DOCKER_28))("docker's CLI still reads skiffd's in-stream errors (skiff's fields beside errorDetail)", async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const r = spawnSync(DOCKER_28, ["pull", `${closed}/x:1`], { env: { PATH: process.env.PATH, HOME: dir, DOCKER_CONFIG: join(dir, "docker-config"), DOCKER_HOST: `unix://${d.sock}` }, timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toContain(`probe registry ${closed}`);
    expect(r.stderr.toString()).toContain("connection refused");
  });

  test("raw I/O errors are CLI errors with a hint: ENOSPC on stdout; EPIPE ends skiff quietly with 141", () => {
    const full = spawnSync("sh", ["-c", `"${SKIFF}" -H "unix://${d.sock}" images > /dev/full`]);
    expect(full.status).toBe(1);
    expect(full.stderr.toString()).toMatch(/^Error: write output: no space left on device \(layer: cli, code: CLI_NO_SPACE, errno: ENOSPC\)\nhint: .+\n$/);
    const head = spawnSync("bash", ["-c", `"${SKIFF}" -H "unix://${d.sock}" save bb:1 | head -c 100 > /dev/null; echo "\${PIPESTATUS[0]}"`]);
    expect(head.stdout.toString().trim()).toBe("141");
    expect(head.stderr.toString()).toBe("");
  });

  test("a wrong number of arguments is worded as docker's", () => {
    const r = d.skiff(["import", "a", "b", "c"]);
    expect(r.status).toBe(1); // docker (20.10 and 28) exits 1 for a wrong count: its command checks it, not its flag parser
    expect(r.stderr).toStartWith('skiff: "skiff import" requires at least 1 and at most 2 arguments\n');
  });

  test.skipIf(!haveRegistry)("a daemon that stops during a pull: skiff says the connection closed, with a hint, not a raw ECONNRESET", async () => {
    const big = buildTar([{ name: "data/", type: "dir" }, { name: "data/random", type: "file", data: pseudoRandom(4_000_000, 42) }]);
    await pushBusybox(new RegistryClient({ domain: registry!.domain }), join(dir, "src"), "test/big", "1", [big]);
    // the registry's answers through a slow proxy: the pull lasts seconds
    const proxy = Bun.spawn(["python3", THROTTLE_PROXY, registry!.domain.split(":")[1]!, String(32 * 1024), "20"], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
    const own = await startDaemon(dir, { ...paths(dir, "-pull") });
    try {
      const reader = proxy.stdout.getReader();
      const port = Number(new TextDecoder().decode((await reader.read()).value).trim());
      reader.releaseLock();
      const pull = Bun.spawn([SKIFF, "-H", `unix://${own.sock}`, "pull", `127.0.0.1:${port}/test/big:1`], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      const out = pull.stdout.getReader();
      let seen = "";
      while (!seen.includes("Pulling fs layer")) {
        const r = await out.read();
        if (r.done) break;
        seen += new TextDecoder().decode(r.value);
      }
      out.releaseLock();
      expect(seen).toContain("Pulling fs layer");
      await Bun.sleep(200);
      expect(await own.stop()).toBe(0);
      expect(await pull.exited).toBe(1);
      const stderr = await new Response(pull.stderr).text();
      expect(stderr).toMatch(/^Error: .*(the connection closed before it ended|closed unexpectedly) \(layer: cli, code: CLI_DAEMON_CONNECTION_LOST(, errno: E[A-Z]+)?\)\nhint: skiffd stopped or crashed.*\n$/);
      expect(stderr).not.toContain("verbose");
    } finally {
      await own.stop();
      proxy.kill();
      await proxy.exited;
    }
  });
});
