// skiff doctor's host checks on fake trees (the hosts this machine cannot be) and on this host.
import { afterEach, expect, test } from "bun:test";
import { checkHost } from "./doctor.ts";
import { hostReader } from "./host-reader.ts";
import { kernelVersion } from "./kernel-checks.ts";
import { HEALTHY, makeFakeHost, type FakeHost } from "./testing/fake-host.ts";

const made: (() => void)[] = [];
afterEach(() => made.splice(0).forEach((remove) => remove()));

function doctor(over: Partial<FakeHost> = {}) {
  const fake = makeFakeHost(over);
  made.push(fake.remove);
  const r = checkHost({ dataRoot: "/var/lib/skiff", host: fake.reader });
  const byName = Object.fromEntries(r.checks.map((c) => [c.name, c]));
  const notOk = r.checks.filter((c) => c.status !== "ok").map((c) => `${c.status} ${c.name}`);
  return { ...r, byName, notOk };
}

test("a healthy cgroup v2 host: every check ok, freezer and devices done v2's way", () => {
  const r = doctor();
  expect(r.notOk).toEqual([]);
  expect(r.ok).toBe(true);
  expect(r.byName["cgroup version"]!.found).toStartWith("cgroup v2 (unified), mounted at /sys/fs/cgroup");
  expect(r.byName["freezer controller"]!.found).toBe("cgroup v2 freezes with cgroup.freeze");
  expect(r.byName["disk space"]!.found).toBe("20.00 GiB free of 40.00 GiB under /var/lib/skiff");
});

test("cgroup v1 only and hybrid: controllers from the v1 hierarchies; a missing one names the flags it breaks", () => {
  const v1 = doctor({ cgroups: "v1", controllers: ["cpu,cpuacct", "cpuset", "memory", "devices", "freezer", "pids"].flatMap((c) => c.split(",")) });
  expect(v1.notOk).toEqual([]);
  expect(v1.byName["cgroup version"]!.found).toStartWith("cgroup v1, mounted at");
  const hybrid = doctor({ cgroups: "hybrid", controllers: ["cpu", "cpuset", "memory", "devices", "freezer"] });
  expect(hybrid.byName["cgroup version"]!.found).toStartWith("cgroup v1 and v2 (hybrid");
  expect(hybrid.notOk).toEqual(["warning pids controller"]);
  expect(hybrid.byName["pids controller"]!.breaks).toContain("--pids-limit");
  expect(hybrid.ok).toBe(true);
  const v2 = doctor({ controllers: ["cpu", "pids"] });
  expect(v2.notOk).toEqual(["warning memory controller", "warning cpuset controller"]);
  expect(v2.byName["memory controller"]!.breaks).toContain("--memory");
});

test("no cgroup file system, no overlay, no seccomp, an old kernel: missing, needed, doctor fails", () => {
  for (const [over, name, breaks] of [
    [{ cgroups: "none" }, "cgroup file system", "every container"],
    [{ filesystems: ["nodev\tproc", "\text4"] }, "overlayfs", "every container"],
    [{ seccomp: false }, "seccomp", "seccomp=unconfined"],
    [{ release: "5.4.0-150-generic" }, "openat2", "RESOLVE_IN_ROOT"],
    [{ namespaces: HEALTHY.namespaces.filter((n) => n !== "pid") }, "PID namespaces", "every container"],
    [{ space: { available: 10 << 20, total: 2 ** 30 } }, "disk space", "pulls"],
  ] as [Partial<FakeHost>, string, string][]) {
    const r = doctor(over);
    expect([name, r.byName[name]!.status, r.ok]).toEqual([name, "missing", false]);
    expect(r.byName[name]!.breaks).toContain(breaks);
  }
});

test("overlay as a module counts; user namespaces absent or disabled, no iptables, no CNI: warnings with what they break", () => {
  expect(doctor({ filesystems: ["nodev\tproc"], overlayModule: true }).byName.overlayfs!.found).toBe("a module, loaded on first use");
  const noUser = doctor({ namespaces: HEALTHY.namespaces.filter((n) => n !== "user") });
  expect([noUser.notOk, noUser.ok]).toEqual([["warning user namespaces"], true]);
  expect(noUser.byName["user namespaces"]!.breaks).toContain("rootless");
  expect(doctor({ maxUserNamespaces: 0 }).byName["user namespaces"]!.found).toContain("max_user_namespaces is 0");
  const bare = doctor({ iptables: false, cniPlugins: [], seccompActions: ["kill_process", "errno", "allow"] });
  expect(bare.notOk).toEqual(["warning seccomp", "warning iptables", "warning CNI plugins"]);
  expect(bare.byName["CNI plugins"]!.found).toBe("none in /usr/lib/cni or /opt/cni/bin");
  expect(doctor({ cniPlugins: ["bridge", "loopback"] }).byName["CNI plugins"]!.found).toBe("/usr/lib/cni lacks host-local, portmap, firewall");
  expect(doctor({ release: "5.8.0" }).notOk).toEqual(["warning close_range"]);
});

test("system calls run for real win over the release: ENOSYS is missing, EPERM is a sandbox refusing it", () => {
  const noOpenat2 = doctor({ syscalls: { openat2: "ENOSYS", close_range: "ok" } });
  expect([noOpenat2.byName.openat2!.status, noOpenat2.byName.openat2!.found, noOpenat2.ok]).toEqual(["missing", "the kernel does not have it (ENOSYS; it came with Linux 5.6)", false]);
  expect(noOpenat2.byName.close_range!.found).toBe("runs (called with arguments that change nothing)");
  const sandboxed = doctor({ syscalls: { openat2: "ok", close_range: "EPERM" } });
  expect([sandboxed.byName.close_range!.status, sandboxed.ok]).toEqual(["warning", true]);
  expect(sandboxed.byName.close_range!.found).toStartWith("refused here with EPERM");
});

test("kernel releases are read by their first two numbers", () => {
  expect(kernelVersion("6.18.0-1-amd64")).toEqual([6, 18]);
  expect(kernelVersion("5.10.0-28-cloud-amd64\n")).toEqual([5, 10]);
  expect(kernelVersion("garbage")).toBeUndefined();
});

test("this host: the checks run on the real /proc and /sys, and skiff's own needs are met (the suite runs containers here)", () => {
  const r = checkHost({ dataRoot: "/var/lib/skiff", host: hostReader("/") });
  expect(r.checks.find((c) => c.name === "kernel version")!.found).toMatch(/^kernel \d+\.\d+/);
  expect(r.checks.find((c) => c.name === "cgroup version")!.status).toBe("ok");
  // openat2 and close_range are run for real here, not judged by the release
  for (const call of ["openat2", "close_range"]) expect(r.checks.find((c) => c.name === call)!.found).toBe("runs (called with arguments that change nothing)");
  expect(r.checks.filter((c) => c.status === "missing").map((c) => c.name)).toEqual([]);
  expect(r.ok).toBe(true);
});
