// Restart policies, health checks and update through skiffd, with bin/skiff and both docker CLIs,
// under skiff's own runtime and runc: on-failure:N restarts N times then stays exited; always
// restarts after an exit, not after a stop or kill; a container that exits at once restarts with a
// growing back-off and the daemon burns no CPU meanwhile; unless-stopped and always across a skiffd
// killed with -9 (dockerd's rules at daemon start); health checks move starting → unhealthy →
// healthy with their events and ps's words, a probe that hangs past its timeout is killed and
// counts as a failure in dockerd's words, and the checks resume after a daemon restart; update of
// memory, swap and pids on a running container shows in its cgroup and inspect, survives a stop and
// start, and is refused in dockerd's words where dockerd refuses it. Nothing is left behind.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { ok, restartOn, settledLeftovers, skiffdWithBusybox, stopClean } from "./harness/skiffd-leftovers.ts";
import { DOCKER_20, DOCKER_28, type RunResult, type Skiffd } from "./harness/skiffd.ts";
import { until } from "./harness/until.ts";

let d: Skiffd;
const docker = (...args: string[]): RunResult => d.docker(DOCKER_28, args);
const inspect = (name: string, format: string) => ok(docker("inspect", "--format", format, name)).trim();

beforeAll(async () => {
  d = await skiffdWithBusybox();
});

afterAll(() => stopClean(d));

/** The container's events so far ("ACTION" lines), from the daemon's kept events. */
const eventsOf = (name: string, since: number) =>
  ok(docker("events", "--since", String(since), "--until", String(Math.ceil(Date.now() / 1000) + 1), "--filter", `container=${name}`, "--format", "{{.Action}}")).trim().split("\n").filter(Boolean);

/** The daemon's CPU time so far, in ms (utime + stime of /proc/PID/stat, clock ticks of 10 ms). */
function daemonCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** A v1 controller's file of the cgroup the container's init is in. */
function cgroupFile(pid: number, controller: string, file: string): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => l.split(":")[1]?.split(",").includes(controller));
  if (!line) throw new Error(`no ${controller} cgroup for ${pid}`);
  return readFileSync(`/sys/fs/cgroup/${controller}${line.split(":")[2]}/${file}`, "utf8").trim();
}

const pidOf = (name: string) => Number(inspect(name, "{{.State.Pid}}"));

for (const runtime of ["skiff", "runc"]) {
  describe(`--runtime ${runtime}`, () => {
    const rt = ["--runtime", runtime];
    const n = (base: string) => `${base}-${runtime}`;

    test("on-failure:2 restarts twice, then stays exited with RestartCount 2; every run appends to the one log; die and start each time", async () => {
      const since = Math.floor(Date.now() / 1000);
      ok(d.skiff(["run", "-d", ...rt, "--name", n("of"), "--restart", "on-failure:2", "busybox", "sh", "-c", "echo run; exit 3"]));
      await until("the third exit", () => inspect(n("of"), "{{.State.Status}} {{.RestartCount}}") === "exited 2");
      await Bun.sleep(1000); // (no fourth run comes)
      expect(inspect(n("of"), "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}} {{json .HostConfig.RestartPolicy}}")).toBe('exited 2 3 {"Name":"on-failure","MaximumRetryCount":2}');
      expect(ok(d.skiff(["logs", n("of")]))).toBe("run\nrun\nrun\n");
      expect(eventsOf(n("of"), since)).toEqual(["create", "start", "die", "start", "die", "start", "die"]);
      ok(d.skiff(["rm", n("of")]));
    });

    test("always restarts after the process exits, and not after docker stop or docker kill; a start by the user begins RestartCount again", async () => {
      ok(docker("run", "-d", ...rt, "--name", n("al"), "--restart", "always", "busybox", "sh", "-c", "sleep 0.3"));
      await until("a restart", () => Number(inspect(n("al"), "{{.RestartCount}}")) >= 2);
      ok(docker("stop", "-t", "1", n("al")));
      const count = inspect(n("al"), "{{.RestartCount}}");
      await Bun.sleep(1200);
      expect(inspect(n("al"), "{{.State.Status}} {{.RestartCount}}")).toBe(`exited ${count}`);
      ok(docker("start", n("al")));
      // the count begins again (0, or 1 if the 0.3 s run already ended on a loaded machine), never count + 1
      const [status, again] = inspect(n("al"), "{{.State.Status}} {{.RestartCount}}").split(" ");
      expect(status).toMatch(/^(running|restarting)$/);
      expect(Number(again)).toBeLessThanOrEqual(1); // it was 2 or more before the stop
      await until("a restart after the user's start", () => Number(inspect(n("al"), "{{.RestartCount}}")) >= 1);
      await until("it runs", () => inspect(n("al"), "{{.State.Status}}") === "running");
      ok(docker("kill", n("al")));
      await Bun.sleep(1200);
      expect(inspect(n("al"), "{{.State.Status}}")).toBe("exited");
      ok(d.skiff(["rm", n("al")]));
    });
  });
}

