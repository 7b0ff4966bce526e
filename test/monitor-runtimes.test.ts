// skiff-monitor over real runtimes: `runc create` and `bin/skiff-oci create` of a busybox bundle
// run as the monitor's create command (as conmon runs them), then `start` through the runtime.
// The log, the exit file (exit codes and a kill), attach with stdin, and a pty with resize.
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "node:net";
import { attach, monitorSpawner, resize, startMonitor, waitExit, type Monitor } from "../src/engine/containers/monitor/index.ts";
import { InProcessRuntime } from "../src/runtime/in-process-runtime.ts";
import { TEST_STATE_ROOT } from "./harness/leaks.ts";
import { demux, memoryOf, monitorConfig, monitorsAlive, readAll, socketsLeft, readLog, until } from "./harness/monitor.ts";
import { bundleFactory, oci, RUNTIMES, type Config, type RuntimeName } from "./harness/oci.ts";

const RUNTIMES_HERE: RuntimeName[] = ["runc", "skiff"];
const bundle = bundleFactory(RUNTIMES_HERE);

afterEach(async () => {
  await until("the test's monitors to end", () => monitorsAlive().length === 0, 5000).catch(() => {
    throw new Error(`monitors left behind: ${monitorsAlive().join(", ")}`);
  });
  expect(socketsLeft()).toEqual([]);
});

/** A container created by `runtime create` under a monitor, ready to start. */
async function created(runtime: RuntimeName, args: string[], o: { tty?: boolean; stdin?: boolean; edit?: (c: Config) => void } = {}) {
  const b = bundle(args, (c) => {
    c.process.terminal = !!o.tty;
    if (o.tty) c.process.consoleSize = { height: 24, width: 80 };
    o.edit?.(c);
  });
  const c = monitorConfig({ stdin: o.stdin, stdinOnce: o.stdin, consoleSocket: o.tty ? "console.sock" : undefined });
  const argv = [RUNTIMES[runtime], "--root", `${TEST_STATE_ROOT}/${runtime}`, "--log", c.abs("runtime.log"), "--log-format", "json", "create", "--bundle", b.dir, "--pid-file", c.abs("pid")];
  if (o.tty) argv.push("--console-socket", c.abs("console.sock"));
  const m = startMonitor(c, { argv: [...argv, b.id], env: { PATH: process.env.PATH! } });
  expect(await m.createExited).toBe(0);
  const ready = await m.ready;
  return {
    ...ready,
    c,
    id: b.id,
    socket: c.abs("attach.sock"),
    start: () => expect(oci(runtime, ["start", b.id])).toMatchObject({ code: 0, stderr: "" }),
    exit: () => waitExit(c.abs("attach.sock"), c.abs("exit")),
  };
}

