// exec: further processes in a container, joined to its namespaces and cgroup.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TEST_STATE_ROOT } from "./harness/leaks.ts";
import { makeBundle, oci, runBundle, SKIFF_OCI, tempDir, type Bundle } from "./harness/oci.ts";

let b: Bundle;
beforeEach(() => {
  b = makeBundle(["sleep", "60"], (c) => (c.process.env.push("FROM_CONFIG=1")));
  expect(runBundle("skiff", b, ["--detach"]).code).toBe(0);
});
afterEach(() => {
  oci("skiff", ["delete", "--force", b.id]);
  b.remove();
});

test("runs in the container's namespaces and cgroup and exits with the process's status", () => {
  const init = JSON.parse(oci("skiff", ["state", b.id]).stdout).pid as number;
  const r = oci("skiff", ["exec", b.id, "sh", "-c", "hostname; cat /proc/self/cgroup | sort; for n in mnt net pid uts ipc; do readlink /proc/self/ns/$n; done; exit 3"]);
  expect(r.code).toBe(3);
  const hostSide = ["mnt", "net", "pid", "uts", "ipc"].map((n) => readlinkSync(`/proc/${init}/ns/${n}`));
  const lines = r.stdout.trim().split("\n");
  expect(lines[0]).toBe("runc");
  expect(lines.slice(-5)).toEqual(hostSide);
  const cgroups = lines.slice(1, -5);
  expect(cgroups.join("\n")).toBe(readFileSync(`/proc/${init}/cgroup`, "utf8").trim().split("\n").sort().join("\n"));
});

test("takes user, cwd, env, additional gids and capabilities from flags over the config's process", () => {
  const r = oci("skiff", ["exec", "--user", "65534:65534", "-g", "10", "--cwd", "/tmp", "-e", "EXTRA=2", "--cap", "CAP_NET_RAW", b.id, "sh", "-c", "id -u; id -G; pwd; echo $FROM_CONFIG$EXTRA; grep CapBnd /proc/self/status"]);
  expect(r.stderr).toBe("");
  expect(r.stdout).toBe("65534\n65534 10\n/tmp\n12\nCapBnd:\t0000000020002420\n");
});

test("--process runs a runtime-spec process file", () => {
  const file = join(tempDir("proc"), "process.json");
  writeFileSync(file, JSON.stringify({ args: ["sh", "-c", "echo $ONLY; id -u"], env: ["ONLY=yes"], cwd: "/", user: { uid: 7, gid: 7 } }));
  expect(oci("skiff", ["exec", "--process", file, b.id])).toMatchObject({ code: 0, stdout: "yes\n7\n" });
});

test("--detach returns at once and --pid-file names the process", async () => {
  const pidFile = join(tempDir("pid"), "pid");
  expect(oci("skiff", ["exec", "--detach", "--pid-file", pidFile, b.id, "sleep", "30"]).code).toBe(0);
  const pid = Number(readFileSync(pidFile, "utf8"));
  expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).toBe("sleep\x0030\x00");
  expect(oci("skiff", ["exec", b.id, "ps"]).stdout).toMatch(/sleep 30/);
});

test("a terminal without a console socket is relayed", () => {
  const r = Bun.spawnSync(["script", "-qec", `${SKIFF_OCI} --root ${TEST_STATE_ROOT}/skiff exec -t ${b.id} tty`, "/dev/null"]);
  expect(r.stdout.toString()).toMatch(/\/dev\/pts\/\d+\r?\n/);
  expect(r.exitCode).toBe(0);
});

test("bad exec requests fail clearly", () => {
  expect(oci("skiff", ["exec", b.id, "/no/such"]).stderr).toMatch(/^runtime: find executable "\/no\/such" in the container: ENOENT/);
  expect(oci("skiff", ["exec", b.id]).stderr).toMatch(/^cli: exec: no command given/);
  expect(oci("skiff", ["exec", "--user", "root", b.id, "true"]).stderr).toMatch(/uid "root" is not a number/);
  // a relative --cwd, refused as runc refuses it, with its status (a new-user trial: it ran in /tmp)
  const relative = oci("skiff", ["exec", "--cwd", "tmp", b.id, "true"]);
  expect([relative.code, relative.stderr.includes("Cwd must be an absolute path")]).toEqual([255, true]);
  // (an unknown --cap is left out with runc's warning: oci-runc-parity)
  expect(oci("skiff", ["exec", "--cap", "CAP_FLY", b.id, "true"]).stderr).toMatch(/ignoring unknown or unavailable capabilities: \[CAP_FLY\]/);
  oci("skiff", ["kill", b.id, "KILL"]);
  for (let i = 0; i < 100 && !oci("skiff", ["state", b.id]).stdout.includes("stopped"); i++) Bun.sleepSync(10);
  expect(oci("skiff", ["exec", b.id, "true"]).stderr).toMatch(/^runtime: exec in container ".*": it is stopped/);
});