test("a container that exits at once restarts with a growing back-off (100 ms doubling), restarting shows in ps and inspect, and the daemon burns no CPU meanwhile", async () => {
  const since = Math.floor(Date.now() / 1000);
  ok(docker("run", "-d", "--name", "loop", "--restart", "always", "busybox", "true"));
  const pid = d.proc.pid!;
  const cpu0 = daemonCpuMs(pid);
  const t0 = Date.now();
  let sawRestarting = false;
  while (Date.now() - t0 < 7000) {
    if (inspect("loop", "{{.State.Status}} {{.State.Restarting}} {{.State.Running}}") === "restarting true true") sawRestarting = true;
    await Bun.sleep(100);
  }
  const wall = Date.now() - t0;
  const cpu = daemonCpuMs(pid) - cpu0;
  // (the inspects above are part of the daemon's work: 70 of them)
  console.log(`restart loop: daemon CPU ${cpu} ms over ${wall} ms (${((100 * cpu) / wall).toFixed(1)}%)`);
  expect(cpu / wall).toBeLessThan(0.25);
  expect(sawRestarting).toBe(true);
  expect(ok(docker("ps", "-a", "--filter", "name=loop", "--format", "{{.Status}}"))).toMatch(/^(Restarting \(0\) .* ago|Up .*)\n$/);
  // 100 + 200 + 400 + 800 + 1600 + 3200 ms of back-off fit in 7 s, 6400 more do not
  const restarts = Number(inspect("loop", "{{.RestartCount}}"));
  expect(restarts).toBeGreaterThanOrEqual(5);
  expect(restarts).toBeLessThanOrEqual(7);
  const starts = ok(docker("events", "--since", String(since), "--until", String(Math.ceil(Date.now() / 1000) + 1), "--filter", "container=loop", "--filter", "event=start", "--format", "{{.TimeNano}}")).trim().split("\n").map((t) => Number(BigInt(t) / 1_000_000n));
  const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
  console.log(`restart loop: ${restarts} restarts, gaps between starts ${gaps.join(", ")} ms`);
  // each gap holds its back-off: at least 100 ms × 2^i (less a little for the clock), and they grow
  gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(100 * 2 ** i - 20));
  // (the first gap also holds a start on a loaded machine, ~300 ms: growth is measured against it loosely)
  expect(gaps.at(-1)!).toBeGreaterThan(gaps[0]! * 3);
  ok(docker("rm", "-f", "loop"));
});

test("kill -s with another signal than the container's own stop signal keeps always's restarts (dockerd cancels the policy only for KILL or the stop signal); with no stop signal of its own any kill ends them", async () => {
  const trap = 'trap "exit 5" USR1; while :; do sleep 0.1; done';
  ok(docker("run", "-d", "--name", "soft", "--restart", "always", "--stop-signal", "TERM", "busybox", "sh", "-c", trap));
  ok(docker("run", "-d", "--name", "hard", "--restart", "always", "busybox", "sh", "-c", trap));
  await Bun.sleep(300);
  ok(docker("kill", "-s", "USR1", "soft"));
  ok(docker("kill", "-s", "USR1", "hard"));
  const deadline = Date.now() + 10_000;
  while (inspect("soft", "{{.RestartCount}} {{.State.Status}}") !== "1 running" && Date.now() < deadline) await Bun.sleep(100);
  expect(inspect("soft", "{{.RestartCount}} {{.State.Status}}")).toBe("1 running");
  expect(inspect("hard", "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}")).toBe("0 exited 5");
  ok(docker("rm", "-f", "soft", "hard"));
});

