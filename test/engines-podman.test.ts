// Debian's podman (with conmon) runs its containers with bin/skiff-oci (`--runtime ABS_PATH`), and
// what a container sees is what it sees under runc. podman has its own storage and config here
// (test/harness/engines.ts); containers' cgroups go under the test's cgroup parent.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { argvLogger, type EngineRuntime, Podman, PODMAN_IMAGE, which } from "./harness/engines.ts";
import type { Result } from "./harness/oci.ts";

const available = !!which("podman") && !!which("conmon");
let podman: Podman;

const show = (r: Result) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

/** `podman run --rm [opts] IMAGE cmd...` on `runtime`, then waits for conmon's cleanup. */
async function runRm(runtime: EngineRuntime | string, opts: string[], cmd: string[]): Promise<Result> {
  try {
    return podman.cmd(["run", "--rm", ...podman.runArgs(runtime), ...opts, PODMAN_IMAGE, ...cmd]);
  } finally {
    await podman.settle();
  }
}

/** The same container under skiff-oci and runc: both results. */
async function both(opts: string[], cmd: string[]): Promise<{ skiff: Result; runc: Result }> {
  return { skiff: await runRm("skiff", opts, cmd), runc: await runRm("runc", opts, cmd) };
}

/** Removes a container whatever happened (for finally blocks). */
async function cleanup(id: string | undefined) {
  if (id) podman.cmd(["rm", "-f", "-t", "0", id]);
  await podman.settle();
}

