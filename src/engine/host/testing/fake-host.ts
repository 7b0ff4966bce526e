// Test fixture: a fake host tree (/proc, /sys, /lib/modules, /usr/lib/cni, /usr/sbin) in a temp
// dir, for the hosts this machine cannot be: cgroup v2 only, v1 only, hybrid, no overlay, no user
// namespaces, no seccomp, an old kernel. Each preset is a healthy modern host with one thing changed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { hostReader, type DiskSpace, type HostReader } from "../host-reader.ts";

export interface FakeHost {
  release: string;
  namespaces: string[];
  filesystems: string[];
  overlayModule: boolean;
  cgroups: "v1" | "v2" | "hybrid" | "none";
  /** v2: the unified tree's controllers; v1/hybrid: the v1 hierarchies' controllers. */
  controllers: string[];
  /** /proc/self/status has a Seccomp: line. */
  seccomp: boolean;
  seccompActions: string[];
  maxUserNamespaces: number;
  pidMax: number;
  iptables: boolean;
  cniPlugins: string[];
  space: DiskSpace;
  /** What running openat2 and close_range would answer; absent: not run (the release decides). */
  syscalls?: Partial<Record<"openat2" | "close_range", string>>;
}

export const HEALTHY: FakeHost = {
  release: "6.1.0-13-amd64",
  namespaces: ["cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"],
  filesystems: ["nodev\tsysfs", "nodev\tproc", "nodev\tcgroup2", "\text4", "nodev\toverlay"],
  overlayModule: false,
  cgroups: "v2",
  controllers: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"],
  seccomp: true,
  seccompActions: ["kill_process", "kill_thread", "trap", "errno", "user_notif", "trace", "log", "allow"],
  maxUserNamespaces: 63422,
  pidMax: 4194304,
  iptables: true,
  cniPlugins: ["bandwidth", "bridge", "dhcp", "firewall", "host-local", "loopback", "portmap"],
  space: { available: 20 * 2 ** 30, total: 40 * 2 ** 30 },
};

/** Writes the fake tree; the reader's space is the fake's. */
export function makeFakeHost(over: Partial<FakeHost> = {}): { reader: HostReader; dir: string; remove(): void } {
  const f = { ...HEALTHY, ...over };
  const dir = mkdtempSync("/tmp/skiff-fake-host-");
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  put("/proc/sys/kernel/osrelease", `${f.release}\n`);
  for (const ns of f.namespaces) put(`/proc/self/ns/${ns}`, "");
  put("/proc/filesystems", f.filesystems.join("\n") + "\n");
  if (f.overlayModule) put(`/lib/modules/${f.release}/kernel/fs/overlayfs/overlay.ko.xz`, "");
  const { mountinfo, cgroup } = cgroupFiles(f);
  put("/proc/self/mountinfo", mountinfo);
  put("/proc/self/cgroup", cgroup);
  if (f.cgroups === "v2") put("/sys/fs/cgroup/cgroup.controllers", f.controllers.join(" ") + "\n");
  if (f.cgroups === "hybrid") put("/sys/fs/cgroup/unified/cgroup.controllers", "\n");
  put("/proc/self/status", `Name:\tdoctor\n${f.seccomp ? "Seccomp:\t0\nSeccomp_filters:\t0\n" : ""}`);
  if (f.seccomp) put("/proc/sys/kernel/seccomp/actions_avail", f.seccompActions.join(" ") + "\n");
  put("/proc/sys/user/max_user_namespaces", `${f.maxUserNamespaces}\n`);
  put("/proc/sys/kernel/pid_max", `${f.pidMax}\n`);
  put("/proc/sys/kernel/threads-max", "255570\n");
  if (f.iptables) put("/usr/sbin/iptables", "");
  for (const p of f.cniPlugins) put(`/usr/lib/cni/${p}`, "");
  const syscall = f.syscalls ? (name: "openat2" | "close_range") => f.syscalls![name] : undefined;
  return { reader: hostReader(dir, () => f.space, syscall), dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** /proc/self/mountinfo and /proc/self/cgroup of a host with that layout. */
function cgroupFiles(f: FakeHost): { mountinfo: string; cgroup: string } {
  const root = "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n";
  if (f.cgroups === "none") return { mountinfo: root, cgroup: "" };
  if (f.cgroups === "v2") return { mountinfo: `${root}30 22 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n`, cgroup: "0::/user.slice/session-1.scope\n" };
  const lines = [root, "29 22 0:25 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"];
  const cgroup: string[] = [];
  f.controllers.forEach((c, i) => {
    lines.push(`${31 + i} 29 0:${40 + i} / /sys/fs/cgroup/${c} rw,nosuid - cgroup cgroup rw,${c}\n`);
    cgroup.push(`${i + 2}:${c}:/user.slice`);
  });
  lines.push("30 29 0:27 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n");
  cgroup.push("1:name=systemd:/user.slice/session-1.scope");
  if (f.cgroups === "hybrid") {
    lines.push("28 29 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n");
    cgroup.push("0::/user.slice/session-1.scope");
  }
  return { mountinfo: lines.join(""), cgroup: cgroup.join("\n") + "\n" };
}
