// What this host lets a container ask for, read once: the hard rlimits the runtimes inherit (root
// lacks CAP_SYS_RESOURCE on these machines, so nothing above them can be set), the cgroup v1
// controllers' files, the cpus and memory nodes, a disk for blkio throttles. Generated configs ask
// only for what is here, so that a refusal means the config, not the host.
import { readFileSync } from "node:fs";
import { cgroupV1Files, diskDevice } from "./cgroup-probe.ts";

export interface HostFacts {
  /** RLIMIT_* → this process's hard limit (undefined: unlimited). */
  hardLimits: Record<string, number | undefined>;
  /** "memory/memory.swappiness" and so on: the files a new v1 cgroup has. */
  cgroupFiles: Set<string>;
  cpus: number[];
  mems: number[];
  disk?: { major: number; minor: number };
  /** The highest capability number the kernel knows. */
  lastCap: number;
  /** The capabilities this process (and so the runtime it starts) holds: a container can be given
   * no other (CAP_SYS_RESOURCE is missing on these machines). */
  heldCaps: bigint;
}

// /proc/self/limits names its rows in words; the runtime spec uses the RLIMIT_ names.
const LIMIT_ROWS: Record<string, string> = {
  "Max cpu time": "RLIMIT_CPU", "Max file size": "RLIMIT_FSIZE", "Max data size": "RLIMIT_DATA", "Max stack size": "RLIMIT_STACK",
  "Max core file size": "RLIMIT_CORE", "Max resident set": "RLIMIT_RSS", "Max processes": "RLIMIT_NPROC", "Max open files": "RLIMIT_NOFILE",
  "Max locked memory": "RLIMIT_MEMLOCK", "Max address space": "RLIMIT_AS", "Max file locks": "RLIMIT_LOCKS", "Max pending signals": "RLIMIT_SIGPENDING",
  "Max msgqueue size": "RLIMIT_MSGQUEUE", "Max nice priority": "RLIMIT_NICE", "Max realtime priority": "RLIMIT_RTPRIO", "Max realtime timeout": "RLIMIT_RTTIME",
};

/** "0-2,5" → [0, 1, 2, 5] */
export function parseList(list: string): number[] {
  return list.trim().split(",").filter(Boolean).flatMap((part) => {
    const [a, b] = part.split("-").map(Number) as [number, number?];
    return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i);
  });
}

/** The first of `paths` that can be read (v1's cpuset, v2's, then the kernel's own list). */
function firstFile(...paths: string[]): string {
  for (const path of paths) {
    try {
      return readFileSync(path, "utf8");
    } catch {}
  }
  return "0";
}

let cached: HostFacts | undefined;

export function hostFacts(): HostFacts {
  if (cached) return cached;
  const hardLimits: Record<string, number | undefined> = {};
  for (const line of readFileSync("/proc/self/limits", "utf8").split("\n").slice(1)) {
    const name = Object.keys(LIMIT_ROWS).find((row) => line.startsWith(row + " "));
    if (!name) continue;
    const hard = line.slice(name.length).trim().split(/\s+/)[1]!;
    hardLimits[LIMIT_ROWS[name]!] = hard === "unlimited" ? undefined : Number(hard);
  }
  const cgroupFiles = new Set<string>();
  for (const controller of ["memory", "cpu", "cpuset", "pids", "blkio", "devices"])
    for (const file of cgroupV1Files(controller)) cgroupFiles.add(`${controller}/${file}`);
  const disk = diskDevice()?.split(":").map(Number);
  cached = {
    hardLimits,
    cgroupFiles,
    cpus: parseList(firstFile("/sys/fs/cgroup/cpuset/cpuset.effective_cpus", "/sys/fs/cgroup/cpuset.cpus.effective", "/sys/devices/system/cpu/online")),
    mems: parseList(firstFile("/sys/fs/cgroup/cpuset/cpuset.effective_mems", "/sys/fs/cgroup/cpuset.mems.effective", "/sys/devices/system/node/online")),
    disk: disk ? { major: disk[0]!, minor: disk[1]! } : undefined,
    lastCap: Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8")),
    heldCaps: BigInt("0x" + /^CapPrm:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))![1]),
  };
  return cached;
}
