// Commands on a running container: pause/resume, ps, update, events, features.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupV1Files } from "./harness/cgroup-probe.ts";
import { TEST_STATE_ROOT } from "./harness/leaks.ts";
import { makeBundle, oci, runBundle, SKIFF_OCI, type Bundle } from "./harness/oci.ts";

let b: Bundle;
beforeEach(() => {
  b = makeBundle(["sh", "-c", "sleep 60 & sleep 60"], (c) => (c.linux.resources = { memory: { limit: 64 << 20 }, pids: { limit: 100 } }));
  expect(runBundle("skiff", b, ["--detach"]).code).toBe(0);
  // both sleeps running (sh forks one and execs the other) before a test looks
  const deadline = Date.now() + 5000;
  while ((JSON.parse(oci("skiff", ["ps", "--format", "json", b.id]).stdout || "[]") as number[]).length < 2 && Date.now() < deadline) Bun.sleepSync(10);
});
afterEach(() => {
  oci("skiff", ["delete", "--force", b.id]);
  b.remove();
});
const status = () => JSON.parse(oci("skiff", ["state", b.id]).stdout).status as string;
const cgroupFile = (controller: string, file: string) => readFileSync(join("/sys/fs/cgroup", controller, b.config.linux.cgroupsPath, file), "utf8").trim();

test("pause freezes every process and resume thaws them", () => {
  expect(oci("skiff", ["pause", b.id]).code).toBe(0);
  expect(status()).toBe("paused");
  const pids = JSON.parse(oci("skiff", ["ps", "--format", "json", b.id]).stdout) as number[];
  expect(pids.length).toBe(2); // sh exec-ed the last sleep
  for (const pid of pids) expect(readFileSync(`/proc/${pid}/stat`, "utf8")).toMatch(/\) [DS] /);
  expect(oci("skiff", ["pause", b.id]).stderr).toMatch(/it is paused/);
  expect(oci("skiff", ["resume", b.id]).code).toBe(0);
  expect(status()).toBe("running");
  expect(oci("skiff", ["resume", b.id]).stderr).toMatch(/it is running/);
});

test("delete --force of a paused container kills it", () => {
  expect(oci("skiff", ["pause", b.id]).code).toBe(0);
  const started = Date.now();
  expect(oci("skiff", ["delete", "--force", b.id]).code).toBe(0);
  expect(Date.now() - started).toBeLessThan(2000);
});

test("kill KILL of a paused container stops it, as runc's (it thaws the cgroup: a frozen task takes SIGKILL only then); --all too", async () => {
  // a new-user trial: the container stayed paused, and containerd's `tasks rm -f` hung on it
  for (const all of [false, true]) {
    if (all) {
      oci("skiff", ["delete", "--force", b.id]);
      expect(runBundle("skiff", b, ["--detach"]).code).toBe(0);
    }
    expect(oci("skiff", ["pause", b.id]).code).toBe(0);
    expect(oci("skiff", ["kill", ...(all ? ["--all"] : []), b.id, "KILL"]).code).toBe(0);
    const deadline = Date.now() + 5000;
    while (status() !== "stopped" && Date.now() < deadline) await Bun.sleep(20);
    expect([all, status()]).toEqual([all, "stopped"]);
  }
});

test("ps lists the container's processes as a table (with ps options) and as JSON", () => {
  const json = JSON.parse(oci("skiff", ["ps", "--format", "json", b.id]).stdout) as number[];
  expect(json).toHaveLength(2);
  const table = oci("skiff", ["ps", b.id, "-o", "pid,comm"]).stdout.trim().split("\n");
  expect(table[0]).toMatch(/PID\s+COMMAND/);
  expect(table.slice(1).map((l) => l.trim().split(/\s+/)[1]).sort()).toEqual(["sleep", "sleep"]);
});

