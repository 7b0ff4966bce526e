// The kernel's side of skiff doctor: its version and the system calls the runtime relies on (run
// for real where the host can (common/sys.ts probeSyscall: calls that change nothing), else by
// the release that brought them), the namespaces (/proc/self/ns), overlayfs, seccomp and the
// limits on processes. Each check says which of skiff's features a missing piece breaks.
import { okCheck, type HostCheck } from "./check.ts";
import type { HostReader } from "./host-reader.ts";

/** "6.18.0-1-amd64" → [6, 18]; undefined when it does not start with two numbers. */
export function kernelVersion(release: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const atLeast = (v: [number, number], want: [number, number]) => v[0] > want[0] || (v[0] === want[0] && v[1] >= want[1]);

/** The system calls skiff's runtime makes that older kernels lack, with the release that brought each. */
const SYSCALLS: { name: string; since: [number, number]; breaks: string; needed: boolean }[] = [
  { name: "openat2", since: [5, 6], breaks: "every container: its mounts are resolved inside the root with openat2(RESOLVE_IN_ROOT), and cp/diff/commit resolve container paths with it", needed: true },
  { name: "close_range", since: [5, 9], breaks: "closing inherited descriptors before a container's process starts (slower fallback: one close per descriptor)", needed: false },
  { name: "pidfd_open", since: [5, 3], breaks: "following a container's process without races (the monitor falls back to waiting on the pid)", needed: false },
];

export function kernelChecks(h: HostReader): HostCheck[] {
  const release = h.read("/proc/sys/kernel/osrelease")?.trim();
  const version = release ? kernelVersion(release) : undefined;
  if (!version)
    return [{ area: "kernel", name: "kernel version", status: "warning", found: `cannot read the kernel's release from ${h.root === "/" ? "" : h.root}/proc/sys/kernel/osrelease`, breaks: "nothing by itself; the system calls below could not be checked", hint: "is /proc mounted?" }];
  const checks: HostCheck[] = [okCheck("kernel", "kernel version", `kernel ${release}`)];
  for (const s of SYSCALLS) {
    const since = `${s.since[0]}.${s.since[1]}`;
    const probed = s.name === "openat2" || s.name === "close_range" ? h.syscall?.(s.name) : undefined;
    if (probed === "ok") checks.push(okCheck("kernel", s.name, "runs (called with arguments that change nothing)"));
    else if (probed === "ENOSYS")
      checks.push({ area: "kernel", name: s.name, status: s.needed ? "missing" : "warning", found: `the kernel does not have it (ENOSYS; it came with Linux ${since})`, breaks: s.breaks, hint: `run skiff on Linux ${since} or later`, needed: s.needed });
    else if (probed)
      checks.push({ area: "kernel", name: s.name, status: s.needed ? "missing" : "warning", found: `refused here with ${probed}: a seccomp filter or a security module around this process forbids it`, breaks: s.breaks, hint: "run skiff outside that sandbox, or allow the call in its profile", needed: s.needed });
    else if (atLeast(version, s.since)) checks.push(okCheck("kernel", s.name, `available (since Linux ${since})`));
    else checks.push({ area: "kernel", name: s.name, status: s.needed ? "missing" : "warning", found: `kernel ${release} is older than ${since}, which brought ${s.name}`, breaks: s.breaks, hint: `run skiff on Linux ${since} or later`, needed: s.needed });
  }
  return checks;
}

/** The namespaces a container gets, with what each one's absence breaks. */
const NAMESPACES: { ns: string; name: string; breaks: string; needed: boolean }[] = [
  { ns: "mnt", name: "mount", breaks: "every container (its own root file system)", needed: true },
  { ns: "pid", name: "PID", breaks: "every container (its own process tree)", needed: true },
  { ns: "uts", name: "UTS", breaks: "every container (its own hostname)", needed: true },
  { ns: "ipc", name: "IPC", breaks: "every container (its own System V IPC)", needed: true },
  { ns: "net", name: "network", breaks: "containers with a network of their own: only --network host works", needed: false },
  { ns: "cgroup", name: "cgroup", breaks: "a private view of /sys/fs/cgroup inside containers (--cgroupns private)", needed: false },
  { ns: "user", name: "user", breaks: "rootless containers (skiff-oci spec --rootless) and user-namespaced ones (uid/gid mappings)", needed: false },
];

export function namespaceChecks(h: HostReader): HostCheck[] {
  const present = new Set(h.list("/proc/self/ns"));
  const checks: HostCheck[] = [];
  for (const n of NAMESPACES) {
    const name = `${n.name} namespaces`;
    if (!present.has(n.ns)) {
      checks.push({ area: "namespaces", name, status: n.needed ? "missing" : "warning", found: `the kernel has none (no /proc/self/ns/${n.ns})`, breaks: n.breaks, hint: `a kernel built with CONFIG_${n.ns === "mnt" ? "NAMESPACES" : `${n.ns.toUpperCase()}_NS`}`, needed: n.needed });
      continue;
    }
    if (n.ns === "user") {
      const max = h.read("/proc/sys/user/max_user_namespaces")?.trim();
      if (max === "0") {
        checks.push({ area: "namespaces", name, status: "warning", found: "present, but user.max_user_namespaces is 0: none may be created", breaks: n.breaks, hint: "sysctl -w user.max_user_namespaces=15000" });
        continue;
      }
      const unprivileged = h.read("/proc/sys/kernel/unprivileged_userns_clone")?.trim();
      if (unprivileged === "0") {
        checks.push({ area: "namespaces", name, status: "warning", found: "present for root; kernel.unprivileged_userns_clone is 0: other users may not create them", breaks: "rootless containers run by a user other than root", hint: "sysctl -w kernel.unprivileged_userns_clone=1" });
        continue;
      }
    }
    checks.push(okCheck("namespaces", name, "present"));
  }
  return checks;
}

/** overlayfs: registered (/proc/filesystems) or loadable (a module for this kernel). */
export function overlayCheck(h: HostReader): HostCheck {
  if (/\boverlay$/m.test(h.read("/proc/filesystems") ?? "")) return okCheck("filesystems", "overlayfs", "registered in /proc/filesystems");
  const release = h.read("/proc/sys/kernel/osrelease")?.trim();
  const moduleDir = release ? `/lib/modules/${release}/kernel/fs/overlayfs` : undefined;
  if (moduleDir && h.list(moduleDir).some((f) => f.startsWith("overlay.ko"))) return okCheck("filesystems", "overlayfs", "a module, loaded on first use");
  return {
    area: "filesystems",
    name: "overlayfs",
    status: "missing",
    found: "not in /proc/filesystems, and no overlay module for this kernel",
    breaks: "every container (its root is an overlay of the image's layers) and image pulls (layers unpack into overlay snapshots)",
    hint: "modprobe overlay, or a kernel built with CONFIG_OVERLAY_FS",
    needed: true,
  };
}

/** seccomp: the kernel supports filters (Seccomp: in /proc/self/status) and the actions profiles use. */
export function seccompCheck(h: HostReader): HostCheck {
  const status = h.read("/proc/self/status") ?? "";
  const breaks = "the default seccomp profile and --security-opt seccomp=PROFILE: containers could only run with seccomp=unconfined";
  if (!/^Seccomp:/m.test(status)) return { area: "security", name: "seccomp", status: "missing", found: "the kernel has no seccomp (no Seccomp: line in /proc/self/status)", breaks, hint: "a kernel built with CONFIG_SECCOMP and CONFIG_SECCOMP_FILTER", needed: true };
  const actions = h.read("/proc/sys/kernel/seccomp/actions_avail")?.trim().split(/\s+/) ?? [];
  if (!actions.includes("errno")) return { area: "security", name: "seccomp", status: "missing", found: "seccomp without filters (no errno action in /proc/sys/kernel/seccomp/actions_avail)", breaks, hint: "a kernel built with CONFIG_SECCOMP_FILTER", needed: true };
  if (!actions.includes("user_notif")) return { area: "security", name: "seccomp", status: "warning", found: `filters with the actions ${actions.join(", ")}; no user_notif`, breaks: "profiles with SCMP_ACT_NOTIFY (a seccomp agent on listenerPath)" };
  return okCheck("security", "seccomp", `filters, with the actions ${actions.join(", ")}`);
}

/** The ceilings on processes: pid_max and threads-max, below which containers run short. */
export function pidsCheck(h: HostReader): HostCheck {
  const pidMax = Number(h.read("/proc/sys/kernel/pid_max")?.trim());
  const threads = Number(h.read("/proc/sys/kernel/threads-max")?.trim());
  if (!Number.isFinite(pidMax) || !pidMax) return { area: "limits", name: "process limits", status: "warning", found: "cannot read /proc/sys/kernel/pid_max", breaks: "nothing by itself" };
  const found = `pid_max ${pidMax}${Number.isFinite(threads) && threads ? `, threads-max ${threads}` : ""}`;
  if (pidMax < 32768) return { area: "limits", name: "process limits", status: "warning", found, breaks: "many containers at once: the host runs out of process IDs early", hint: "sysctl -w kernel.pid_max=4194304" };
  return okCheck("limits", "process limits", found);
}