test("across skiffd killed with -9: a running unless-stopped container runs on, one the user stopped stays stopped; always comes back even after a stop; one that exited while no daemon ran is restarted", async () => {
  ok(docker("run", "-d", "--name", "us-run", "--restart", "unless-stopped", "busybox", "sleep", "1000"));
  ok(docker("run", "-d", "--name", "us-stopped", "--restart", "unless-stopped", "busybox", "sleep", "1000"));
  ok(docker("stop", "-t", "0", "us-stopped"));
  ok(docker("run", "-d", "--name", "al-stopped", "--runtime", "runc", "--restart", "always", "busybox", "sleep", "1000"));
  ok(docker("stop", "-t", "0", "al-stopped"));
  ok(docker("run", "-d", "--name", "al-dies", "--restart", "always", "busybox", "sleep", "1000"));
  ok(docker("run", "-d", "--name", "no-dies", "busybox", "sleep", "1000"));
  const runningPid = pidOf("us-run");
  const dyingPids = [pidOf("al-dies"), pidOf("no-dies")];
  const daemonPid = d.proc.pid!;
  process.kill(daemonPid, "SIGKILL");
  await until("the daemon is gone", () => d.proc.exitCode !== null || d.proc.signalCode !== null, 5000);
  for (const p of dyingPids) process.kill(p, "SIGKILL");
  d = await restartOn(d);
  await until("al-dies restarted", () => inspect("al-dies", "{{.State.Status}} {{.RestartCount}}") === "running 1");
  await until("al-stopped started", () => inspect("al-stopped", "{{.State.Status}}") === "running");
  expect(inspect("us-run", "{{.State.Status}} {{.State.Pid}}")).toBe(`running ${runningPid}`);
  expect(inspect("us-stopped", "{{.State.Status}}")).toBe("exited");
  expect(inspect("no-dies", "{{.State.Status}} {{.State.ExitCode}}")).toBe("exited 137");
  ok(docker("rm", "-f", "us-run", "us-stopped", "al-stopped", "al-dies", "no-dies"));
});

test("a container waiting for its policy's restart when skiffd is killed with -9 is started by the next daemon", async () => {
  ok(docker("run", "-d", "--name", "pending", "--restart", "always", "busybox", "true"));
  await until("a long back-off", () => inspect("pending", "{{.State.Status}} {{.RestartCount}}").match(/^restarting ([4-9])$/) !== null);
  const count = Number(inspect("pending", "{{.RestartCount}}"));
  d = await restartOn(d);
  await until("the pending start made", () => Number(inspect("pending", "{{.RestartCount}}")) > count, 10_000);
  ok(docker("rm", "-f", "pending"));
});