test("update changes limits with runc's flags and with a resources file", () => {
  expect(oci("skiff", ["update", "--memory", "32m", "--pids-limit", "20", "--cpu-quota", "50000", "--cpu-period", "100000", b.id]).code).toBe(0);
  expect(cgroupFile("memory", "memory.limit_in_bytes")).toBe(String(32 << 20));
  expect(cgroupFile("pids", "pids.max")).toBe("20");
  expect(cgroupFile("cpu", "cpu.cfs_quota_us")).toBe("50000");
  // runc's --cpu-share (refused before: "unknown flag --cpu-share"), and docker's spelling
  expect(oci("skiff", ["update", "--cpu-share", "256", b.id])).toMatchObject({ code: 0, stderr: "" });
  expect(cgroupFile("cpu", "cpu.shares")).toBe("256");
  expect(oci("skiff", ["update", "--cpu-shares", "512", b.id])).toMatchObject({ code: 0, stderr: "" });
  expect(cgroupFile("cpu", "cpu.shares")).toBe("512");
  expect(oci("skiff", ["update", "--resources", "-", b.id], { input: JSON.stringify({ pids: { limit: 7 } }) }).code).toBe(0);
  expect(cgroupFile("pids", "pids.max")).toBe("7");
  expect(cgroupFile("memory", "memory.limit_in_bytes")).toBe(String(32 << 20));
  expect(oci("skiff", ["update", "--memory", "lots", b.id]).stderr).toMatch(/--memory "lots" is not a size/);
  expect(oci("skiff", ["update", "--resources", "-", b.id], { input: '{"pids": {"limit": "x"}}' }).stderr).toMatch(/linux\.resources\.pids\.limit/);
});

test("events --stats prints the cgroup's statistics once", () => {
  const e = JSON.parse(oci("skiff", ["events", "--stats", b.id]).stdout);
  expect(e).toMatchObject({ type: "stats", id: b.id, data: { memory: { usage: { limit: 64 << 20 } }, pids: { current: 2, limit: 100 } } });
  expect(e.data.cpu.usage.total).toBeGreaterThan(0);
});

test("features describes the runtime", () => {
  const f = JSON.parse(oci("skiff", ["features"]).stdout);
  // the spec version --version and the state give (a new-user trial: features said 1.3.0, the others 1.2.0)
  expect(f.ociVersionMax).toBe(/spec: (\S+)/.exec(oci("skiff", ["--version"]).stdout)?.[1]);
  expect(f.mountOptions).toContain("tmpcopyup");
  expect(f.hooks).toContain("createContainer");
  expect(f.linux.namespaces).toContain("time");
  expect(f.linux.seccomp.enabled).toBe(true);
  expect(f.mountOptions).toContain("rro");
});

test("events streams stats and reports an OOM kill", async () => {
  // no swapping out of the limit: memory+swap capped where the kernel accounts swap, else swappiness 0
  const noSwap = cgroupV1Files("memory").has("memory.memsw.limit_in_bytes") ? { swap: 16 << 20 } : { swappiness: 0 };
  const hog = makeBundle(["sh", "-c", "sleep 0.5; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 1"], (c) => (c.linux.resources = { memory: { limit: 16 << 20, ...noSwap } }));
  try {
    expect(runBundle("skiff", hog, ["--detach"]).code).toBe(0);
    const events = Bun.spawn([SKIFF_OCI, "--root", `${TEST_STATE_ROOT}/skiff`, "events", "--interval", "200ms", hog.id], { stdout: "pipe" });
    const lines = (await new Response(events.stdout).text()).trim().split("\n").map((l) => JSON.parse(l) as { type: string; id: string });
    expect(await events.exited).toBe(0);
    expect(lines.filter((e) => e.type === "oom")).toEqual([{ type: "oom", id: hog.id }]);
    expect(lines.filter((e) => e.type === "stats").length).toBeGreaterThan(1);
  } finally {
    oci("skiff", ["delete", "--force", hog.id]);
    hog.remove();
  }
});
