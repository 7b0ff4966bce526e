// skiff doctor's cgroup checks: which layout the host has (v1, v2 or hybrid, as the runtime reads
// it: runtime/cgroups/hierarchy.ts), and which of the controllers behind skiff's resource flags
// are present, with the flags a missing one breaks.
import { parseCgroupLayout } from "../../runtime/cgroups/hierarchy.ts";
import { okCheck, type HostCheck } from "./check.ts";
import type { HostReader } from "./host-reader.ts";

/** The controllers skiff uses; `v1Only`: cgroup v2 does it another way (freeze file, eBPF device program). */
const CONTROLLERS: { name: string; breaks: string; v1Only?: boolean }[] = [
  { name: "memory", breaks: "--memory and --memory-swap, OOM-killed detection, memory in stats" },
  { name: "cpu", breaks: "--cpus and --cpu-shares" },
  { name: "cpuset", breaks: "--cpuset-cpus" },
  { name: "pids", breaks: "--pids-limit (a fork bomb in a container reaches the host's limit)" },
  { name: "freezer", breaks: "pause and unpause", v1Only: true },
  { name: "devices", breaks: "device rules: a container could open any device node it can see", v1Only: true },
];

export function cgroupChecks(h: HostReader): HostCheck[] {
  const layout = parseCgroupLayout(h.read("/proc/self/mountinfo") ?? "", h.read("/proc/self/cgroup") ?? "");
  if (!layout.hierarchies.length)
    return [
      {
        area: "cgroups",
        name: "cgroup file system",
        status: "missing",
        found: "no cgroup or cgroup2 file system is mounted (none in /proc/self/mountinfo)",
        breaks: "every container: each runs in a cgroup of its own, which limits, stats, pause and kill --all use",
        hint: "mount -t cgroup2 none /sys/fs/cgroup",
        needed: true,
      },
    ];
  const available = new Set<string>();
  let unified: string[] = [];
  for (const hier of layout.hierarchies) {
    if (hier.version === 1) for (const c of hier.key.split(",")) available.add(c);
    else unified = (h.read(`${hier.mountpoint}/cgroup.controllers`) ?? "").trim().split(/\s+/).filter(Boolean);
  }
  for (const c of unified) available.add(c);
  const words = { v1: "cgroup v1", v2: "cgroup v2 (unified)", hybrid: "cgroup v1 and v2 (hybrid: controllers on v1, the unified tree beside them)" }[layout.mode];
  const mounts = layout.hierarchies.map((x) => x.mountpoint);
  const checks: HostCheck[] = [okCheck("cgroups", "cgroup version", `${words}, mounted at ${mounts.length > 3 ? `${mounts.slice(0, 3).join(", ")} …` : mounts.join(", ")}`)];
  const v2Only = layout.mode === "v2";
  for (const c of CONTROLLERS) {
    if (c.v1Only && v2Only) {
      checks.push(okCheck("cgroups", `${c.name} controller`, c.name === "freezer" ? "cgroup v2 freezes with cgroup.freeze" : "cgroup v2 filters devices with an eBPF program"));
      continue;
    }
    if (available.has(c.name)) checks.push(okCheck("cgroups", `${c.name} controller`, "present"));
    else checks.push({ area: "cgroups", name: `${c.name} controller`, status: "warning", found: `not among the controllers (${[...available].filter((x) => !x.startsWith("name=")).sort().join(", ") || "none"})`, breaks: c.breaks, hint: `a kernel built with the ${c.name} controller${layout.mode === "v1" ? "" : `, enabled in ${v2Only ? "cgroup.subtree_control" : "its hierarchy"}`}` });
  }
  return checks;
}