test("health: starting, unhealthy after the retries, healthy once the probe passes, with the events, ps's words, inspect's State.Health and Config.Healthcheck", async () => {
  const since = Math.floor(Date.now() / 1000);
  ok(d.skiff(["run", "-d", "--name", "hc", "--health-cmd", "echo probing; test -f /tmp/ok", "--health-interval", "200ms", "--health-retries", "2", "busybox", "sleep", "1000"]));
  expect(ok(d.skiff(["ps", "--filter", "name=hc", "--format", "{{.Status}}"]))).toMatch(/^Up .* \(health: starting\)\n$/);
  await until("unhealthy", () => inspect("hc", "{{.State.Health.Status}}") === "unhealthy");
  expect(ok(docker("ps", "--filter", "name=hc", "--format", "{{.Status}}"))).toMatch(/^Up .* \(unhealthy\)\n$/);
  ok(docker("exec", "hc", "touch", "/tmp/ok"));
  await until("healthy", () => inspect("hc", "{{.State.Health.Status}}") === "healthy");
  expect(ok(d.docker(DOCKER_20, ["ps", "--filter", "name=hc", "--format", "{{.Status}}"]))).toMatch(/^Up .* \(healthy\)\n$/);
  const health = JSON.parse(inspect("hc", "{{json .State.Health}}"));
  expect(health.FailingStreak).toBe(0);
  expect(health.Log.length).toBeLessThanOrEqual(5);
  expect(health.Log.at(-1)).toMatchObject({ ExitCode: 0, Output: "probing\n" });
  expect(Date.parse(health.Log.at(-1).End)).toBeGreaterThanOrEqual(Date.parse(health.Log.at(-1).Start));
  expect(ok(docker("ps", "--filter", "health=healthy", "--format", "{{.Names}}"))).toBe("hc\n");
  expect(ok(docker("ps", "--filter", "health=unhealthy", "--format", "{{.Names}}"))).toBe("");
  expect(docker("ps", "--filter", "health=sick").stderr).toContain("Unrecognised filter value for health: sick");
  expect(JSON.parse(inspect("hc", "{{json .Config.Healthcheck}}"))).toEqual({ Test: ["CMD-SHELL", "echo probing; test -f /tmp/ok"], Interval: 200_000_000, Retries: 2 });
  const ev = eventsOf("hc", since);
  expect(ev.filter((e) => e.startsWith("health_status"))).toEqual(["health_status: unhealthy", "health_status: healthy"]);
  expect(ev).toContain("exec_create: /bin/sh -c echo probing; test -f /tmp/ok");
  const byFilter = ok(docker("events", "--since", String(since), "--until", String(Math.ceil(Date.now() / 1000) + 1), "--filter", "container=hc", "--filter", "event=health_status", "--format", "{{.Action}}"));
  expect(byFilter).toBe("health_status: unhealthy\nhealth_status: healthy\n");
  expect(ev).toContain("exec_die");
  // probes leave no exec dirs behind (one every 200 ms would pile up)
  await Bun.sleep(1000);
  // stopped, it is unhealthy, as dockerd marks it when its checks end (a new-user trial: it stayed healthy); started again, starting
  ok(docker("stop", "-t", "0", "hc"));
  expect(inspect("hc", "{{.State.Health.Status}}")).toBe("unhealthy");
  ok(docker("start", "hc"));
  expect(inspect("hc", "{{.State.Health.Status}}")).toBe("starting");
  ok(docker("rm", "-f", "hc"));
});

for (const runtime of ["skiff", "runc"])
test(`health (--runtime ${runtime}): a probe that hangs past its timeout is killed and counts as a failure in dockerd's words; --no-healthcheck has no health`, async () => {
  ok(docker("run", "-d", "--runtime", runtime, "--name", "hang", "--health-cmd", "sleep 30", "--health-timeout", "300ms", "--health-interval", "400ms", "--health-retries", "1", "busybox", "sleep", "1000"));
  await until("unhealthy", () => inspect("hang", "{{.State.Health.Status}}") === "unhealthy");
  const last = JSON.parse(inspect("hang", "{{json .State.Health}}")).Log.at(-1);
  expect(last).toMatchObject({ ExitCode: -1, Output: "Health check exceeded timeout (300ms)" });
  expect(Date.parse(last.End) - Date.parse(last.Start)).toBeLessThan(2500);
  // the killed probes do not pile up: at most the one running now is there
  const procs = ok(docker("top", "hang")).split("\n").filter((l) => l.includes("sleep 30"));
  expect(procs.length).toBeLessThanOrEqual(1);
  ok(docker("rm", "-f", "hang"));
  ok(docker("run", "-d", "--name", "nohc", "--no-healthcheck", "busybox", "sleep", "1000"));
  expect(inspect("nohc", "{{json .State.Health}} {{json .Config.Healthcheck}}")).toBe('null {"Test":["NONE"]}');
  ok(docker("rm", "-f", "nohc"));
});