describe.skipIf(!available)("podman --runtime bin/skiff-oci", () => {
  beforeAll(() => {
    podman = Podman.start();
  }, 120000);

  afterAll(async () => {
    if (!podman) return;
    const notes = await podman.stop();
    if (notes.length) console.warn(`podman cleanup:\n  ${notes.join("\n  ")}`);
  }, 120000);

  test("run --rm busybox echo hi", async () => {
    const r = await runRm("skiff", [], ["echo", "hi"]);
    expect(r.stdout, show(r)).toBe("hi\n");
    expect(r.code).toBe(0);
  });

  test("run --rm: the container's exit status is podman's", async () => {
    const { skiff, runc } = await both([], ["sh", "-c", "echo out; echo err >&2; exit 3"]);
    expect(skiff.code, show(skiff)).toBe(3);
    expect(skiff.stdout).toBe("out\n");
    expect(skiff.stderr).toContain("err");
    expect(skiff.code).toBe(runc.code);
  });

  test("the calls podman (conmon) makes reach skiff-oci: create, start, delete", async () => {
    const logger = argvLogger();
    const r = await runRm(logger.path, [], ["true"]);
    expect(r.code, `${show(r)}\ncalls:\n${logger.log()}`).toBe(0);
    const verbs = logger.calls().map((argv) => argv.find((a) => !a.startsWith("-") && !a.startsWith("/")));
    expect(verbs).toEqual(["create", "start", "delete"]);
  });

  test("run -d, exec, stop (SIGTERM reaches the container), rm", async () => {
    let id: string | undefined;
    try {
      const started = podman.cmd(["run", "-d", ...podman.runArgs("skiff"), PODMAN_IMAGE, "sh", "-c", 'trap "exit 7" TERM; echo ready; while :; do sleep 0.1; done']);
      expect(started.code, show(started)).toBe(0);
      id = started.stdout.trim();
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      expect(podman.cmd(["inspect", "--format", "{{.State.Status}}", id]).stdout.trim()).toBe("running");

      const ex = podman.cmd(["exec", id, "sh", "-c", "echo exec-ok; id -u; cat /proc/1/cmdline | tr '\\0' ' '"]);
      expect(ex.code, show(ex)).toBe(0);
      expect(ex.stdout).toStartWith("exec-ok\n0\nsh -c trap");
      const exUser = podman.cmd(["exec", "--user", "1000:1000", id, "id"]);
      expect(exUser.stdout, show(exUser)).toBe("uid=1000 gid=1000\n");
      const exFail = podman.cmd(["exec", id, "sh", "-c", "exit 5"]);
      expect(exFail.code, show(exFail)).toBe(5);

      const stop = podman.cmd(["stop", "-t", "10", id]);
      expect(stop.code, show(stop)).toBe(0);
      expect(stop.stderr).not.toContain("SIGKILL");
      expect(podman.cmd(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", id]).stdout.trim()).toBe("exited 7");
      expect(podman.cmd(["logs", id]).stdout).toBe("ready\n");

      const rm = podman.cmd(["rm", id]);
      expect(rm.code, show(rm)).toBe(0);
      id = undefined;
    } finally {
      await cleanup(id);
    }
  });

  test("stop of a container that ignores SIGTERM: SIGKILL after the timeout", async () => {
    let id: string | undefined;
    try {
      const started = podman.cmd(["run", "-d", ...podman.runArgs("skiff"), PODMAN_IMAGE, "sleep", "1000"]);
      expect(started.code, show(started)).toBe(0);
      id = started.stdout.trim();
      const stop = podman.cmd(["stop", "-t", "1", id]);
      expect(stop.code, show(stop)).toBe(0);
      expect(podman.cmd(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", id]).stdout.trim()).toBe("exited 137");
    } finally {
      await cleanup(id);
    }
  });

  test("run -it through a pty: a terminal inside, input reaches the shell, exit status back", async () => {
    const results: Record<string, Result> = {};
    for (const rt of ["skiff", "runc"] as const) {
      try {
        results[rt] = podman.pty(["run", "-it", "--rm", ...podman.runArgs(rt), PODMAN_IMAGE, "sh"], "tty; stty size; echo $((6*7)); exit 4\n");
      } finally {
        await podman.settle();
      }
    }
    const r = results.skiff!;
    expect(r.code, show(r)).toBe(4);
    expect(r.stdout).toContain("/dev/pts/0\n");
    expect(r.stdout).toContain("42\n");
    expect(r.stdout).not.toContain("not a tty");
    expect(r.code).toBe(results.runc!.code);
  });

  test("exec -it through a pty", async () => {
    let id: string | undefined;
    try {
      const started = podman.cmd(["run", "-d", ...podman.runArgs("skiff"), PODMAN_IMAGE, "sleep", "1000"]);
      expect(started.code, show(started)).toBe(0);
      id = started.stdout.trim();
      const r = podman.pty(["exec", "-it", id, "sh"], "tty; echo $((6*7)); exit 6\n");
      expect(r.code, show(r)).toBe(6);
      expect(r.stdout).toMatch(/\/dev\/pts\/\d+\n/);
      expect(r.stdout).toContain("42\n");
    } finally {
      await cleanup(id);
    }
  });

  test("--memory 64m: the limit seen from inside", async () => {
    const read = ["sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max"];
    const { skiff, runc } = await both(["--memory", "64m"], read);
    expect(skiff.stdout, show(skiff)).toBe(`${64 * 1024 * 1024}\n`);
    expect(skiff.stdout).toBe(runc.stdout);
  });

  test("--memory 16m: a process using more is killed by the OOM killer", async () => {
    // dd fills a buffer of bs bytes
    const eat = ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo status $?"];
    const { skiff, runc } = await both(["--memory", "16m", "--memory-swap", "16m"], eat);
    expect(skiff.stdout, show(skiff)).toBe("status 137\n");
    expect(skiff.stdout).toBe(runc.stdout);
  });

  test("--pids-limit: pids.max inside, and fork fails past it", async () => {
    const cmd = ["sh", "-c", "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 1 & done; wait; echo all-forked"];
    const { skiff, runc } = await both(["--pids-limit", "8"], cmd);
    expect(skiff.stdout, show(skiff)).toBe("8\n");
    expect(skiff.stderr).toContain("can't fork");
    expect(skiff.code).not.toBe(0);
    expect(skiff.stdout).toBe(runc.stdout);
    expect(skiff.code).toBe(runc.code);
  });

  test("--cap-drop: capability sets as under runc, and the dropped one is gone", async () => {
    const cmd = ["sh", "-c", "grep ^Cap /proc/self/status; chown 5 /tmp && echo chowned; echo end"];
    const { skiff, runc } = await both(["--cap-drop", "chown", "--cap-drop", "net_bind_service"], cmd);
    expect(skiff.code, show(skiff)).toBe(0);
    expect(skiff.stdout).not.toContain("chowned");
    expect(skiff.stdout).toBe(runc.stdout);
    const all = await runRm("skiff", ["--cap-drop", "all"], ["grep", "^CapEff", "/proc/self/status"]);
    expect(all.stdout, show(all)).toBe("CapEff:\t0000000000000000\n");
  });

  test("--read-only: / is read-only, /tmp (podman's tmpfs) is writable", async () => {
    const cmd = ["sh", "-c", "touch /x 2>/dev/null && echo root-rw || echo root-ro; touch /tmp/y && echo tmp-rw; grep ' / ' /proc/self/mounts | grep -c '[ ,]ro[ ,]'"];
    const { skiff, runc } = await both(["--read-only"], cmd);
    expect(skiff.stdout, show(skiff)).toBe("root-ro\ntmp-rw\n1\n");
    expect(skiff.stdout).toBe(runc.stdout);
  });

  test("--tmpfs over a directory of the image keeps what it held (podman asks for tmpcopyup): the files are there, writes stay in the tmpfs", async () => {
    const cmd = ["sh", "-c", "ls /etc/passwd && grep -c root /etc/passwd && touch /etc/new && grep -c ' /etc tmpfs' /proc/self/mounts"];
    const { skiff, runc } = await both(["--tmpfs", "/etc"], cmd);
    expect(skiff.stdout, show(skiff)).toBe("/etc/passwd\n1\n1\n");
    expect(skiff.stdout).toBe(runc.stdout);
  });

  test("--user 1000:1000 (and --group-add)", async () => {
    const { skiff, runc } = await both(["--user", "1000:1000", "--group-add", "10"], ["sh", "-c", "id -u; id -g; id -G; touch /root/x 2>/dev/null || echo denied"]);
    expect(skiff.stdout, show(skiff)).toBe("1000\n1000\n1000 10\ndenied\n");
    expect(skiff.stdout).toBe(runc.stdout);
  });

  test("environment, workdir, hostname, ulimits from containers.conf", async () => {
    const cmd = ["sh", "-c", "echo $FOO; pwd; hostname; grep -e 'open files' -e 'processes' /proc/self/limits | tr -s ' '"];
    const opts = ["-e", "FOO=bar", "-w", "/tmp", "--hostname", "skiffy"];
    const { skiff, runc } = await both(opts, cmd);
    expect(skiff.stdout, show(skiff)).toBe("bar\n/tmp\nskiffy\nMax processes 32768 32768 processes \nMax open files 20000 20000 files \n");
    expect(skiff.stdout).toBe(runc.stdout);
  });

  // Commands podman calls on the runtime beyond the lifecycle: each test records the argv.
  test("pause / unpause (runtime `pause`, `resume`)", async () => {
    const logger = argvLogger();
    let id: string | undefined;
    try {
      const started = podman.cmd(["run", "-d", ...podman.runArgs(logger.path), PODMAN_IMAGE, "sleep", "1000"]);
      expect(started.code, show(started)).toBe(0);
      id = started.stdout.trim();
      const pause = podman.cmd(["pause", id]);
      expect(pause.code, `${show(pause)}\ncalls:\n${logger.log()}`).toBe(0);
      expect(podman.cmd(["inspect", "--format", "{{.State.Status}}", id]).stdout.trim()).toBe("paused");
      const unpause = podman.cmd(["unpause", id]);
      expect(unpause.code, `${show(unpause)}\ncalls:\n${logger.log()}`).toBe(0);
      expect(podman.cmd(["inspect", "--format", "{{.State.Status}}", id]).stdout.trim()).toBe("running");
    } finally {
      if (id && podman.cmd(["inspect", "--format", "{{.State.Status}}", id]).stdout.trim() === "paused") podman.cmd(["unpause", id]);
      await cleanup(id);
    }
  });

  test("update --memory on a running container (runtime `update --resources=FILE`)", async () => {
    const logger = argvLogger();
    let id: string | undefined;
    try {
      const started = podman.cmd(["run", "-d", ...podman.runArgs(logger.path), "--memory", "64m", PODMAN_IMAGE, "sleep", "1000"]);
      expect(started.code, show(started)).toBe(0);
      id = started.stdout.trim();
      const up = podman.cmd(["update", "--memory", "100m", id]);
      expect(up.code, `${show(up)}\ncalls:\n${logger.log()}`).toBe(0);
      const r = podman.cmd(["exec", id, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]);
      expect(r.stdout).toBe(`${100 * 1024 * 1024}\n`);
    } finally {
      await cleanup(id);
    }
  });

  test("restart and kill -s", async () => {
    let id: string | undefined;
    try {
      const started = podman.cmd(["run", "-d", ...podman.runArgs("skiff"), PODMAN_IMAGE, "sh", "-c", 'trap "echo usr1" USR1; trap "exit 9" TERM; while :; do sleep 0.1; done']);
      expect(started.code, show(started)).toBe(0);
      id = started.stdout.trim();
      const kill = podman.cmd(["kill", "-s", "USR1", id]);
      expect(kill.code, show(kill)).toBe(0);
      const restart = podman.cmd(["restart", "-t", "5", id]);
      expect(restart.code, show(restart)).toBe(0);
      expect(podman.cmd(["inspect", "--format", "{{.State.Status}}", id]).stdout.trim()).toBe("running");
      const stop = podman.cmd(["stop", "-t", "5", id]);
      expect(stop.code, show(stop)).toBe(0);
      expect(podman.cmd(["inspect", "--format", "{{.State.ExitCode}}", id]).stdout.trim()).toBe("9");
      expect(podman.cmd(["logs", id]).stdout).toContain("usr1");
    } finally {
      await cleanup(id);
    }
  });
});
