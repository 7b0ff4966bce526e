import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import type { SkiffError } from "../common/errors.ts";
import { failure } from "../common/failure.ts";
import { ApiClient } from "../api/client.ts";
import { livePid, probeSocket } from "./daemon-lock.ts";
import { requireRoot, startDaemon, stderrLog, type DaemonOptions } from "./daemon.ts";
import { FakeImageService } from "../api/testing/fake-images.ts";

const dir = `/tmp/skiff-test-${process.pid}/api-daemon`;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const options = (name: string, over: Partial<DaemonOptions> = {}): DaemonOptions => ({
  dataRoot: `${dir}/${name}/data`,
  execRoot: `${dir}/${name}/exec`,
  socketPath: `${dir}/${name}/skiff.sock`,
  pidFile: `${dir}/${name}/skiffd.pid`,
  insecureRegistries: [],
  debug: false,
  images: new FakeImageService(),
  log: quiet,
  ...over,
});

beforeAll(() => mkdirSync(dir, { recursive: true }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a second daemon on a live daemon's socket is refused, and the first keeps its socket", async () => {
  const a = await startDaemon(options("a"));
  try {
    const sock = options("a").socketPath;
    const inode = lstatSync(sock).ino;
    const err = await failure(startDaemon(options("b", { socketPath: sock })));
    expect(err.code).toBe("API_SOCKET_IN_USE");
    expect(err.layer).toBe("api");
    expect(err.hint).toBeTruthy();
    expect(lstatSync(sock).ino).toBe(inode);
    expect((await new ApiClient(sock).ping()).apiVersion).toBe("1.41");
    // refused before it made anything
    expect(existsSync(options("b").pidFile)).toBe(false);
    expect(existsSync(options("b").dataRoot)).toBe(false);
  } finally {
    a.stop();
  }
  expect(existsSync(options("a").socketPath)).toBe(false);
  expect(existsSync(options("a").pidFile)).toBe(false);
});

test("a stale socket (its daemon was killed) is replaced; a path that is no socket is refused", async () => {
  const o = options("stale");
  mkdirSync(`${dir}/stale`, { recursive: true });
  // a socket nobody listens on any more: what a daemon killed with SIGKILL leaves
  const child = spawn(process.execPath, ["-e", `Bun.serve({ unix: ${JSON.stringify(o.socketPath)}, fetch: () => new Response("") }); setInterval(() => {}, 1000)`]);
  for (let i = 0; i < 500 && !existsSync(o.socketPath); i++) await Bun.sleep(10);
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  expect(existsSync(o.socketPath)).toBe(true);
  expect((await probeSocket(o.socketPath)).state).toBe("stale");
  const d = await startDaemon(o);
  try {
    expect((await new ApiClient(o.socketPath).ping()).apiVersion).toBe("1.41");
  } finally {
    d.stop();
  }
  writeFileSync(o.socketPath, "not a socket");
  const err = await failure(startDaemon(o));
  expect(err.code).toBe("API_SOCKET_PATH_TAKEN");
  expect(readFileSync(o.socketPath, "utf8")).toBe("not a socket");
});

test("on stop, a daemon removes its socket and pid file only while they are still its own", async () => {
  const o = options("own");
  const d = await startDaemon(o);
  expect(readFileSync(o.pidFile, "utf8").trim()).toBe(String(process.pid));
  // someone replaced both meanwhile
  rmSync(o.socketPath);
  writeFileSync(o.socketPath, "theirs");
  writeFileSync(o.pidFile, "1\n");
  d.stop();
  expect(readFileSync(o.socketPath, "utf8")).toBe("theirs");
  expect(readFileSync(o.pidFile, "utf8")).toBe("1\n");
});

test("start-up failures are one SkiffError naming the step, the path and the errno", async () => {
  const err: SkiffError = await failure(startDaemon(options("proc", { dataRoot: "/proc/skiff-test-data-root" })));
  expect(err.code).toBe("ENGINE_DATA_ROOT_FAILED");
  expect(err.layer).toBe("engine");
  expect(err.message).toBe('create data root "/proc/skiff-test-data-root": no such file or directory');
  expect(err.details.errno).toBe("ENOENT");
  expect(err.hint).toContain("writable file system");
});

test("a non-root skiffd is refused before anything is made, with a hint", () => {
  const err = (() => {
    try {
      requireRoot(1000);
    } catch (e) {
      return e as SkiffError;
    }
    throw new Error("not refused");
  })();
  expect([err.code, err.layer, err.kind]).toEqual(["API_NOT_ROOT", "api", "failed_precondition"]);
  expect(err.message).toBe("root privileges needed to start (it runs as uid 1000)");
  expect(err.hint).toContain("sudo");
  expect(() => requireRoot(0)).not.toThrow();
});