test("the image's HEALTHCHECK runs (CMD form); --health-cmd replaces its command and keeps its interval; --no-healthcheck turns it off", async () => {
  const tar = `${d.dir}/busybox.tar`;
  ok(d.skiff(["import", "-c", 'CMD ["sleep", "1000"]', "-c", 'HEALTHCHECK --interval=200ms --retries=1 CMD ["/bin/true"]', tar, "hcimg:1"]));
  ok(docker("run", "-d", "--name", "img-hc", "hcimg:1"));
  ok(docker("run", "-d", "--name", "img-over", "--health-cmd", "exit 1", "hcimg:1"));
  ok(docker("run", "-d", "--name", "img-off", "--no-healthcheck", "hcimg:1"));
  await until("the image's check passes", () => inspect("img-hc", "{{.State.Health.Status}}") === "healthy");
  await until("the replaced check fails", () => inspect("img-over", "{{.State.Health.Status}}") === "unhealthy");
  expect(JSON.parse(inspect("img-over", "{{json .Config.Healthcheck}}"))).toEqual({ Test: ["CMD-SHELL", "exit 1"], Interval: 200_000_000, Retries: 1 });
  await Bun.sleep(500);
  expect(inspect("img-off", "{{json .State.Health}}")).toBe("null");
  expect(ok(docker("ps", "--filter", "health=none", "--format", "{{.Names}}"))).toBe("img-off\n");
  ok(docker("rm", "-f", "img-hc", "img-over", "img-off"));
  ok(docker("rmi", "hcimg:1"));
});

test("health checks resume after skiffd is killed with -9 and started again: the status is kept, then follows the probe", async () => {
  ok(docker("run", "-d", "--name", "hcr", "--health-cmd", "test -f /tmp/ok", "--health-interval", "200ms", "--health-retries", "1", "busybox", "sh", "-c", "touch /tmp/ok; exec sleep 1000"));
  await until("healthy", () => inspect("hcr", "{{.State.Health.Status}}") === "healthy");
  d = await restartOn(d);
  expect(inspect("hcr", "{{.State.Health.Status}}")).toBe("healthy");
  ok(docker("exec", "hcr", "rm", "/tmp/ok"));
  await until("unhealthy after the restart", () => inspect("hcr", "{{.State.Health.Status}}") === "unhealthy");
  ok(docker("rm", "-f", "hcr"));
});

