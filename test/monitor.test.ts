// skiff-monitor from the outside, with a fake `runc create` (test/fixtures/fake-create.sh): the
// json-file log, rotation, the exit file, attach (two clients, stdin, a client that does not read),
// start-up errors, surviving its starter, memory. test/monitor-runtimes.test.ts does the same with
// runc and skiff-oci.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { attach, probeMonitor, readExitFile, resize, startMonitor, waitExit, type MonitorConfig } from "../src/engine/containers/monitor/index.ts";
import { isSkiffError, type SkiffError } from "../src/common/errors.ts";
import { demux, fakeCreate, memoryOf, monitorConfig, monitorsAlive, readAll, socketsLeft, readLog, until } from "./harness/monitor.ts";
import { REPO } from "./harness/oci.ts";
import { checkJsonLog, dockerString, hostileClientsProperty } from "./harness/monitor-fuzz.ts";

afterEach(async () => {
  await until("the test's monitors to end", () => monitorsAlive().length === 0, 5000).catch(() => {
    throw new Error(`monitors left behind: ${monitorsAlive().join(", ")}`);
  });
  expect(socketsLeft()).toEqual([]);
});

type Config = ReturnType<typeof monitorConfig>;

/** A monitor over the fake create command, ready (its init waits for start). */
async function ready(c: Config, command: string[], env?: Record<string, string>) {
  const m = startMonitor(c, { argv: fakeCreate(command), env: { PATH: process.env.PATH!, ...env } });
  const r = await m.ready;
  return { ...r, start: () => writeFileSync(c.abs("start"), "\n"), socket: c.abs(c.socket), exitFile: c.abs(c.exitFile) };
}

async function runToExit(c: Config, command: string[]) {
  const m = await ready(c, command);
  m.start();
  return { ...m, exit: await waitExit(m.socket, m.exitFile) };
}

const rejection = async (p: Promise<unknown>): Promise<SkiffError> => {
  const e = await p.then(() => undefined, (e: unknown) => e);
  if (!isSkiffError(e)) throw new Error(`expected a SkiffError, got ${String(e)}`);
  return e;
};

