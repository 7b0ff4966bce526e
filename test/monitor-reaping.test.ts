// skiff-monitor as the subreaper of a container: every child that exits is reaped at once, also
// before the pid file names the init; a pid file that names an init already reaped is that init's
// exit; a pid file that never comes ends the monitor once nothing of the container is left. The
// create commands are small shell scripts that start the "init" as an orphan, as runc create does.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NO_INIT_STATUS } from "../src/engine/containers/monitor/protocol.ts";
import { probeMonitor, readExitFile, startMonitor, waitExit } from "../src/engine/containers/monitor/index.ts";
import { isSkiffError } from "../src/common/errors.ts";
import { childrenOf, monitorConfig, monitorsAlive, readLog, socketsLeft, until } from "./harness/monitor.ts";
import { REPO } from "./harness/oci.ts";

afterEach(async () => {
  await until("the test's monitors to end", () => monitorsAlive().length === 0, 5000).catch(() => {
    throw new Error(`monitors left behind: ${monitorsAlive().join(", ")}`);
  });
  expect(socketsLeft()).toEqual([]);
});

type Config = ReturnType<typeof monitorConfig>;

/** A monitor whose create command is `script` (sh, run in the state dir). */
function start(c: Config, script: string) {
  return startMonitor(c, { argv: ["sh", "-c", script], env: { PATH: process.env.PATH! } });
}

/** p, or a clear failure after ms (a monitor that waits for good must fail the test, not hang it). */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: Timer | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts `init` (sh -c) as an orphan of the create command, its pid in pid.tmp, not yet in the pid file. */
const orphanInit = (init: string) => `( sh -c '${init}' & echo $! > pid.tmp )`;

describe("every child is reaped, before and after the init is known", () => {
  test("an init that exits before its pid file is written: reaped at once, and the late pid file makes its status the container's", async () => {
    const c = monitorConfig();
    // the pid file comes only once the init is gone from /proc (reaped), as skiffd writes it after
    // its launcher exits (seen: a dead init left a zombie under a monitor that then waited for good)
    const m = start(
      c,
      `${orphanInit("echo quick; exit 5")}
       ( pid=$(cat pid.tmp); i=0
         while [ -e /proc/$pid ] && [ $i -lt 300 ]; do sleep 0.01; i=$((i+1)); done
         if [ -e /proc/$pid ]; then echo "still in /proc" > seen; else echo reaped > seen; fi
         mv pid.tmp pid ) </dev/null >/dev/null 2>&1 &`,
    );
    expect(await m.createExited).toBe(0);
    const ready = await within(10_000, "the monitor to be ready", m.ready);
    const exit = await within(10_000, "the exit", waitExit(c.abs("attach.sock"), c.abs("exit")));
    expect(readFileSync(c.abs("seen"), "utf8")).toBe("reaped\n");
    expect(ready.initPid).toBe(Number(readFileSync(c.abs("pid"), "utf8")));
    expect(exit).toMatchObject({ status: 5 << 8, exitCode: 5 });
    expect(readExitFile(c.abs("exit"))).toEqual(exit);
    expect(readLog(c.abs("ctr.log")).map((e) => e.log)).toEqual(["quick\n"]);
  });

  test("an orphan of the init that exits while the pid file is still to come is reaped, not left a zombie", async () => {
    const c = monitorConfig();
    // the init starts an orphan (a double fork) that exits at once, then waits for the test; the
    // pid file comes only when the test says so
    const m = start(
      c,
      `${orphanInit("( sh -c \"echo \\$\\$ > orphan.pid\" & ); while [ ! -e end ]; do sleep 0.01; done; exit 4")}
       ( while [ ! -e go ]; do sleep 0.01; done; mv pid.tmp pid ) </dev/null >/dev/null 2>&1 &`,
    );
    const monitorPid = await m.listening;
    expect(await m.createExited).toBe(0);
    await until("the orphan to start", () => existsSync(c.abs("orphan.pid")) && readFileSync(c.abs("orphan.pid"), "utf8").endsWith("\n"));
    const orphan = Number(readFileSync(c.abs("orphan.pid"), "utf8"));
    await until("the orphan to be reaped", () => !existsSync(`/proc/${orphan}`), 3000).catch((e: Error) => {
      const zombies = childrenOf(monitorPid).filter((p) => p.state === "Z");
      writeFileSync(c.abs("go"), "");
      writeFileSync(c.abs("end"), "");
      throw new Error(`${e.message}: zombies under the monitor: ${JSON.stringify(zombies)}`);
    });
    expect(childrenOf(monitorPid).filter((p) => p.state === "Z")).toEqual([]);
    writeFileSync(c.abs("go"), "");
    const ready = await within(10_000, "the monitor to be ready", m.ready);
    expect(ready.initPid).toBe(Number(readFileSync(c.abs("pid"), "utf8")));
    writeFileSync(c.abs("end"), "");
    expect((await within(10_000, "the exit", waitExit(c.abs("attach.sock"), c.abs("exit")))).exitCode).toBe(4);
  });
});