for (const runtime of ["skiff", "runc"]) {
  test(`update (--runtime ${runtime}): memory, swap and pids of a running container in its cgroup and inspect, kept across a stop and start; dockerd's refusals`, async () => {
    const name = `upd-${runtime}`;
    const MiB = 1024 * 1024;
    ok(docker("run", "-d", "--runtime", runtime, "--name", name, "-m", "32m", "--pids-limit", "10", "busybox", "sleep", "1000"));
    let pid = pidOf(name);
    expect(cgroupFile(pid, "memory", "memory.limit_in_bytes")).toBe(String(32 * MiB));
    expect(ok(d.docker(DOCKER_20, ["update", "-m", "48m", "--memory-swap", "96m", "--pids-limit", "20", "--cpu-shares", "512", "--restart", "on-failure:3", name]))).toBe(`${name}\n`);
    expect(cgroupFile(pid, "memory", "memory.limit_in_bytes")).toBe(String(48 * MiB));
    expect(cgroupFile(pid, "memory", "memory.memsw.limit_in_bytes")).toBe(String(96 * MiB));
    expect(cgroupFile(pid, "pids", "pids.max")).toBe("20");
    expect(cgroupFile(pid, "cpu", "cpu.shares")).toBe("512");
    const shown = "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}";
    expect(inspect(name, shown)).toBe(`${48 * MiB} ${96 * MiB} 20 512 on-failure:3`);
    // dockerd's refusals, nothing changed by them
    const below = d.skiff(["update", "--memory-swap", "16m", name]);
    expect(below.status).toBe(1);
    expect(below.stderr).toContain("Minimum memoryswap limit should be larger than memory limit, see usage");
    const small = docker("update", "-m", "4m", name);
    expect(small.status).toBe(1);
    expect(small.stderr).toContain("Minimum memory limit allowed is 6MB");
    const none = d.skiff(["update", name]);
    expect([none.status, none.stderr.includes("you must provide one or more flags when using this command")]).toEqual([1, true]);
    // below what it uses: the kernel refuses (EBUSY), and the record keeps the old limit
    ok(docker("exec", name, "dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1M", "count=20"));
    const busy = docker("update", "-m", "8m", "--memory-swap", "8m", name);
    expect([busy.status, busy.stderr]).toEqual([1, expect.stringContaining(`Error response from daemon: Cannot update container ${inspect(name, "{{.Id}}")}: `)]);
    expect(inspect(name, "{{.HostConfig.Memory}}")).toBe(String(48 * MiB));
    expect(cgroupFile(pid, "memory", "memory.limit_in_bytes")).toBe(String(48 * MiB));
    // pids unlimited again; all kept for the next start
    ok(d.skiff(["update", "--pids-limit", "-1", name]));
    expect(cgroupFile(pid, "pids", "pids.max")).toBe("max");
    ok(docker("stop", "-t", "0", name));
    ok(d.skiff(["update", "-m", "64m", name])); // a stopped container: kept for its next start
    ok(docker("start", name));
    pid = pidOf(name);
    expect(cgroupFile(pid, "memory", "memory.limit_in_bytes")).toBe(String(64 * MiB));
    expect(cgroupFile(pid, "memory", "memory.memsw.limit_in_bytes")).toBe(String(96 * MiB));
    expect(cgroupFile(pid, "pids", "pids.max")).toBe("max");
    expect(inspect(name, shown)).toBe(`${64 * MiB} ${96 * MiB} 0 512 on-failure:3`);
    ok(docker("rm", "-f", name));
  });
}

for (const runtime of ["skiff", "runc"]) {
  test(`--memory-reservation, --memory-swappiness, --oom-kill-disable, --cpu-quota, --cpu-period and --oom-score-adj (--runtime ${runtime}) reach the cgroup and the process, show in inspect, update; dockerd's refusals (a new-user trial: they were taken and dropped)`, () => {
    const name = `res-${runtime}`;
    const MiB = 1024 * 1024;
    ok(docker("run", "-d", "--runtime", runtime, "--name", name, "-m", "64m", "--memory-reservation", "32m", "--memory-swappiness", "10", "--oom-kill-disable", "--cpu-quota", "50000", "--cpu-period", "200000", "--oom-score-adj", "500", "busybox", "sleep", "1000"));
    const pid = pidOf(name);
    expect(cgroupFile(pid, "memory", "memory.soft_limit_in_bytes")).toBe(String(32 * MiB));
    expect(cgroupFile(pid, "memory", "memory.swappiness")).toBe("10");
    expect(cgroupFile(pid, "memory", "memory.oom_control")).toContain("oom_kill_disable 1");
    expect(cgroupFile(pid, "cpu", "cpu.cfs_quota_us")).toBe("50000");
    expect(cgroupFile(pid, "cpu", "cpu.cfs_period_us")).toBe("200000");
    expect(readFileSync(`/proc/${pid}/oom_score_adj`, "utf8").trim()).toBe("500");
    const shown = "{{.HostConfig.MemoryReservation}} {{.HostConfig.MemorySwappiness}} {{.HostConfig.OomKillDisable}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}} {{.HostConfig.OomScoreAdj}}";
    expect(inspect(name, shown)).toBe(`${32 * MiB} 10 true 50000 200000 500`);
    // run -d attaches to nothing, and inspect says so as dockerd's (a new-user trial: true, true)
    expect(inspect(name, "{{.Config.AttachStdout}} {{.Config.AttachStderr}}")).toBe("false false");
    ok(docker("update", "--memory-reservation", "16m", "--cpu-quota", "20000", name));
    expect(cgroupFile(pid, "memory", "memory.soft_limit_in_bytes")).toBe(String(16 * MiB));
    expect(cgroupFile(pid, "cpu", "cpu.cfs_quota_us")).toBe("20000");
    expect(inspect(name, shown)).toBe(`${16 * MiB} 10 true 20000 200000 500`);
    ok(docker("rm", "-f", name));
    const refusals: [string[], string][] = [
      [["-m", "64m", "--memory-reservation", "128m"], "Minimum memory limit can not be less than memory reservation limit, see usage"],
      [["--memory-reservation", "1k"], "Minimum memory reservation allowed is 6MB"],
      [["--cpus", "1", "--cpu-quota", "5000"], "Conflicting options: Nano CPUs and CPU Quota cannot both be set"],
      [["--cpu-period", "500"], "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)"],
      [["--cpu-quota", "500"], "CPU cfs quota can not be less than 1ms (i.e. 1000)"],
    ];
    for (const [args, words] of refusals) {
      const r = docker("run", "--rm", "--runtime", runtime, ...args, "busybox", "true");
      expect([args, r.status, r.stderr.includes(words)]).toEqual([args, 125, true]);
    }
    // dockerd's warning when there is no memory limit to stop the container
    const warned = docker("create", "--runtime", runtime, "--oom-kill-disable", "busybox", "true");
    expect(warned.stderr).toContain("WARNING: OOM killer is disabled for the container, but no memory limit is set");
    expect(inspect(warned.stdout.trim(), "{{.Config.AttachStdout}} {{.Config.AttachStderr}}")).toBe("true true");
    ok(docker("rm", warned.stdout.trim()));
  });
}