test("a second daemon sharing only the exec root is refused before it makes anything; the exec root's lock goes with its daemon", async () => {
  const a = await startDaemon(options("exec-a"));
  const b = options("exec-b", { execRoot: options("exec-a").execRoot });
  try {
    const lock = `${options("exec-a").execRoot}/skiffd.lock`;
    expect(readFileSync(lock, "utf8").trim()).toBe(String(process.pid));
    // (the owner is this process: a pid that is alive and not ours stands in for another daemon)
    const sleeper = spawn("sleep", ["30"]);
    try {
      writeFileSync(lock, `${sleeper.pid}\n`);
      const err = await failure(startDaemon(b));
      expect(err.code).toBe("API_DAEMON_RUNNING");
      expect(err.message).toBe(`start skiffd on exec root "${b.execRoot}": another skiffd (pid ${sleeper.pid}) is using it`);
      expect(err.hint).toContain("--exec-root");
      expect(existsSync(b.dataRoot)).toBe(false);
      expect(existsSync(b.pidFile)).toBe(false);
      expect(existsSync(b.socketPath)).toBe(false);
    } finally {
      sleeper.kill("SIGKILL");
    }
    writeFileSync(lock, `${process.pid}\n`);
  } finally {
    a.stop();
  }
  expect(existsSync(`${options("exec-a").execRoot}/skiffd.lock`)).toBe(false);
  // one directory for both roots is one lock
  const same = options("same", { execRoot: options("same").dataRoot });
  const d = await startDaemon(same);
  d.stop();
  expect(existsSync(`${same.dataRoot}/skiffd.lock`)).toBe(false);
});

test("a pid file is live while its process runs and may have written it; stale when dead or the pid was reused", async () => {
  const path = `${dir}/pid-test`;
  writeFileSync(path, "1\n"); // init: alive, and started long before the file
  expect(livePid(path)).toBe(1);
  writeFileSync(path, "999999999\n"); // no such process
  expect(livePid(path)).toBeUndefined();
  writeFileSync(path, "garbage");
  expect(livePid(path)).toBeUndefined();
  expect(livePid(`${dir}/no-such-pid-file`)).toBeUndefined();
  // a process that started after the file was written, and is no skiff: a reused pid
  const sleeper = spawn("sleep", ["30"]);
  try {
    writeFileSync(path, `${sleeper.pid}\n`);
    expect(livePid(path)).toBe(sleeper.pid);
    const hourAgo = Date.now() / 1000 - 3600;
    utimesSync(path, hourAgo, hourAgo);
    expect(livePid(path)).toBeUndefined();
  } finally {
    sleeper.kill("SIGKILL");
  }
});

test("the daemon's log lines are dockerd's text format; debug lines only with --debug", () => {
  const out: string[] = [];
  stderrLog(false, (l) => out.push(l)).debug("hidden");
  stderrLog(false, (l) => out.push(l)).warn("POST /images/create failed", { code: "IMAGE_IO", error: "no space left" });
  stderrLog(true, (l) => out.push(l)).debug("shown");
  expect(out).toHaveLength(2);
  expect(out[0]).toMatch(/^time="[^"]+" level=warning msg="POST \/images\/create failed" code=IMAGE_IO error="no space left"\n$/);
  expect(out[1]).toMatch(/level=debug msg="shown"/);
});

test("a pid file naming a zombie (a daemon killed with -9, not reaped yet) names no live daemon", async () => {
  const { livePid } = await import("./daemon-lock.ts");
  const { writeFileSync, mkdtempSync, rmSync } = await import("node:fs");
  // `sleep 0` exits at once and stays a zombie: its parent execs into a sleep that never reaps it
  const p = Bun.spawn(["sh", "-c", "sleep 0 & echo $!; exec sleep 3"], { stdout: "pipe" });
  const reader = p.stdout.getReader();
  const zombie = Number(new TextDecoder().decode((await reader.read()).value).trim());
  for (let i = 0; i < 100 && !/ Z /.test(readFileSync(`/proc/${zombie}/stat`, "utf8")); i++) await Bun.sleep(10);
  const dir = mkdtempSync("/tmp/skiff-test-zombie-");
  try {
    writeFileSync(`${dir}/pid`, String(zombie));
    expect(livePid(`${dir}/pid`)).toBeUndefined();
    writeFileSync(`${dir}/pid`, String(p.pid));
    expect(livePid(`${dir}/pid`)).toBe(p.pid);
  } finally {
    p.kill();
    await p.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
