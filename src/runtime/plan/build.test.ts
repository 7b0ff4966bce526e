import { describe, expect, test } from "bun:test";
import { checkRuntimeConfig } from "../../oci/runtime-config.ts";
import { defaultSpec } from "../spec-default.ts";
import { buildCreatePlan, type PlanInput } from "./build.ts";
import { MS } from "./mount-options.ts";
import type { Step } from "./step.ts";

function plan(edit: (c: any) => void = () => {}, extra: Partial<PlanInput> = {}): Step[] {
  const raw = defaultSpec() as any;
  raw.process.terminal = false;
  raw.root.path = "/tmp";
  raw.mounts = raw.mounts.filter((m: any) => m.type !== "cgroup");
  edit(raw);
  return buildCreatePlan({
    config: checkRuntimeConfig(raw), bundle: "/b", rootfs: "/b/rootfs", fifoPath: "/s/exec.fifo", preserveFds: 0, noPivot: false, foreground: false,
    cgroupProcs: ["/sys/fs/cgroup/pids/c/cgroup.procs"], cgroup: { hierarchies: [], cgroupns: false }, home: "/root",
    host: { lastCap: 40, apparmor: false, selinux: false, rootless: false }, ...extra,
  });
}
const ops = (steps: Step[]) => steps.map((s) => s.op);
const find = <T = any>(steps: Step[], op: string, n = 0): T => steps.filter((s) => s.op === op)[n]?.args as T;