test("--cpuset-mems and --security-opt systempaths=unconfined are applied; what skiffd does not apply is refused or discarded in dockerd's words, never dropped without a word (a new-user trial beside dockerd)", () => {
  ok(docker("run", "-d", "--name", "mems", "--cpuset-mems", "0", "--security-opt", "systempaths=unconfined", "busybox", "sleep", "1000"));
  try {
    expect(cgroupFile(pidOf("mems"), "cpuset", "cpuset.mems")).toBe("0");
    // no masked /proc paths: the masks are mounts over them, and none is left
    expect(ok(docker("exec", "mems", "sh", "-c", "grep -c ' /proc/' /proc/self/mounts || true")).trim()).toBe("0");
    expect(inspect("mems", "{{.HostConfig.CpusetMems}} {{.HostConfig.MaskedPaths}} {{.HostConfig.ReadonlyPaths}}")).toBe("0 [] []");
  } finally {
    docker("rm", "-f", "mems");
  }
  const refusals: [string[], string][] = [
    [["--cpu-shares", "1"], "the minimum allowed cpu-shares is 2"],
    [["--cpu-shares", "1000000"], "the maximum allowed cpu-shares is 262144"],
    [["--cpuset-mems", "5"], "Requested memory nodes are not available - requested 5, available: "],
    [["--gpus", "all"], 'could not select device driver "" with capabilities: [[gpu]]'],
    [["--storage-opt", "size=1G"], "--storage-opt is supported only for overlay over xfs with 'pquota' mount option"],
    [["--kernel-memory", "1k"], "Minimum kernel memory limit allowed is 6MB"],
    // (--cgroup-parent and the block I/O limits are served now: skiffd-cgroup-parent, skiffd-containers)
    [["--device-read-bps", "/dev/null:1mb"], "--device-read-bps /dev/null: not a block device"],
    [["--cpu-rt-runtime", "950"], "are not served by skiffd"],
  ];
  for (const [args, words] of refusals) {
    const r = docker("run", "--rm", ...args, "busybox", "true");
    expect([args, r.status, r.stderr.includes(words)]).toEqual([args, 125, true]);
  }
  const discarded = docker("create", "--kernel-memory", "10m", "busybox", "true");
  expect(discarded.stderr).toContain("WARNING: Your kernel does not support kernel memory limit capabilities or the cgroup is not mounted. Limitation discarded.");
  ok(docker("rm", discarded.stdout.trim()));
});