/** Reads s until its text (\r dropped) matches re; resolves with the text so far. */
function readUntil(s: Socket, re: RegExp, ms = 10_000): Promise<string> {
  let text = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in ${JSON.stringify(text)}`)), ms);
    const onData = (b: Buffer) => {
      text += b.toString().replaceAll("\r", "");
      if (re.test(text)) {
        clearTimeout(timer);
        s.off("data", onData);
        resolve(text);
      }
    };
    s.on("data", onData);
  });
}

for (const runtime of RUNTIMES_HERE) {
  describe(`under ${runtime === "skiff" ? "skiff-oci" : runtime}`, () => {
    test("log lines of both streams and the exit code", async () => {
      const m = await created(runtime, ["sh", "-c", "echo out; echo err >&2; printf tail; exit 3"]);
      const out = readAll(await attach(m.socket, { stdout: true, stderr: true, multiplex: true }));
      m.start();
      expect((await m.exit()).exitCode).toBe(3);
      expect(demux(await out)).toMatchObject({ stdout: "out\ntail", stderr: "err\n" });
      const log = readLog(m.c.abs("ctr.log"));
      expect(log.map((e) => `${e.stream}:${e.log}`).sort()).toEqual(["stderr:err\n", "stdout:out\n", "stdout:tail"]);
    });

    test("exit 0, and killed by SIGKILL through the runtime", async () => {
      const ok = await created(runtime, ["true"]);
      ok.start();
      expect((await ok.exit()).exitCode).toBe(0);

      const m = await created(runtime, ["sleep", "100"]);
      m.start();
      const mem = memoryOf(m.monitorPid);
      console.log(`${runtime}: idle monitor of a running container: RSS ${mem.rss} KiB, PSS ${mem.pss} KiB`);
      expect(mem.rss).toBeLessThan(1024);
      expect(oci(runtime, ["kill", m.id, "KILL"]).code).toBe(0);
      expect(await m.exit()).toMatchObject({ exitCode: 137, signal: 9 });
    });

    test("stdin through attach; its end closes the container's stdin", async () => {
      const m = await created(runtime, ["sh", "-c", "cat; echo bye"], { stdin: true });
      const s = await attach(m.socket, { stdin: true, stdout: true, stderr: true, multiplex: false });
      const out = readAll(s);
      m.start();
      s.end("typed in\n");
      expect((await out).toString()).toBe("typed in\nbye\n");
      expect((await m.exit()).exitCode).toBe(0);
    });

    test("a pty: resize changes what stty size says inside", async () => {
      const m = await created(runtime, ["sh", "-c", "stty size; read x; stty size; exit 4"], { tty: true, stdin: true });
      const s = await attach(m.socket, { stdin: true, stdout: true });
      const first = readUntil(s, /24 80\n/);
      m.start();
      await first;
      await resize(m.socket, 50, 120);
      const second = readUntil(s, /50 120\n/);
      s.write("\n");
      await second;
      expect((await m.exit()).exitCode).toBe(4);
      const log = readLog(m.c.abs("ctr.log")).map((e) => e.log).join("");
      expect(log).toContain("24 80\r\n");
      expect(log).toContain("50 120\r\n");
      s.destroy();
    });
  });
}

describe("under the in-process runtime (its executor as the create command, through the Spawner)", () => {
  test("its plan and report sockets pass through the monitor; the init the monitor waits for is the runtime's", async () => {
    const runtime = new InProcessRuntime(`${TEST_STATE_ROOT}/skiff`);
    const b = bundle(["sh", "-c", "echo in-process; read x; echo got $x >&2; exit 2"]);
    const c = monitorConfig({ stdin: true, stdinOnce: true });
    let monitor: Monitor | undefined;
    const { pid } = await runtime.create(b.id, b.dir, { pidFile: c.abs("pid"), spawner: monitorSpawner(c, (m) => (monitor = m)) });
    const ready = await monitor!.ready;
    expect(ready.initPid).toBe(pid);
    const s = await attach(c.abs("attach.sock"), { stdin: true, stdout: true, stderr: true, multiplex: true });
    const out = readAll(s);
    await runtime.start(b.id);
    s.end("word\n");
    expect(demux(await out)).toMatchObject({ stdout: "in-process\n", stderr: "got word\n" });
    expect((await waitExit(c.abs("attach.sock"), c.abs("exit"))).exitCode).toBe(2);
    await runtime.delete(b.id);
  });

  test("an exec under a monitor of its own, attached first so that none of its output is lost", async () => {
    const runtime = new InProcessRuntime(`${TEST_STATE_ROOT}/skiff`);
    const b = bundle(["sleep", "100"]);
    const c = monitorConfig();
    let monitor: Monitor | undefined;
    await runtime.create(b.id, b.dir, { pidFile: c.abs("pid"), spawner: monitorSpawner(c, (m) => (monitor = m)) });
    await monitor!.ready;
    await runtime.start(b.id);

    const e = monitorConfig({ log: undefined, attachFirst: true, pidFile: "exec.pid" });
    let output: Promise<Buffer> | undefined;
    const spawner = monitorSpawner(e, (m) => {
      output = m.listening.then(() => attach(e.abs("attach.sock"), { stdout: true, stderr: true, multiplex: true })).then(readAll);
    });
    const process = { args: ["sh", "-c", "echo from exec; echo oops >&2; exit 6"], cwd: "/", env: ["PATH=/bin"], user: { uid: 0, gid: 0 }, terminal: false };
    const { pid } = await runtime.exec(b.id, process as never, { pidFile: e.abs("exec.pid"), spawner });
    expect(pid).toBeGreaterThan(0);
    expect(demux(await output!)).toMatchObject({ stdout: "from exec\n", stderr: "oops\n" });
    expect((await waitExit(e.abs("attach.sock"), e.abs("exit"))).exitCode).toBe(6);

    await runtime.kill(b.id, 9);
    expect((await waitExit(c.abs("attach.sock"), c.abs("exit"))).exitCode).toBe(137);
    await runtime.delete(b.id);
  });
});