describe("json-file log", () => {
  test("stdout and stderr, one docker json-file entry per line, a last line without newline", async () => {
    const c = monitorConfig();
    const { exit } = await runToExit(c, ["sh", "-c", "echo out; echo err >&2; echo 'two words'; printf 'no newline'"]);
    expect(exit.exitCode).toBe(0);
    const entries = readLog(c.abs("ctr.log"));
    expect(entries.filter((e) => e.stream === "stdout").map((e) => e.log)).toEqual(["out\n", "two words\n", "no newline"]);
    expect(entries.filter((e) => e.stream === "stderr").map((e) => e.log)).toEqual(["err\n"]);
    for (const e of entries) {
      expect(Object.keys(JSON.parse(e.raw))).toEqual(["log", "stream", "time"]); // docker's order
      expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z$/); // Go's RFC3339Nano
      expect(Math.abs(Date.parse(e.time) - Date.now())).toBeLessThan(60_000);
    }
    expect(statSync(c.abs("ctr.log")).mode & 0o777).toBe(0o640);
  });

  test("a 1 MiB line is logged in 16 KiB pieces; binary bytes escaped as docker escapes them", async () => {
    const c = monitorConfig();
    const binary = Buffer.from([...Array(256).keys()].filter((b) => b !== 10));
    writeFileSync(c.abs("input"), Buffer.concat([Buffer.alloc(1 << 20, "x"), Buffer.from("\n"), binary, Buffer.from("\nend\n")]));
    await runToExit(c, ["cat", c.abs("input")]);
    const entries = readLog(c.abs("ctr.log"));
    const big = entries.slice(0, 65);
    expect(big.slice(0, 64).every((e) => e.log.length === 16384)).toBe(true);
    expect(big.map((e) => e.log).join("")).toBe(`${"x".repeat(1 << 20)}\n`);
    expect(entries[65]!.raw).toContain(`{"log":${dockerString(Buffer.concat([binary, Buffer.from("\n")]))},"stream":"stdout"`);
    expect(entries[66]!.log).toBe("end\n");
    expect(entries.length).toBe(67);
  });

  test("fuzzed: lines of any bytes in any chunking are logged as docker encodes them (seeded; scripts/fuzz.ts runs long)", async () => {
    await checkJsonLog(15, 20261205);
  });

  test("a line that fills the buffer after the end of another is logged whole (found by the fuzzer)", async () => {
    const c = monitorConfig();
    writeFileSync(c.abs("input"), `\n${"y".repeat(16383)}\n`);
    await runToExit(c, ["dd", `if=${c.abs("input")}`, "bs=16384", "status=none"]); // one read: "\n" and 16383 bytes
    expect(readLog(c.abs("ctr.log")).map((e) => e.log)).toEqual(["\n", `${"y".repeat(16383)}\n`]);
  });

  test("rotates at max-size, keeping max-files files in order", async () => {
    const c = monitorConfig({ log: { path: "ctr.log", maxSize: 2000, maxFiles: 3 } });
    await runToExit(c, ["sh", "-c", "i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done"]);
    const files = readdirSync(c.dir).filter((f) => f.startsWith("ctr.log")).sort();
    expect(files).toEqual(["ctr.log", "ctr.log.1", "ctr.log.2"]);
    const lines = ["ctr.log.2", "ctr.log.1", "ctr.log"].flatMap((f) => readLog(c.abs(f)).map((e) => e.log));
    const expected = [...Array(300).keys()].map((i) => `line-${i}\n`);
    expect(lines).toEqual(expected.slice(300 - lines.length)); // the newest, in order, none twice
    const entrySize = readFileSync(c.abs("ctr.log.1"), "utf8").split("\n")[0]!.length + 1;
    for (const f of ["ctr.log.1", "ctr.log.2"]) expect(statSync(c.abs(f)).size).toBeLessThan(2000 + entrySize);
    expect(statSync(c.abs("ctr.log.1")).size).toBeGreaterThanOrEqual(2000);
  });

  test("with one file, rotation truncates it", async () => {
    const c = monitorConfig({ log: { path: "ctr.log", maxSize: 500, maxFiles: 1 } });
    await runToExit(c, ["sh", "-c", "i=0; while [ $i -lt 100 ]; do echo line-$i; i=$((i+1)); done"]);
    expect(readdirSync(c.dir).filter((f) => f.startsWith("ctr.log"))).toEqual(["ctr.log"]);
    const logs = readLog(c.abs("ctr.log")).map((e) => e.log);
    expect(logs.at(-1)).toBe("line-99\n");
    expect(statSync(c.abs("ctr.log")).size).toBeLessThan(600);
  });
});

