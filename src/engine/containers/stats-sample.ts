// One statistics sample of a container for docker stats: its cgroup's counters from its runtime
// (runc's `events --stats` shape), the host's CPU time and CPU count taken right after them (the
// CPU % is the container's share of the host's time between two samples), the host's memory (the
// limit of a container without one) and its network interfaces' counters. The API turns it into
// docker's StatsJSON.
import { existsSync, readFileSync } from "node:fs";
import { totalmem } from "node:os";
import type { OciRuntime } from "../../runtime/oci-runtime.ts";
import { isActive, type ContainerRecord } from "./record.ts";

export interface NetCounters {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

export interface StatsSample {
  id: string;
  name: string;
  /** False for a container that is not running (or whose runtime lost it): the rest is absent. */
  running: boolean;
  /** When the counters were read, in nanoseconds since the epoch. */
  readNano?: bigint;
  /** runc's `events --stats` data. */
  cgroup?: Record<string, any>;
  cgroupVersion?: 1 | 2;
  /** The host's CPU time in nanoseconds (/proc/stat's first seven fields, as dockerd sums them). */
  systemCpuUsage?: number;
  onlineCpus?: number;
  machineMemory?: number;
  /** Per interface other than lo; absent without a network namespace of its own or with only lo. */
  networks?: Record<string, NetCounters>;
}

const USER_HZ = 100;

/** /proc/stat: the host's CPU time (user nice system idle iowait irq softirq) and the CPUs listed. */
export function hostCpu(text: string): { systemCpuUsage: number; onlineCpus: number } {
  const lines = text.split("\n");
  const total = lines.find((l) => l.startsWith("cpu "))?.trim().split(/\s+/).slice(1, 8).reduce((a, v) => a + Number(v), 0) ?? 0;
  return { systemCpuUsage: (total * 1e9) / USER_HZ, onlineCpus: lines.filter((l) => /^cpu\d+ /.test(l)).length };
}

/** /proc/PID/net/dev: each interface but lo; undefined when there is none. */
export function netDevCounters(text: string): Record<string, NetCounters> | undefined {
  const out: Record<string, NetCounters> = {};
  for (const line of text.split("\n").slice(2)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === "lo") continue;
    const n = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    out[name] = { rx_bytes: n[0]!, rx_packets: n[1]!, rx_errors: n[2]!, rx_dropped: n[3]!, tx_bytes: n[8]!, tx_packets: n[9]!, tx_errors: n[10]!, tx_dropped: n[11]! };
  }
  return Object.keys(out).length ? out : undefined;
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/** The wall clock in nanoseconds (its milliseconds, the monotonic clock's fraction of one). */
const nowNano = () => BigInt(Date.now()) * 1_000_000n + BigInt(Math.floor((performance.now() % 1) * 1e6));

export async function sampleStats(r: ContainerRecord, runtime: OciRuntime): Promise<StatsSample> {
  const base = { id: r.id, name: r.name };
  if (!isActive(r.state) || r.state.status === "restarting") return { ...base, running: false };
  // the host's CPU time and the clock read on both sides of the container's counters and averaged:
  // a daemon descheduled between the two reads (50 ms is 10 points of CPU % over 0.5 s) errs by half
  const before = { nano: nowNano(), cpu: hostCpu(readText("/proc/stat") ?? "") };
  let cgroup: Record<string, any>;
  try {
    cgroup = await runtime.stats(r.id);
  } catch {
    return { ...base, running: false }; // it stopped meanwhile: dockerd publishes empty stats then too
  }
  const afterNano = nowNano();
  const after = hostCpu(readText("/proc/stat") ?? "");
  const readNano = (before.nano + afterNano) / 2n;
  const cpu = { systemCpuUsage: Math.round((before.cpu.systemCpuUsage + after.systemCpuUsage) / 2), onlineCpus: after.onlineCpus };
  // --network host shares the host's interfaces: docker reports none for it
  const netDev = r.options.network === "host" || !r.state.pid ? undefined : readText(`/proc/${r.state.pid}/net/dev`);
  return {
    ...base,
    running: true,
    readNano,
    cgroup,
    cgroupVersion: existsSync("/sys/fs/cgroup/cgroup.controllers") ? 2 : 1,
    ...cpu,
    machineMemory: totalmem(),
    networks: netDev ? netDevCounters(netDev) : undefined,
  };
}