describe("a pid file that never comes", () => {
  test("once the create command has exited and no process is left, the engine's wait ends it: a distinct status, in its log and to the engine", async () => {
    const c = monitorConfig({ pidFileWaitMs: 300 });
    const m = start(c, "( sh -c 'echo lost; exit 3' & )");
    expect(await m.createExited).toBe(0);
    const e = await within(10_000, "the start-up to fail", m.ready.then(() => undefined, (err: unknown) => err));
    if (!isSkiffError(e)) throw new Error(`expected a SkiffError, got ${String(e)}`);
    expect([e.code, e.layer]).toEqual(["ENGINE_MONITOR_PID_FILE_WAIT", "engine"]);
    expect(e.format()).toContain("ETIMEDOUT");
    const exit = await within(10_000, "the recorded exit", waitExit(c.abs("attach.sock"), c.abs("exit")));
    expect(exit).toMatchObject({ status: NO_INIT_STATUS, exitCode: 255 });
    expect(exit.signal).toBeUndefined();
    await until("the monitor to end", () => monitorsAlive().length === 0);
    expect(readFileSync(c.abs("monitor.log"), "utf8")).toMatch(/^skiff-monitor\[\d+\]: no pid file named the container's process within 300 ms of its last process's exit: its exit is recorded as unknown \(-1\)\n$/);
    expect(readLog(c.abs("ctr.log")).map((e) => e.log)).toEqual(["lost\n"]); // its output is still logged
  });

  test("the wait starts only when nothing of the container is left: a live init keeps its monitor", async () => {
    const c = monitorConfig({ pidFileWaitMs: 200 });
    const m = start(c, "( sh -c 'sleep 1.2' & )");
    const monitorPid = await m.listening;
    expect(await m.createExited).toBe(0);
    const created = performance.now();
    await Bun.sleep(700);
    expect(await probeMonitor(c.abs("attach.sock"), c.abs("exit"))).toEqual({ alive: true });
    expect(childrenOf(monitorPid).map((p) => p.comm)).toEqual(["sh"]);
    const exit = await within(10_000, "the recorded exit", waitExit(c.abs("attach.sock"), c.abs("exit")));
    expect(exit.status).toBe(NO_INIT_STATUS);
    expect(performance.now() - created).toBeGreaterThan(1200);
    await m.ready.catch(() => undefined);
  });

  test("a pid file without the engine's wait is refused as an argument", async () => {
    const c = monitorConfig();
    const proc = Bun.spawn([join(REPO, "native/build/skiff-monitor"), "--socket", "s", "--exit-file", "e", "--file-mode", "600", "--pid-file", "p", "--", "true"], { cwd: c.dir, stdout: "pipe" });
    const out = Buffer.from(await new Response(proc.stdout).arrayBuffer());
    expect(await proc.exited).toBe(1);
    expect([out.readInt32LE(0), out.readInt32LE(4), out.readInt32LE(8)]).toEqual([5, 1, 22]);
  });
});