test("--pid host, --ipc host, --uts host and --sysctl are applied (they were warned about and ignored); inspect shows them; dockerd's refusals", () => {
  const hostNs = (type: string) => readlinkSync(`/proc/self/ns/${type}`);
  const inside = (args: string[], cmd: string) => ok(docker("run", "--rm", "--network", "none", ...args, "busybox", "sh", "-c", cmd)).trim();
  expect(inside(["--pid", "host"], "readlink /proc/self/ns/pid")).toBe(hostNs("pid"));
  expect(inside(["--uts", "host"], "readlink /proc/self/ns/uts; hostname")).toBe(`${hostNs("uts")}\n${hostname()}`);
  const shm = `/dev/shm/skiff-test-${process.pid}`;
  writeFileSync(shm, "from the host");
  try {
    expect(inside(["--ipc", "host"], `readlink /proc/self/ns/ipc; cat ${shm}`)).toBe(`${hostNs("ipc")}\nfrom the host`);
  } finally {
    rmSync(shm, { force: true });
  }
  // without them: namespaces of the container's own
  const own = inside([], "for n in pid ipc uts; do readlink /proc/self/ns/$n; done").split("\n");
  expect(own.map((ns, i) => ns === hostNs(["pid", "ipc", "uts"][i]!))).toEqual([false, false, false]);
  expect(own[0]).toStartWith("pid:[");
  expect(inside(["--sysctl", "kernel.msgmax=65536", "--sysctl", "net.ipv4.ip_forward=1"], "cat /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ip_forward")).toBe("65536\n1");
  // a --pid host container stops and goes like any other
  ok(docker("run", "-d", "--name", "hostpid", "--network", "none", "--pid", "host", "--uts", "host", "--ipc", "host", "--sysctl", "net.ipv4.ip_forward=1", "busybox", "sleep", "1000"));
  try {
    expect(inspect("hostpid", "{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}} {{.HostConfig.Sysctls}} {{.Config.Hostname}}")).toBe(`host host host map[net.ipv4.ip_forward:1] ${hostname()}`);
    ok(docker("stop", "-t", "1", "hostpid"));
  } finally {
    docker("rm", "-f", "hostpid");
  }
  const conflict = docker("run", "--rm", "--uts", "host", "--hostname", "x", "busybox", "true");
  expect([conflict.status, conflict.stderr.includes("conflicting options: hostname and the UTS mode")]).toEqual([125, true]);
  const notAllowed = docker("run", "--rm", "--sysctl", "kernel.hostname=x", "busybox", "true");
  expect(notAllowed.status).toBe(125);
});

test("bad input: unknown and contradictory policies and checks are refused in dockerd's and docker's words; update of a --rm container's policy is refused", async () => {
  const cases: [string[], string][] = [
    [["--restart", "sometimes"], "invalid restart policy 'sometimes'"],
    [["--restart", "always:3"], "maximum retry count cannot be used with restart policy 'always'"],
    [["--restart", "on-failure:-1"], "maximum retry count cannot be negative"],
    [["--health-cmd", "true", "--health-interval", "500us"], "Interval in Healthcheck cannot be less than 1ms"],
  ];
  for (const [flags, words] of cases) {
    const r = docker("create", ...flags, "busybox");
    expect([r.status, r.stderr]).toEqual([1, expect.stringContaining(`Error response from daemon: ${words}`)]);
    const s = d.skiff(["create", ...flags, "busybox"]);
    expect(s.status).not.toBe(0);
    expect(s.stderr).toContain(words);
  }
  ok(docker("run", "-d", "--rm", "--name", "rmc", "busybox", "sleep", "1000"));
  const r = docker("update", "--restart", "always", "rmc");
  expect(r.stderr).toContain("Restart policy cannot be updated because AutoRemove is enabled for the container");
  ok(docker("rm", "-f", "rmc"));
  await until("rmc removed", () => docker("inspect", "rmc").status !== 0);
});

test("nothing is left behind", async () => {
  expect(await settledLeftovers(d)).toEqual({});
});
