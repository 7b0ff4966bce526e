// The main container tests through skiffd (docker 28), once per runtime: skiff's own in-process
// runtime (the default) and runc through its command line (--runtime runc), so that runc stays a
// living reference for what the engine does with either. Each test ends with nothing of its
// containers left (processes and monitors, mounts, cgroups, rows, log and state dirs, layers,
// runtime state).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TEST_CGROUP } from "./harness/leaks.ts";
import { ok, onTerminal, settledLeftovers, skiffdWithBusybox, stopClean, type PtyStep } from "./harness/skiffd-leftovers.ts";
import { DOCKER_28, removeDir, type RunResult, type Skiffd } from "./harness/skiffd.ts";

const TRAP = "trap 'echo bye; exit 0' TERM; echo started; while true; do sleep 0.1; done";

let d: Skiffd;

beforeAll(async () => {
  d = await skiffdWithBusybox();
});

afterAll(async () => {
  await stopClean(d);
  if (d) removeDir(d.dir);
});

async function expectNothingLeft() {
  expect(ok(d.docker(DOCKER_28, ["ps", "-aq"]))).toBe("");
  expect(await settledLeftovers(d)).toEqual({});
}

async function until(what: string, f: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

for (const runtime of ["skiff", "runc"]) {
  describe(`--runtime ${runtime}`, () => {
    const docker = (...args: string[]): RunResult => d.docker(DOCKER_28, args);
    /** docker run with this runtime: `run [flags] IMAGE …` → `run --runtime R [flags] IMAGE …`. */
    const run = (...args: string[]) => docker("run", "--runtime", runtime, ...args);
    const inspect = (name: string, format: string) => ok(docker("inspect", "--format", format, name)).trim();

    test("run attached: both streams, the exit code; --rm leaves nothing; 127 and 126", async () => {
      const r = run("--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 7");
      // (the daemon's first run may carry its one warning about the network before)
      expect([r.status, r.stdout, r.stderr.replace(/^WARNING: .*\n/, "")]).toEqual([7, "out\n", "err\n"]);
      expect(d.docker(DOCKER_28, ["run", "--runtime", runtime, "-i", "--rm", "busybox", "tr", "a-z", "A-Z"], { input: "shout\n" }).stdout).toBe("SHOUT\n");
      expect(run("--rm", "busybox", "nosuch").status).toBe(127);
      expect(run("--rm", "busybox", "/etc/passwd").status).toBe(126);
      await expectNothingLeft();
    });

    test("-d, logs, exec (output, status, -u, -w, -e), inspect, top, stop through the trap, logs after, rm", async () => {
      ok(run("-d", "--name", "svc", "--label", "role=test", "busybox", "sh", "-c", TRAP));
      await until("svc's first line", () => docker("logs", "svc").stdout === "started\n");
      expect(inspect("svc", "{{.State.Status}} {{.HostConfig.Runtime}} {{.Config.Labels.role}}")).toBe(`running ${runtime} test`);
      expect(ok(docker("exec", "svc", "sh", "-c", "echo $((6 * 7))"))).toBe("42\n");
      expect(docker("exec", "svc", "sh", "-c", "exit 4").status).toBe(4);
      expect(ok(docker("exec", "-u", "nobody", "-w", "/tmp", "-e", "X=y", "svc", "sh", "-c", 'echo "$(id -u) $(pwd) $X"'))).toBe("65534 /tmp y\n");
      expect(ok(docker("top", "svc"))).toContain("while true");
      ok(docker("stop", "-t", "10", "svc"));
      expect(inspect("svc", "{{.State.Status}} {{.State.ExitCode}}")).toBe("exited 0");
      expect(ok(docker("logs", "svc"))).toBe("started\nbye\n");
      ok(docker("rm", "svc"));
      await expectNothingLeft();
    });

    test("kill, pause and unpause, wait (137), restart (a new init), rm of a running one needs -f", async () => {
      ok(run("-d", "--name", "napper", "busybox", "sleep", "60"));
      ok(docker("pause", "napper"));
      expect(inspect("napper", "{{.State.Status}}")).toBe("paused");
      ok(docker("unpause", "napper"));
      expect(inspect("napper", "{{.State.Status}}")).toBe("running");
      const before = inspect("napper", "{{.State.Pid}}");
      ok(docker("restart", "-t", "0", "napper"));
      const after = inspect("napper", "{{.State.Status}} {{.State.Pid}}").split(" ");
      expect(after[0]).toBe("running");
      expect(after[1]).not.toBe(before);
      expect(docker("rm", "napper").status).toBe(1);
      ok(docker("kill", "napper"));
      expect(ok(docker("wait", "napper"))).toBe("137\n");
      ok(docker("rm", "napper"));
      ok(run("-d", "--name", "forced", "busybox", "sleep", "60"));
      ok(docker("rm", "-f", "forced"));
      await expectNothingLeft();
    });

    test("attach to a -d -i container: stdin in, output out, its exit code out", async () => {
      ok(run("-d", "-i", "--name", "reader", "busybox", "sh", "-c", 'read l; echo "got $l"; exit 3'));
      const r = d.docker(DOCKER_28, ["attach", "reader"], { input: "hello\n" });
      expect([r.status, r.stdout]).toEqual([3, "got hello\n"]);
      ok(docker("rm", "reader"));
      await expectNothingLeft();
    });

    test("resources reach the container's cgroup: --memory, --pids-limit, --cpu-shares", async () => {
      const id = ok(run("-d", "--memory", "64m", "--pids-limit", "50", "--cpu-shares", "512", "busybox", "sleep", "60")).trim();
      const cg = (ctl: string, file: string) => readFileSync(join("/sys/fs/cgroup", ctl, TEST_CGROUP, id, file), "utf8").trim();
      expect([cg("memory", "memory.limit_in_bytes"), cg("pids", "pids.max"), cg("cpu", "cpu.shares")]).toEqual(["67108864", "50", "512"]);
      ok(docker("rm", "-f", id));
      await expectNothingLeft();
    });

    test("run -it on a real pty: type and see, resize, exit 3", async () => {
      const steps: PtyStep[] = [{ expect: "/ # " }, { send: "echo $((6 * 7))\r" }, { expect: "42\r\n" }, { resize: [33, 99] }, { sleep: 300 }, { send: "stty size\r" }, { expect: "33 99\r\n" }, { send: "exit 3\r" }];
      const r = await onTerminal(d, [DOCKER_28, "run", "--runtime", runtime, "-it", "--rm", "busybox", "sh"], steps);
      expect([r.status, r.stderr]).toEqual([3, ""]);
      await expectNothingLeft();
    });
  });
}