describe("exit file", () => {
  for (const [name, command, code, status] of [
    ["exit 0", ["true"], 0, 0],
    ["exit 3", ["sh", "-c", "exit 3"], 3, 3 << 8],
  ] as const)
    test(name, async () => {
      const c = monitorConfig();
      const { exit } = await runToExit(c, [...command]);
      expect(exit).toMatchObject({ exitCode: code, status });
      expect(exit.signal).toBeUndefined();
      expect(readExitFile(c.abs("exit"))).toEqual(exit);
      expect(readFileSync(c.abs("exit"), "utf8")).toMatch(/^\d+ \d+ \d{9}\n$/);
      expect(existsSync(c.abs("attach.sock"))).toBe(false); // the monitor took its socket with it
    });

  test("killed by SIGKILL: 137, the signal, and the time it was reaped", async () => {
    const c = monitorConfig();
    const m = await ready(c, ["sleep", "100"]);
    m.start();
    await until("the init to exec sleep", () => readFileSync(`/proc/${m.initPid}/cmdline`, "utf8").startsWith("sleep"));
    const before = Date.now();
    process.kill(m.initPid, "SIGKILL");
    const exit = await waitExit(m.socket, m.exitFile);
    expect(exit).toMatchObject({ exitCode: 137, signal: 9, status: 9 });
    expect(Math.abs(Date.parse(exit.finishedAt) - before)).toBeLessThan(5000);
  });

  test("the pid file may come after the create command has exited (as the in-process runtime writes it)", async () => {
    const c = monitorConfig();
    const m = startMonitor(c, { argv: fakeCreate(["sh", "-c", "exit 5"]), env: { PATH: process.env.PATH!, PID_DELAY: "0.3" } });
    expect(await m.createExited).toBe(0);
    const r = await m.ready;
    writeFileSync(c.abs("start"), "\n");
    expect((await waitExit(c.abs("attach.sock"), c.abs("exit"))).exitCode).toBe(5);
    expect(r.initPid).toBe(Number(readFileSync(c.abs("pid"), "utf8")));
  });

  test("without a pid file the command is the container's process", async () => {
    const c = monitorConfig({ pidFile: undefined });
    const m = startMonitor(c, { argv: ["sh", "-c", "echo direct; exit 7"], env: { PATH: process.env.PATH! } });
    await m.ready;
    expect((await waitExit(c.abs("attach.sock"), c.abs("exit"))).exitCode).toBe(7);
    expect(readLog(c.abs("ctr.log")).map((e) => e.log)).toEqual(["direct\n"]);
  });

  test("wait and probe after the monitor has gone read the exit file; a monitor killed early leaves a clear error", async () => {
    const c = monitorConfig();
    const { exit } = await runToExit(c, ["sh", "-c", "exit 2"]);
    expect(await waitExit(c.abs("attach.sock"), c.abs("exit"))).toEqual(exit);

    expect(await probeMonitor(c.abs("attach.sock"), c.abs("exit"))).toEqual({ alive: false, exit });

    const d = monitorConfig();
    const m = await ready(d, ["sleep", "100"]);
    expect(await probeMonitor(m.socket, m.exitFile)).toEqual({ alive: true });
    process.kill(m.monitorPid, "SIGKILL");
    await until("the monitor to die", () => monitorsAlive().length === 0);
    const e = await rejection(waitExit(m.socket, m.exitFile));
    expect(e.code).toBe("ENGINE_MONITOR_GONE");
    expect(e.format()).toContain("recorded no exit");
    expect(await probeMonitor(m.socket, m.exitFile)).toEqual({ alive: false });
    process.kill(m.initPid, "SIGKILL");
    rmSync(m.socket); // what a killed monitor leaves, the engine removes
  });

  test("an exit file it cannot write: a line in its log, and wait still has the status", async () => {
    const c = monitorConfig({ exitFile: "missing/exit" });
    const m = await ready(c, ["sh", "-c", "exit 8"]);
    m.start();
    const exit = await waitExit(m.socket, m.exitFile);
    expect(exit.exitCode).toBe(8);
    await until("the monitor to end", () => monitorsAlive().length === 0);
    expect(readFileSync(c.abs("monitor.log"), "utf8")).toMatch(/^skiff-monitor\[\d+\]: write the exit file: No such file or directory\n$/);
  });
});