test("--debug prints exec's trace: each step up to the exit, or up to the step that failed", () => {
  // (it printed an empty "trace: " line: exec marked no step)
  const ok = oci("skiff", ["--debug", "exec", b.id, "true"]);
  expect(ok.code).toBe(0);
  expect(ok.stderr).toMatch(/^debug: trace: start-up .* → config read .* → plan built .* → executor spawned .* → process forked .* → process started .* → exited [\d.]+ms \(\+[\d.]+\)$/m);
  const bad = oci("skiff", ["--debug", "exec", b.id, "nosuchcmd"]);
  expect(bad.code).toBe(255);
  expect(bad.stderr).toMatch(/^debug: trace: start-up .* → executor spawned .* → failed at step resolveExec \(RUNTIME_STEP_FAILED\) [\d.]+ms \(\+[\d.]+\)\nruntime: find executable "nosuchcmd"/m);
});

test("a working directory that is a file: the step's error, with a hint that says so", () => {
  // (a new-user trial: `skiff run -w /etc/passwd` gave the step's ENOTDIR without a hint)
  const r = oci("skiff", ["exec", "--cwd", "/etc/passwd", b.id, "true"]);
  expect(r.code).toBe(255);
  expect(r.stderr).toMatch(/^runtime: change to working directory \/etc\/passwd: ENOTDIR .*\(RUNTIME_STEP_FAILED\)\nhint: the working directory \(process\.cwd, -w\) is a file/m);
});

test("--cap gives what runc gives since CVE-2022-29162: bounding, effective and permitted, never inheritable or ambient", () => {
  const sets = (runtime: "skiff" | "runc", user: string[]) => {
    const c = makeBundle(["sleep", "60"]);
    try {
      expect(runBundle(runtime, c, ["--detach"]).code).toBe(0);
      const r = oci(runtime, ["exec", ...user, "--cap", "CAP_NET_RAW", "--cap", "CAP_SYS_ADMIN", c.id, "grep", "^Cap", "/proc/self/status"]);
      return `${r.code} ${r.stdout}${r.stderr}`;
    } finally {
      oci(runtime, ["delete", "--force", c.id]);
      c.remove();
    }
  };
  // (as 65534 the process held NET_RAW in all five sets: CapInh, CapPrm, CapEff, CapAmb 0x2000)
  const nobody = sets("skiff", ["--user", "65534:65534"]);
  expect(nobody).toMatch(/CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n/);
  expect(nobody).toMatch(/CapAmb:\t0000000000000000/);
  expect(nobody).toBe(sets("runc", ["--user", "65534:65534"]));
  expect(sets("skiff", [])).toBe(sets("runc", []));
});

test("uid and gid (uid_t)-1 are refused, as runc refuses them, not run as root", () => {
  // (setresuid reads 4294967295 as "unchanged": the process ran as root)
  const r = oci("skiff", ["exec", "--user", "4294967295:4294967295", b.id, "id"]);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/uid 4294967295 is out of range: uids and gids must be in range 0-2147483647/);
  expect(oci("skiff", ["exec", "--user", "1000:4294967295", b.id, "id"]).stderr).toMatch(/gid 4294967295 is out of range/);
  const c = makeBundle(["id"], (cfg) => (cfg.process.user = { uid: 4294967295, gid: 4294967295 }));
  try {
    const run = runBundle("skiff", c);
    expect(run.stdout).toBe("");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/process\.user\.uid must be an integer in \[0, 2147483647\], got 4294967295/);
    expect(runBundle("runc", c).code).toBe(1);
  } finally {
    oci("skiff", ["delete", "--force", c.id]);
    oci("runc", ["delete", "--force", c.id]);
    c.remove();
  }
});
