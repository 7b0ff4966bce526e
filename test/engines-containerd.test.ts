// Debian's containerd (a private instance: own config, root, state and socket) runs its
// containers with bin/skiff-oci through its runc shim (`ctr run --runc-binary ABS_PATH`), and
// they behave as under runc. Containers live in namespace RUN_TAG, so their cgroups are
// TEST_CGROUP/ID and the harness sees them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TEST_CGROUP } from "./harness/leaks.ts";
import { argvLogger, Containerd, CTR_IMAGE, type EngineRuntime, readIf, which } from "./harness/engines.ts";
import { type Result, tempDir, uniqueId } from "./harness/oci.ts";

const available = !!which("containerd") && !!which("ctr") && !!which("containerd-shim-runc-v2");
let ctrd: Containerd;

const show = (r: Result) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

/** `ctr run --rm` with the output through --log-uri; the log file's content is the stdout. */
function runRm(runtime: EngineRuntime | string, opts: string[], cmd: string[]): Result {
  const id = uniqueId("ctr");
  const log = join(tempDir("ctrlog"), "out.log");
  const r = ctrd.ctr(["run", "--rm", ...ctrd.runArgs(runtime), "--log-uri", `file://${log}`, ...opts, CTR_IMAGE, id, ...cmd]);
  // the shim copies the output to the file on its own time: ctr can return before it is there
  for (let i = 0; i < 50 && readIf(log) === ""; i++) Bun.sleepSync(20);
  return { ...r, stdout: readIf(log) };
}

const both = (opts: string[], cmd: string[]) => ({ skiff: runRm("skiff", opts, cmd), runc: runRm("runc", opts, cmd) });

/** A detached task running `cmd`, removed by the returned function whatever its state. */
async function detached(runtime: EngineRuntime | string, cmd: string[]): Promise<{ id: string; log: string; remove(): Promise<void> }> {
  const id = uniqueId("ctr");
  const log = join(tempDir("ctrlog"), "out.log");
  const r = ctrd.ctr(["run", "-d", ...ctrd.runArgs(runtime), "--log-uri", `file://${log}`, CTR_IMAGE, id, ...cmd]);
  if (r.code !== 0) {
    await ctrd.remove(id);
    throw new Error(`ctr run -d failed: ${show(r)}`);
  }
  return { id, log, remove: () => ctrd.remove(id) };
}