describe("attach", () => {
  test("two clients get stdout and stderr; stdin from one reaches the container; its half-close ends stdin", async () => {
    const c = monitorConfig({ stdin: true, stdinOnce: true });
    const m = await ready(c, ["sh", "-c", "echo ready; cat; echo done >&2"]);
    const a = await attach(m.socket, { stdin: true, stdout: true, stderr: true, multiplex: true });
    const b = await attach(m.socket, { stdout: true, stderr: true, multiplex: true });
    const [outA, outB] = [readAll(a), readAll(b)];
    m.start();
    a.write("hello\n");
    a.end();
    for (const out of [demux(await outA), demux(await outB)]) expect(out).toMatchObject({ stdout: "ready\nhello\n", stderr: "done\n" });
    expect((await waitExit(m.socket, m.exitFile)).exitCode).toBe(0);
    expect(readLog(c.abs("ctr.log")).map((e) => e.log)).toEqual(["ready\n", "hello\n", "done\n"]);
  });

  test("a client asks for the streams it wants, raw or framed", async () => {
    const c = monitorConfig();
    const m = await ready(c, ["sh", "-c", "echo out; echo err >&2"]);
    const errOnly = readAll(await attach(m.socket, { stderr: true }));
    const raw = readAll(await attach(m.socket, { stdout: true, stderr: true }));
    m.start();
    expect((await errOnly).toString()).toBe("err\n");
    expect((await raw).toString().split("\n").sort()).toEqual(["", "err", "out"]);
    await waitExit(m.socket, m.exitFile);
  });

  test("without --stdin-once a client's half-close leaves stdin open for the next", async () => {
    const c = monitorConfig({ stdin: true });
    const m = await ready(c, ["sh", "-c", "read a; read b; echo $a-$b"]);
    m.start();
    const first = await attach(m.socket, { stdin: true, stdout: true });
    first.end("one\n");
    const second = await attach(m.socket, { stdin: true, stdout: true });
    const out = readAll(second);
    second.write("two\n");
    expect((await out).toString()).toBe("one-two\n");
    await waitExit(m.socket, m.exitFile);
    first.destroy();
  });

  test("the output waits for a client that reads slowly: it and the log lose nothing; one that stops reading holds it until it goes", async () => {
    // (before: a client behind lost chunks, and `run … | slow-consumer` lost output)
    const c = monitorConfig();
    const total = 8_000_000 + Math.floor(8_000_000 / 99); // fold ends no line it did not fill
    const m = await ready(c, ["sh", "-c", "head -c 8000000 /dev/zero | tr '\\0' 'y' | fold -w 99"]);
    const slow = await attach(m.socket, { stdout: true });
    slow.pause();
    const stuck = await attach(m.socket, { stdout: true, multiplex: true });
    stuck.pause();
    m.start();
    await Bun.sleep(1500);
    expect(existsSync(m.exitFile)).toBe(false); // held back by the two
    const slowOut = readAll(slow);
    slow.resume();
    await Bun.sleep(300);
    expect(existsSync(m.exitFile)).toBe(false); // still by the stuck one
    stuck.destroy(); // gone: the container goes on
    expect((await slowOut).length).toBe(total);
    await until("the container to exit", () => existsSync(m.exitFile), 30_000);
    expect(readLog(c.abs("ctr.log")).reduce((n, e) => n + e.log.length, 0)).toBe(total);
  });

  test("32 clients at once; the 33rd is refused with EMFILE and the others go on", async () => {
    const c = monitorConfig();
    const m = await ready(c, ["sh", "-c", "echo to all"]);
    const clients = await Promise.all([...Array(32)].map(() => attach(m.socket, { stdout: true })));
    const outputs = clients.map(readAll);
    const e = await rejection(attach(m.socket, { stdout: true }));
    expect(e.code).toBe("ENGINE_MONITOR_SOCKET");
    expect(e.message).toContain("EMFILE");
    m.start();
    for (const out of await Promise.all(outputs)) expect(out.toString()).toBe("to all\n");
    await waitExit(m.socket, m.exitFile);
  });

  test("with --attach-first the command runs once a client is attached: its first output is not lost", async () => {
    const c = monitorConfig({ pidFile: undefined, attachFirst: true });
    const m = startMonitor(c, { argv: ["echo", "at once"], env: { PATH: process.env.PATH! } });
    await m.listening;
    const s = await attach(c.abs("attach.sock"), { stdout: true });
    expect((await readAll(s)).toString()).toBe("at once\n");
    await m.ready;
  });

  test("resize without a pty says so", async () => {
    const c = monitorConfig();
    const m = await ready(c, ["true"]);
    const e = await rejection(resize(m.socket, 30, 100));
    expect(e.code).toBe("ENGINE_MONITOR_RESIZE");
    expect(e.format()).toContain("ENOTTY");
    expect(e.hint).toContain("without a tty");
    m.start();
    await waitExit(m.socket, m.exitFile);
  });
});

describe("hostile clients", () => {
  test("fuzzed: whatever clients send or however they go, the container runs on and is logged whole (seeded; scripts/fuzz.ts runs long)", async () => {
    await fc.assert(hostileClientsProperty(), { numRuns: 12, seed: 424242 });
  });
});