describe("buildCreatePlan", () => {
  test("runs the launcher, intermediate and init steps in order", () => {
    const o = ops(plan());
    expect(o.slice(0, 5)).toEqual(["openPath", "mkfifo", "openPath", "spawn", "joinCgroup"]);
    expect(o.indexOf("unshare")).toBeLessThan(o.indexOf("forkInit"));
    expect(o.indexOf("bindRootfs")).toBeLessThan(o.indexOf("pivotRoot"));
    expect(o.indexOf("pivotRoot")).toBeLessThan(o.indexOf("maskPath"));
    expect(o.slice(-5)).toEqual(["keepFds", "ready", "waitStart", "afterStart", "exec"]);
    // after start no runtime hears the init: it keeps the words of what follows to say a failure
    expect(find(plan(), "afterStart").whats).toEqual(['runtime: exec "sh"']);
  });

  test("creates the new namespaces in one unshare, the user namespace first and alone", () => {
    expect(find(plan(), "unshare").flags).toBe(0x20000000 | 0x40000000 | 0x08000000 | 0x04000000 | 0x00020000);
    const steps = plan((c) => {
      c.linux.namespaces.push({ type: "user" });
      c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 10 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 2000, size: 10 }];
    });
    expect(find(steps, "unshare").flags).toBe(0x10000000);
    expect(ops(steps).indexOf("syncUserMaps")).toBe(ops(steps).indexOf("unshare") + 1);
    expect(find(steps, "userMaps")).toEqual({ uidMap: "0 1000 10\n", gidMap: "0 2000 10\n", setgroups: "" });
  });

  test("joins namespaces given by path, the user namespace first", () => {
    const steps = plan((c) => {
      c.linux.namespaces = [{ type: "mount" }, { type: "network", path: "/run/netns/x" }, { type: "user", path: "/proc/1/ns/user" }];
      c.hostname = "";
    });
    expect(steps.filter((s) => s.op === "setns").map((s) => s.what)).toEqual(["join user namespace /proc/1/ns/user", "join network namespace /run/netns/x"]);
  });

  test("turns a read-only bind mount into a bind and a read-only remount", () => {
    const steps = plan((c) => c.mounts.push({ destination: "/etc/../data/", type: "bind", source: "/tmp", options: ["rbind", "ro", "rprivate"] }));
    const mounts = steps.filter((s) => s.op === "mount" && (s.args as any).target === "data").map((s) => s.args as any);
    expect(mounts.map((m) => m.flags)).toEqual([MS.BIND | MS.REC, MS.BIND | MS.REMOUNT | MS.RDONLY, MS.PRIVATE | MS.REC]);
    expect(mounts[0]).toMatchObject({ source: "/tmp", create: 1 });
  });

  test("passes filesystem options as data and flags apart", () => {
    const shm = plan().filter((s) => s.op === "mount").map((s) => s.args as any).find((m) => m.target === "dev/shm");
    expect(shm).toMatchObject({ fstype: "tmpfs", source: "shm", flags: MS.NOSUID | MS.NOEXEC | MS.NODEV, data: "mode=1777,size=65536k" });
  });

  test("makes the default devices unless /dev is bound from the host, binds them in a user namespace", () => {
    expect(plan().filter((s) => s.op === "mknod").map((s) => (s.args as any).path)).toEqual(["dev/null", "dev/random", "dev/full", "dev/tty", "dev/zero", "dev/urandom"]);
    expect(plan((c) => c.mounts.push({ destination: "/dev", type: "bind", source: "/dev", options: ["rbind"] })).filter((s) => s.op === "mknod")).toEqual([]);
    const userns = plan((c) => {
      c.linux.namespaces.push({ type: "user" });
      c.linux.uidMappings = c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
    });
    expect(userns.filter((s) => s.op === "mknod")).toEqual([]);
    expect(userns.some((s) => s.op === "mount" && (s.args as any).source === "/dev/null")).toBe(true);
  });

  test("computes capability sets and drops the rest of the bounding set", () => {
    const steps = plan((c) => {
      c.process.capabilities = { bounding: ["CAP_KILL", "CAP_NET_RAW", "NET_RAW"], effective: ["CAP_KILL"], permitted: ["CAP_KILL", "CAP_NET_RAW"], inheritable: ["CAP_NET_RAW"], ambient: ["CAP_NET_RAW", "CAP_KILL"] };
    });
    expect(find(steps, "dropBounding").caps).toHaveLength(41 - 2);
    expect(find(steps, "dropBounding").caps).not.toContain(5);
    expect(find(steps, "setCaps")).toEqual({ effective: 1n << 5n, permitted: (1n << 5n) | (1n << 13n), inheritable: 1n << 13n, ambient: [13] });
  });

  test("sets user, groups, umask, rlimits and HOME from the rootfs's passwd", () => {
    const steps = plan((c) => {
      c.process.user = { uid: 1000, gid: 100, additionalGids: [5, 6], umask: 0o027 };
      c.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 10, hard: 20 }, { type: "RLIMIT_CORE", soft: 18446744073709551615, hard: 18446744073709551615 }];
    });
    expect(find(steps, "setUser")).toEqual({ uid: 1000, gid: 100, groups: [5, 6], setgroups: 1 });
    expect(find(steps, "umask").mask).toBe(0o027);
    expect(find(steps, "setrlimit", 1)).toEqual({ resource: 4, soft: 2n ** 64n - 1n, hard: 2n ** 64n - 1n });
    expect(find(steps, "exec").env).toContain("HOME=/root");
    expect(find(steps, "resolveExec")).toEqual({ file: "sh", path: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" });
  });

  test("an empty HOME is as none, as runc reads it: the user's in its place; a HOME given stays", () => {
    const env = (given: string[]) => find(plan((c) => void (c.process.env = given)), "exec").env;
    expect(env(["A=1", "HOME=", "B=2"])).toEqual(["A=1", "HOME=/root", "B=2"]);
    expect(env(["HOME=/home/x"])).toEqual(["HOME=/home/x"]);
    expect(env(["A=1"])).toEqual(["A=1", "HOME=/root"]);
  });

  test("keeps the preserved fds and relays a terminal in the foreground", () => {
    expect(find(plan(() => {}, { preserveFds: 3 }), "keepFds").count).toBe(6);
    const steps = plan((c) => (c.process.terminal = true), { foreground: true });
    expect(ops(steps)).toContain("consolePair");
    expect(find(steps, "console").socketSlot).toBe(find(steps, "consolePair").slot);
  });

  test("a namespace joined by path is the container's: hostname, domainname and sysctls go into it, devices are bound in a joined user namespace", () => {
    const steps = plan((c) => {
      c.linux.namespaces = [{ type: "mount" }, { type: "uts", path: "/run/ns/uts" }, { type: "network", path: "/run/ns/net" }, { type: "ipc", path: "/run/ns/ipc" }, { type: "user", path: "/run/ns/user" }];
      c.hostname = "h";
      c.domainname = "d";
      c.linux.sysctl = { "net.ipv4.ip_forward": "1", "kernel.shmmni": "100" };
    });
    expect(find(steps, "sethostname").name).toBe("h");
    expect(find(steps, "setdomainname").name).toBe("d");
    expect(steps.filter((s) => s.op === "writeFile").map((s) => (s.args as any).path)).toEqual(["/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/shmmni"]);
    expect(steps.filter((s) => s.op === "mknod")).toEqual([]);
  });

  test("without a mount namespace the container mounts in the caller's: its propagation is left alone and chroot stands in for pivot_root", () => {
    const o = ops(plan((c) => ((c.linux.namespaces = [{ type: "pid" }]), (c.hostname = ""))));
    expect(o).not.toContain("mountRootPropagation");
    expect(o).not.toContain("pivotRoot");
    expect(o.indexOf("bindRootfs")).toBeLessThan(o.indexOf("chrootRoot"));
    expect(o.indexOf("chrootRoot")).toBeLessThan(o.indexOf("maskPath"));
  });

  test.each([
    [undefined, MS.SLAVE | MS.REC, false, 0],
    ["rslave", MS.SLAVE | MS.REC, false, MS.SLAVE | MS.REC],
    ["rprivate", MS.PRIVATE | MS.REC, false, MS.PRIVATE | MS.REC],
    ["shared", MS.SHARED, true, MS.SHARED],
    ["rshared", MS.SHARED | MS.REC, true, MS.SHARED | MS.REC],
    ["slave", MS.SLAVE, true, MS.SLAVE],
    ["private", MS.PRIVATE, true, MS.PRIVATE],
    ["unbindable", MS.PRIVATE, true, MS.UNBINDABLE],
    ["runbindable", MS.PRIVATE | MS.REC, false, MS.UNBINDABLE | MS.REC],
  ])("rootfsPropagation %p: the mounts get %i before the bind, the rootfs's parent is checked (%p), the root gets %i last", (mode, before, check, after) => {
    const steps = plan((c) => (c.linux.rootfsPropagation = mode));
    const o = ops(steps);
    expect(find(steps, "mountRootPropagation").flags).toBe(before);
    expect(o.includes("privateParentMount")).toBe(check);
    if (check) expect(o.indexOf("privateParentMount")).toBeLessThan(o.indexOf("bindRootfs"));
    const last = steps.filter((s) => s.op === "remount").at(-1)?.args as any;
    if (after) expect(last).toEqual({ path: "/", flags: after });
    else expect(last?.path === "/" && !(last.flags & MS.REMOUNT)).toBe(false);
    if (after) expect(o.lastIndexOf("remount")).toBeGreaterThan(o.lastIndexOf("maskPath"));
  });

  test.each([
    ["a hostname without a uts namespace", (c: any) => (c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== "uts")), /hostname is set but the container has no uts namespace of its own/],
    ["sysctl outside its namespace", (c: any) => (c.linux.sysctl = { "net.ipv4.ip_forward": "1" }, c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== "network")), /needs the container's own network namespace/],
    ["a sysctl that is not namespaced", (c: any) => (c.linux.sysctl = { "vm.swappiness": "1" }), /is not namespaced/],
    ["a kernel.hostname sysctl (runc's rule: the hostname field sets it)", (c: any) => (c.linux.sysctl = { "kernel.hostname": "h" }), /sysctl "kernel.hostname" conflicts with the hostname field/],
    ["user namespace without maps", (c: any) => c.linux.namespaces.push({ type: "user" }), /needs linux.uidMappings/],
    ["maps without a user namespace", (c: any) => (c.linux.uidMappings = c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 1 }]), /the container has no user namespace/],
    ["an unknown propagation", (c: any) => (c.linux.rootfsPropagation = "sideways"), /is not a propagation mode/],
    ["a soft rlimit above the hard one", (c: any) => (c.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 2, hard: 1 }]), /soft limit 2 exceeds hard limit 1/],
    ["a device outside /dev", (c: any) => (c.linux.devices = [{ type: "c", path: "/etc/null", major: 1, minor: 3 }]), /is not under \/dev/],
    ["a device of an unknown type", (c: any) => (c.linux.devices = [{ type: "x", path: "/dev/x", major: 1, minor: 3 }]), /device type "x" is unknown/],
    ["a mount without a type", (c: any) => c.mounts.push({ destination: "/x", source: "x" }), /has no type/],
  ])("refuses %s", (_, edit, message) => {
    expect(() => plan(edit)).toThrow(message);
  });

  test("hostname and domainname are set before the sysctls, as runc: a kernel.domainname sysctl wins", () => {
    const o = ops(plan((c) => ((c.hostname = "h"), (c.domainname = "d"), (c.linux.sysctl = { "kernel.domainname": "s" }))));
    expect(o.indexOf("sethostname")).toBeLessThan(o.indexOf("setdomainname"));
    expect(o.indexOf("setdomainname")).toBeLessThan(o.indexOf("writeFile"));
  });

  test("a user namespace joined by path may come with its maps (runc 1.1 requires them): they are not written again", () => {
    const steps = plan((c) => {
      c.linux.namespaces.push({ type: "user", path: "/proc/1/ns/user" });
      c.linux.uidMappings = c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 1 }];
    });
    expect(ops(steps)).not.toContain("userMaps");
    expect(ops(steps)).toContain("setns");
    // such a namespace may deny setgroups (unshare -r does): the init then leaves the groups, as runc
    expect(find(steps, "setUser").setgroups).toBe(2);
    expect(find(plan(), "setUser").setgroups).toBe(1);
  });
});
