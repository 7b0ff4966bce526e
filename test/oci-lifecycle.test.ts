// The OCI lifecycle through bin/skiff-oci: create, state, start, kill, delete, list, run.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TEST_STATE_ROOT } from "./harness/leaks.ts";
import { bundleFactory, oci, runBundle, SKIFF_OCI, tempDir } from "./harness/oci.ts";

const bundle = bundleFactory();

const state = (id: string) => JSON.parse(oci("skiff", ["state", id]).stdout) as { status: string; pid: number; id: string; bundle: string };

const waitFor = async (cond: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(10)) if (cond()) return;
  throw new Error("timed out waiting");
};

describe("run", () => {
  test("prints the container's output and exits with its status", () => {
    const b = bundle(["sh", "-c", "echo out; echo err >&2; exit 7"]);
    const r = runBundle("skiff", b);
    expect(r.stdout).toBe("out\n");
    expect(r.stderr).toBe("err\n");
    expect(r.code).toBe(7);
    expect(oci("skiff", ["state", b.id]).code).toBe(1);
  });

  test("--debug on a failing run prints the trace up to the failing step, then the error", () => {
    const b = bundle(["nosuchcmd"]);
    const r = oci("skiff", ["--debug", "run", "--bundle", b.dir, b.id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^debug: trace: start-up .* → plan built .* → executor spawned .* → failed at step resolveExec \(RUNTIME_STEP_FAILED\) [\d.]+ms \(\+[\d.]+\)\nruntime: find executable "nosuchcmd"/m);
  });

  test("a container killed by a signal exits 128+N", async () => {
    const b = bundle(["sleep", "30"]);
    const run = Bun.spawn([SKIFF_OCI, "--root", `${TEST_STATE_ROOT}/skiff`, "run", "--bundle", b.dir, b.id], { stdio: ["ignore", "ignore", "ignore"] });
    await waitFor(() => oci("skiff", ["state", b.id]).stdout.includes('"running"'));
    expect(oci("skiff", ["kill", b.id, "KILL"]).code).toBe(0);
    expect(await run.exited).toBe(137);
  });

  test("signals sent to run reach the container", async () => {
    const b = bundle(["sh", "-c", "trap 'exit 42' TERM; sleep 30 & wait"]);
    const run = Bun.spawn([SKIFF_OCI, "--root", `${TEST_STATE_ROOT}/skiff`, "run", "--bundle", b.dir, b.id], { stdio: ["ignore", "ignore", "ignore"] });
    await waitFor(() => oci("skiff", ["state", b.id]).stdout.includes('"running"'));
    await Bun.sleep(50);
    run.kill("SIGTERM");
    expect(await run.exited).toBe(42);
  });

  test("--detach leaves the container running", async () => {
    const b = bundle(["sleep", "30"]);
    expect(runBundle("skiff", b, ["--detach"]).code).toBe(0);
    expect(state(b.id).status).toBe("running");
    expect(oci("skiff", ["kill", b.id, "KILL"]).code).toBe(0);
    await waitFor(() => state(b.id).status === "stopped");
    expect(oci("skiff", ["delete", b.id]).code).toBe(0);
  });
});

describe("create and start", () => {
  test("the init waits after create and runs after start", async () => {
    const dir = tempDir("out");
    const b = bundle(["sh", "-c", "echo started > /out/marker"], (c) => {
      c.mounts.push({ destination: "/out", type: "bind", source: dir, options: ["rbind", "rw"] });
    });
    const pidFile = join(dir, "pid");
    const created = oci("skiff", ["create", "--bundle", b.dir, "--pid-file", pidFile, b.id]);
    expect(created).toMatchObject({ code: 0, stderr: "" });
    const s = state(b.id);
    expect(s.status).toBe("created");
    expect(s.bundle).toBe(b.dir);
    expect(Number(readFileSync(pidFile, "utf8"))).toBe(s.pid);
    expect(existsSync(join(dir, "marker"))).toBe(false);
    expect(oci("skiff", ["start", b.id]).code).toBe(0);
    await waitFor(() => existsSync(join(dir, "marker")));
    await waitFor(() => state(b.id).status === "stopped");
    expect(state(b.id).pid).toBe(0);
    expect(oci("skiff", ["delete", b.id]).code).toBe(0);
    expect(oci("skiff", ["state", b.id]).code).toBe(1);
  });

  test("state reports running, then stopped when the process ends on its own", async () => {
    const b = bundle(["sleep", "0.3"]);
    expect(oci("skiff", ["create", "--bundle", b.dir, b.id]).code).toBe(0);
    expect(oci("skiff", ["start", b.id]).code).toBe(0);
    expect(state(b.id).status).toBe("running");
    await waitFor(() => state(b.id).status === "stopped");
  });

  test("a signal to a created container ends it or not as runc's (its waiting init is a pid namespace's init, which the kernel spares an unhandled TERM; runc's outlives real-time signals)", async () => {
    // 34, 35 and 36: the first real-time signals, where glibc's SIGRTMIN (34) and musl's (35) differ
    for (const sig of ["TERM", "HUP", "USR1", "34", "35", "36"]) {
      const outcome: Record<string, string> = {};
      for (const runtime of ["runc", "skiff"] as const) {
        const b = bundle(["sleep", "60"]);
        expect(oci(runtime, ["create", "--bundle", b.dir, b.id]).code).toBe(0);
        expect(oci(runtime, ["kill", b.id, sig]).code).toBe(0);
        const status = () => JSON.parse(oci(runtime, ["state", b.id]).stdout).status as string;
        const deadline = Date.now() + 1000;
        while (status() !== "stopped" && Date.now() < deadline) await Bun.sleep(20);
        outcome[runtime] = status();
        expect(oci(runtime, ["delete", "--force", b.id]).code).toBe(0);
      }
      expect([sig, outcome.skiff]).toEqual([sig, outcome.runc!]);
      if (sig === "TERM") expect(outcome.skiff).toBe("stopped");
    }
  });

  test("a created container can be deleted without --force", () => {
    const b = bundle(["true"]);
    expect(oci("skiff", ["create", "--bundle", b.dir, b.id]).code).toBe(0);
    expect(oci("skiff", ["delete", b.id]).code).toBe(0);
    expect(oci("skiff", ["list", "-q"]).stdout).not.toContain(b.id);
  });
});

test("delete --force while another process creates the container refuses, and signals nothing (the state's pid 0 is no process)", async () => {
  // a new-user trial: the delete sent kill(0, SIGKILL), which took its own process group with it
  const b = bundle(["true"], (c) => {
    (c as { hooks?: unknown }).hooks = { prestart: [{ path: "/bin/sleep", args: ["sleep", "2"] }] };
  });
  const root = ["--root", `${TEST_STATE_ROOT}/skiff`];
  const create = Bun.spawn([SKIFF_OCI, ...root, "create", "--bundle", b.dir, b.id], { stdio: ["ignore", "ignore", "ignore"] });
  await waitFor(() => oci("skiff", ["state", b.id]).stdout.includes('"creating"'));
  // in a session of its own: the bug would kill its group, not the test's
  const del = spawnSync("setsid", ["-w", SKIFF_OCI, ...root, "delete", "--force", b.id], { encoding: "utf8", timeout: 10_000 });
  const created = await create.exited; // (before any expect: the clean-up's delete must not meet a create)
  expect([del.status, del.signal]).toEqual([1, null]);
  expect(del.stderr).toContain(`delete container "${b.id}": it is being created by pid`);
  expect(del.stderr).toContain("RUNTIME_STILL_CREATING");
  expect(created).toBe(0);
  expect(state(b.id).status).toBe("created");
  expect(oci("skiff", ["delete", b.id]).code).toBe(0);
});

describe("kill and list", () => {
  test("kill accepts names and numbers, and --all signals every process", async () => {
    const b = bundle(["sh", "-c", "trap 'exit 3' USR1; sleep 30 & wait"]);
    expect(runBundle("skiff", b, ["--detach"]).code).toBe(0);
    expect(oci("skiff", ["kill", b.id, "USR1"]).code).toBe(0);
    await waitFor(() => state(b.id).status === "stopped");
    oci("skiff", ["delete", b.id]);

    const c = bundle(["sh", "-c", "sleep 30 & sleep 30"]);
    expect(runBundle("skiff", c, ["--detach"]).code).toBe(0);
    expect(oci("skiff", ["kill", "--all", c.id, "9"]).code).toBe(0);
    await waitFor(() => state(c.id).status === "stopped");
  });

  test("list shows containers as a table, as JSON and as ids", () => {
    const b = bundle(["sleep", "30"]);
    expect(oci("skiff", ["create", "--bundle", b.dir, b.id]).code).toBe(0);
    const table = oci("skiff", ["list"]).stdout.split("\n");
    expect(table[0]).toMatch(/^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
    expect(table.find((l) => l.startsWith(b.id))).toMatch(/created/);
    const json = JSON.parse(oci("skiff", ["list", "--format", "json"]).stdout) as { id: string; status: string }[];
    expect(json.find((c) => c.id === b.id)?.status).toBe("created");
    expect(oci("skiff", ["list", "-q"]).stdout.split("\n")).toContain(b.id);
  });
});

describe("namespaces and spec", () => {
  test("new time and cgroup namespaces (runc 1.1 has no time namespace)", () => {
    const b = bundle(["sh", "-c", "readlink /proc/self/ns/time; readlink /proc/self/ns/cgroup; grep memory /proc/self/cgroup"], (c) => c.linux.namespaces.push({ type: "time" }, { type: "cgroup" }));
    const r = runBundle("skiff", b);
    const [time, cgroup, memory] = r.stdout.trim().split("\n");
    expect(time).not.toBe(require("node:fs").readlinkSync("/proc/self/ns/time"));
    expect(cgroup).not.toBe(require("node:fs").readlinkSync("/proc/self/ns/cgroup"));
    expect(memory).toMatch(/:memory:\/$/);
  });

  test("spec writes runc's default config, and refuses to overwrite it", () => {
    const dir = tempDir("spec");
    expect(oci("skiff", ["spec", "--bundle", dir]).code).toBe(0);
    const c = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(c).toMatchObject({ ociVersion: "1.0.2-dev", process: { terminal: true, args: ["sh"] }, root: { path: "rootfs", readonly: true } });
    expect(oci("skiff", ["spec", "--bundle", dir]).stderr).toMatch(/config\.json: file exists/);
    const rootless = tempDir("spec");
    expect(oci("skiff", ["spec", "--rootless", "--bundle", rootless]).code).toBe(0);
    const r = JSON.parse(readFileSync(join(rootless, "config.json"), "utf8"));
    expect(r.linux.namespaces.map((n: { type: string }) => n.type)).toContain("user");
    expect(r.linux.uidMappings).toEqual([{ containerID: 0, hostID: 0, size: 1 }]);
    // both are runc's, field for field (a trial: --rootless had left out /sys/fs/cgroup)
    for (const flags of [[], ["--rootless"]]) {
      const [ours, theirs] = [tempDir("spec"), tempDir("spec")];
      expect(oci("skiff", ["spec", ...flags, "--bundle", ours]).code).toBe(0);
      expect(oci("runc", ["spec", ...flags, "--bundle", theirs]).code).toBe(0);
      expect(JSON.parse(readFileSync(join(ours, "config.json"), "utf8"))).toEqual(JSON.parse(readFileSync(join(theirs, "config.json"), "utf8")));
    }
  });
});

test("process.oomScoreAdj with a user namespace mapped to other host ids is set, as under runc (it was set from inside, where the file is an unmapped uid's: EACCES)", () => {
  for (const runtime of ["runc", "skiff"] as const) {
    const b = bundle(["cat", "/proc/self/oom_score_adj"], (c) => {
      c.linux.namespaces.push({ type: "user" });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.process.oomScoreAdj = 500;
    });
    chmodSync(b.dir, 0o755); // (the mapped root reaches its config and rootfs)
    const r = runBundle(runtime, b);
    expect([runtime, r.code, r.stdout, r.stderr]).toEqual([runtime, 0, "500\n", ""]);
  }
});

test("rootless: a non-root user runs its spec --rootless container without a cgroup of its own", () => {
  const dir = tempDir("rootless");
  const b = bundle(["sh", "-c", "id -u; echo ok"], (c) => {
    c.linux.namespaces = [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "user" }];
    c.linux.uidMappings = [{ containerID: 0, hostID: 65534, size: 1 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: 65534, size: 1 }];
    // as spec --rootless: no cgroup or sysfs mount, and devpts without gid=5 (unmapped here)
    c.mounts = c.mounts.filter((m: { type: string }) => m.type !== "cgroup" && m.type !== "sysfs");
    for (const m of c.mounts) m.options = (m.options ?? []).filter((o: string) => o !== "gid=5");
    delete c.linux.resources;
  });
  for (const d of [dir, b.dir]) chmodSync(d, 0o777);
  const r = Bun.spawnSync(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", SKIFF_OCI, "--root", join(dir, "state"), "run", "--bundle", b.dir, b.id]);
  expect(r.stderr.toString()).toBe("");
  expect(r.stdout.toString()).toBe("0\nok\n");
  expect(r.exitCode).toBe(0);
});