describe("start-up errors name the step", () => {
  const start = (c: MonitorConfig, argv: string[]) => startMonitor(c, { argv, env: { PATH: process.env.PATH! } });

  test("a create command that does not exist", async () => {
    const c = monitorConfig();
    const e = await rejection(start(c, ["/nonexistent/runc", "create"]).ready);
    expect(e).toMatchObject({ code: "ENGINE_MONITOR_EXEC", layer: "engine" });
    expect(e.format()).toContain("run the create command: ENOENT");
    expect(existsSync(c.abs("attach.sock"))).toBe(false);
  });

  test("a create command that fails", async () => {
    const c = monitorConfig();
    const m = start(c, ["sh", "-c", "exit 4"]);
    expect(await m.createExited).toBe(4);
    const e = await rejection(m.ready);
    expect(e.code).toBe("ENGINE_MONITOR_CREATE_FAILED");
    expect(e.message).toContain("exited with status 4");
  });

  test("a socket it cannot make", async () => {
    const c = monitorConfig({ socket: "missing/attach.sock" });
    const e = await rejection(start(c, ["true"]).ready);
    expect(e.code).toBe("ENGINE_MONITOR_LISTEN");
    expect(e.format()).toContain("listen on the attach socket: ENOENT");
  });

  test("a log it cannot open", async () => {
    const c = monitorConfig({ log: { path: "missing/ctr.log" } });
    const e = await rejection(start(c, ["true"]).ready);
    expect(e.code).toBe("ENGINE_MONITOR_OPEN_LOG");
  });

  test("a pid file naming a process that is not the monitor's", async () => {
    const c = monitorConfig();
    const e = await rejection(start(c, ["sh", "-c", `echo 1 > ${c.abs("pid")}`]).ready);
    expect(e.code).toBe("ENGINE_MONITOR_PID_FILE");
    expect(e.format()).toContain("ECHILD");
  });

  test("a state directory that is not there", async () => {
    const c = monitorConfig();
    const e = await rejection(Promise.resolve().then(() => start({ ...c, dir: join(c.dir, "missing") }, ["true"])));
    expect(e.code).toBe("ENGINE_MONITOR_SPAWN");
    expect(e.format()).toContain("missing/monitor.log: ENOENT");
  });

  test("arguments it does not know", async () => {
    const proc = Bun.spawn([join(REPO, "native/build/skiff-monitor"), "--socket", "x", "--bogus"], { stdout: "pipe" });
    const out = Buffer.from(await new Response(proc.stdout).arrayBuffer());
    expect(await proc.exited).toBe(1);
    expect([out.readInt32LE(0), out.readInt32LE(4), out.readInt32LE(8), out.readInt32LE(12)]).toEqual([5, 1, 22, 3]);
  });
});

describe("the monitor on its own", () => {
  test("survives kill -9 of the Bun process that started it, SIGHUP and SIGPIPE", async () => {
    const c = monitorConfig({ stdin: true, stdinOnce: true });
    const script = join(c.dir, "starter.ts");
    writeFileSync(
      script,
      `import { startMonitor } from ${JSON.stringify(join(REPO, "src/engine/containers/monitor/index.ts"))};
       const m = startMonitor(${JSON.stringify(c)}, { argv: ${JSON.stringify(fakeCreate(["sh", "-c", "cat; exit 9"]))}, env: { PATH: process.env.PATH } });
       console.log(JSON.stringify(await m.ready));
       await Bun.sleep(100_000);`,
    );
    const starter = Bun.spawn([process.execPath, script], { stdout: "pipe", stderr: "inherit" });
    const reader = starter.stdout.getReader();
    const { monitorPid } = JSON.parse(new TextDecoder().decode((await reader.read()).value)) as { monitorPid: number };
    starter.kill("SIGKILL");
    await starter.exited;
    for (const sig of ["SIGHUP", "SIGPIPE"] as const) process.kill(monitorPid, sig);
    await Bun.sleep(50);
    const stat = readFileSync(`/proc/${monitorPid}/stat`, "utf8").split(") ")[1]!.split(" ");
    expect(stat[0]).toBe("S"); // alive and idle
    expect(Number(stat[1])).not.toBe(starter.pid); // no child of its starter
    expect(Number(stat[3])).toBe(monitorPid); // a session of its own
    const s = await attach(c.abs("attach.sock"), { stdin: true, stdout: true });
    writeFileSync(c.abs("start"), "\n");
    const out = readAll(s);
    s.end("still here\n");
    expect((await out).toString()).toBe("still here\n");
    expect((await waitExit(c.abs("attach.sock"), c.abs("exit"))).exitCode).toBe(9);
  });

  test("an idle monitor's memory", async () => {
    const c = monitorConfig();
    const m = await ready(c, ["sh", "-c", "echo hello; exec sleep 100"]);
    m.start();
    await until("the first log line", () => existsSync(c.abs("ctr.log")) && statSync(c.abs("ctr.log")).size > 0);
    await Bun.sleep(50);
    const mem = memoryOf(m.monitorPid);
    console.log(`idle monitor: RSS ${mem.rss} KiB, PSS ${mem.pss} KiB`);
    expect(mem.rss).toBeLessThan(1024);
    process.kill(m.initPid, "SIGKILL");
    await waitExit(m.socket, m.exitFile);
  });
});