describe.skipIf(!available)("containerd (ctr --runc-binary bin/skiff-oci)", () => {
  beforeAll(async () => {
    ctrd = await Containerd.start();
  }, 120000);

  afterAll(async () => {
    if (!ctrd) return;
    const notes = await ctrd.stop();
    if (notes.length) console.warn(`containerd cleanup:\n  ${notes.join("\n  ")}`);
  }, 120000);

  test("run --rm with output through --log-uri file://, exit status back", () => {
    const r = runRm("skiff", [], ["sh", "-c", "echo hi; exit 3"]);
    expect(r.code, `${show(r)}\ncontainerd log:\n${readIf(ctrd.logFile).slice(-2000)}`).toBe(3);
    expect(r.stdout).toBe("hi\n");
    // a task that exits at once can beat the shim's file logger to its pipes under load (seen
    // once in a full run, with runc-like timing): give it a moment
    const err = runRm("skiff", [], ["sh", "-c", "echo err >&2; sleep 0.2"]);
    expect(err.stdout, show(err)).toBe("err\n");
  });

  test("the calls the shim makes reach skiff-oci with runc's global flags (--root, --log, --log-format json)", () => {
    const logger = argvLogger();
    const r = runRm(logger.path, [], ["true"]);
    expect(r.code, `${show(r)}\ncalls:\n${logger.log()}`).toBe(0);
    const calls = logger.calls();
    const verbs = calls.map((argv) => argv[argv.indexOf("json") + 1]);
    expect(verbs.slice(0, 2)).toEqual(["create", "start"]);
    expect(verbs).toContain("delete");
    for (const argv of calls) expect(argv.slice(0, 6).filter((a) => a.startsWith("--"))).toEqual(["--root", "--log", "--log-format"]);
  });

  test("the container's cgroup is TEST_CGROUP/ID and its view matches runc's", () => {
    const cmd = ["sh", "-c", "grep memory /proc/self/cgroup | cut -d: -f3 | sed 's/-ctr-.*//'; hostname | cut -c1-10; id; grep ^CapEff /proc/self/status; cat /proc/self/limits | grep 'open files' | tr -s ' '"];
    const { skiff, runc } = both([], cmd);
    expect(skiff.code, show(skiff)).toBe(0);
    expect(skiff.stdout).toBe(runc.stdout);
  });

  test("run -t through a pty", () => {
    const results: Record<string, Result> = {};
    for (const rt of ["skiff", "runc"] as const) results[rt] = ctrd.pty(["run", "--rm", "-t", ...ctrd.runArgs(rt), CTR_IMAGE, uniqueId("ctr"), "sh"], "tty; echo $((6*7)); exit 2\n");
    const r = results.skiff!;
    expect(r.code, show(r)).toBe(2);
    expect(r.stdout).toContain("/dev/pts/0\n");
    expect(r.stdout).toContain("42\n");
    expect(r.code).toBe(results.runc!.code);
  });

  test("--memory-limit and --cpu-quota: the container's cgroup as under runc (read on the host)", async () => {
    // ctr's default spec mounts no cgroupfs in the container: read the host's files
    const seen: Record<string, string> = {};
    for (const rt of ["skiff", "runc"] as const) {
      const id = uniqueId("ctr");
      const r = ctrd.ctr(["run", "-d", ...ctrd.runArgs(rt), "--memory-limit", String(64 * 1024 * 1024), "--cpu-quota", "50000", "--cpu-period", "100000", CTR_IMAGE, id, "sleep", "1000"]);
      try {
        expect(r.code, show(r)).toBe(0);
        const v2 = existsSync("/sys/fs/cgroup/cgroup.controllers");
        seen[rt] = v2
          ? [readIf(`/sys/fs/cgroup${TEST_CGROUP}/${id}/memory.max`), readIf(`/sys/fs/cgroup${TEST_CGROUP}/${id}/cpu.max`)].join("")
          : [readIf(`/sys/fs/cgroup/memory${TEST_CGROUP}/${id}/memory.limit_in_bytes`), readIf(`/sys/fs/cgroup/cpu${TEST_CGROUP}/${id}/cpu.cfs_quota_us`)].join("");
      } finally {
        await ctrd.remove(id);
      }
    }
    expect(seen.skiff).toMatch(/^(67108864\n50000\n|67108864\n50000 100000\n)$/);
    expect(seen.skiff).toBe(seen.runc!);
  });

  test("--read-only and --cap-drop", () => {
    const cmd = ["sh", "-c", "touch /x 2>/dev/null && echo rw || echo ro; grep ^CapEff /proc/self/status"];
    const { skiff, runc } = both(["--read-only", "--cap-drop", "CAP_CHOWN"], cmd);
    expect(skiff.stdout, show(skiff)).toStartWith("ro\nCapEff:");
    expect(skiff.stdout).toBe(runc.stdout);
  });

  test("run -d, task exec (output, exit status, -t), task kill (SIGTERM trapped), task delete, container delete", async () => {
    const c = await detached("skiff", ["sh", "-c", 'trap "echo bye; exit 9" TERM; echo started; while :; do sleep 0.1; done']);
    try {
      expect(await ctrd.waitStatus(c.id, "RUNNING")).toBe("RUNNING");
      const ex = ctrd.ctr(["task", "exec", "--exec-id", "x1", c.id, "sh", "-c", "echo exec-out; id -u; cat /proc/1/cmdline | tr '\\0' ' '"]);
      expect(ex.code, show(ex)).toBe(0);
      expect(ex.stdout).toStartWith("exec-out\n0\nsh -c trap");
      const exFail = ctrd.ctr(["task", "exec", "--exec-id", "x2", c.id, "sh", "-c", "exit 13"]);
      expect(exFail.code, show(exFail)).toBe(13);
      const exUser = ctrd.ctr(["task", "exec", "--exec-id", "x3", "--user", "1000", c.id, "id", "-u"]);
      expect(exUser.stdout, show(exUser)).toBe("1000\n");
      const exTty = ctrd.pty(["task", "exec", "-t", "--exec-id", "x4", c.id, "sh"], "tty; exit 6\n");
      expect(exTty.code, show(exTty)).toBe(6);
      expect(exTty.stdout).toMatch(/\/dev\/pts\/\d+\n/);

      const kill = ctrd.ctr(["task", "kill", c.id]);
      expect(kill.code, show(kill)).toBe(0);
      expect(await ctrd.waitStatus(c.id, "STOPPED")).toBe("STOPPED");
      const del = ctrd.ctr(["task", "delete", c.id]);
      expect(del.code, show(del)).toBe(0);
      expect(del.stderr).toContain("exit code 9");
      const cdel = ctrd.ctr(["container", "delete", c.id]);
      expect(cdel.code, show(cdel)).toBe(0);
      expect(readIf(c.log)).toBe("started\nbye\n");
    } finally {
      await c.remove();
    }
  });

  test("task kill --all SIGKILL reaches every process", async () => {
    const c = await detached("skiff", ["sh", "-c", "trap '' TERM; sleep 1000 & sleep 1000"]);
    try {
      expect(await ctrd.waitStatus(c.id, "RUNNING")).toBe("RUNNING");
      const kill = ctrd.ctr(["task", "kill", "--all", "--signal", "SIGKILL", c.id]);
      expect(kill.code, show(kill)).toBe(0);
      expect(await ctrd.waitStatus(c.id, "STOPPED")).toBe("STOPPED");
      const del = ctrd.ctr(["task", "delete", c.id]);
      expect(del.stderr).toContain("exit code 137");
    } finally {
      await c.remove();
    }
  });

  // What the shim calls beyond the lifecycle; the argv is recorded for the failure message.
  test("task ps (runtime `ps --format json`)", async () => {
    const logger = argvLogger();
    const c = await detached(logger.path, ["sh", "-c", "sleep 1000"]);
    try {
      const ps = ctrd.ctr(["task", "ps", c.id]);
      expect(ps.code, `${show(ps)}\ncalls:\n${logger.log()}`).toBe(0);
      expect(ps.stdout.split("\n").filter((l) => /^\d+/.test(l)).length).toBe(1);
    } finally {
      await c.remove();
    }
  });

  test("task pause / resume (runtime `pause`, `resume`)", async () => {
    const logger = argvLogger();
    const c = await detached(logger.path, ["sleep", "1000"]);
    try {
      const pause = ctrd.ctr(["task", "pause", c.id]);
      expect(pause.code, `${show(pause)}\ncalls:\n${logger.log()}`).toBe(0);
      expect(ctrd.status(c.id)).toBe("PAUSED");
      const resume = ctrd.ctr(["task", "resume", c.id]);
      expect(resume.code, `${show(resume)}\ncalls:\n${logger.log()}`).toBe(0);
      expect(ctrd.status(c.id)).toBe("RUNNING");
    } finally {
      await c.remove();
    }
  });

  test("task kill of a stopped task: 'process already finished' (not found), as with runc", async () => {
    const out: Record<string, Result[]> = {};
    for (const rt of ["skiff", "runc"] as const) {
      const c = await detached(rt, ["true"]);
      try {
        await ctrd.waitStatus(c.id, "STOPPED");
        out[rt] = [ctrd.ctr(["task", "kill", c.id]), ctrd.ctr(["task", "kill", "--all", c.id])];
      } finally {
        await c.remove();
      }
    }
    const [kill, killAll] = out.skiff!;
    expect(kill!.stderr, show(kill!)).toContain("process already finished: not found");
    expect(kill!.code).toBe(out.runc![0]!.code);
    expect(killAll!.code, show(killAll!)).toBe(out.runc![1]!.code);
  });

  test("task metrics reads the container's cgroup", async () => {
    const c = await detached("skiff", ["sleep", "1000"]);
    try {
      const m = ctrd.ctr(["task", "metrics", c.id]);
      expect(m.code, show(m)).toBe(0);
      expect(m.stdout).toContain("memory.usage_in_bytes");
    } finally {
      await c.remove();
    }
  });
});
