import { afterAll, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { endMonitorsIn, monitorsIn } from "./strays.ts";

const root = `/tmp/skiff-test-${process.pid}/strays`;
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("monitors are found by their working dir (the state dir or an exec dir below it) and executable, and ended", async () => {
  const state = join(root, "state");
  mkdirSync(join(state, "exec-1"), { recursive: true });
  mkdirSync(join(root, "state-other"), { recursive: true });
  const fake = join(root, "skiff-monitor"); // a sleep by the monitor's name
  copyFileSync("/bin/sleep", fake);
  const spawn = (cmd: string, cwd: string) => Bun.spawn([cmd, "30"], { cwd, stdio: ["ignore", "ignore", "ignore"] });
  const [main, exec, other, notMonitor] = [spawn(fake, state), spawn(fake, join(state, "exec-1")), spawn(fake, join(root, "state-other")), spawn("/bin/sleep", state)];
  try {
    await Bun.sleep(50);
    expect(monitorsIn(state).sort()).toEqual([main.pid, exec.pid].sort());
    await endMonitorsIn(state);
    expect(monitorsIn(state)).toEqual([]);
    await Promise.all([main.exited, exec.exited]);
    expect([main.signalCode, exec.signalCode]).toEqual(["SIGKILL", "SIGKILL"]);
    expect([other.exitCode, notMonitor.exitCode, other.signalCode, notMonitor.signalCode]).toEqual([null, null, null, null]);
  } finally {
    for (const p of [main, exec, other, notMonitor]) p.kill("SIGKILL");
  }
});
