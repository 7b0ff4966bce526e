// docker stats' rows from StatsJSON frames, computed as docker's CLI does
// (cli/command/container/stats_helpers.go): CPU % is the container's CPU time over the host's
// between the frame and its precpu_stats, times the CPUs online; memory is the usage less the
// inactive page cache (v1's total_inactive_file, v2's inactive_file); network and block I/O are
// summed over interfaces and devices. Sizes as docker prints them: memory in binary units
// ("1.5MiB"), I/O in decimal ones ("1.2kB").
import { bytesSize, humanSize } from "../../api/units.ts";

export interface StatsFrame {
  id?: string;
  name?: string;
  read?: string;
  pids_stats?: { current?: number };
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
}

export interface StatsEntry {
  /** What the user named (or the short id when listing). */
  container: string;
  id: string;
  name: string;
  cpuPercent: number;
  memory: number;
  memoryLimit: number;
  memoryPercent: number;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
}

export function cpuPercent(f: StatsFrame): number {
  const cpuDelta = (f.cpu_stats?.cpu_usage?.total_usage ?? 0) - (f.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (f.cpu_stats?.system_cpu_usage ?? 0) - (f.precpu_stats?.system_cpu_usage ?? 0);
  const online = f.cpu_stats?.online_cpus || f.cpu_stats?.cpu_usage?.percpu_usage?.length || 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

export function memoryUsage(m: StatsFrame["memory_stats"] = {}): number {
  const usage = m.usage ?? 0;
  const v1 = m.stats?.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = m.stats?.inactive_file ?? 0;
  return v2 < usage ? usage - v2 : usage;
}

export function statsEntry(container: string, f: StatsFrame): StatsEntry {
  const memory = memoryUsage(f.memory_stats);
  const limit = f.memory_stats?.limit ?? 0;
  let netRx = 0;
  let netTx = 0;
  for (const n of Object.values(f.networks ?? {})) (netRx += n.rx_bytes), (netTx += n.tx_bytes);
  let blockRead = 0;
  let blockWrite = 0;
  for (const e of f.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === "read") blockRead += e.value;
    else if (op === "write") blockWrite += e.value;
  }
  return {
    container,
    id: f.id ?? "",
    name: f.name ?? "",
    cpuPercent: cpuPercent(f),
    memory,
    memoryLimit: limit,
    memoryPercent: limit ? (memory / limit) * 100 : 0,
    netRx,
    netTx,
    blockRead,
    blockWrite,
    pids: f.pids_stats?.current ?? 0,
  };
}

/** The fields --format sees ({{.CPUPerc}} …), docker's StatsEntry context. */
export interface StatsRow {
  BlockIO: string;
  CPUPerc: string;
  Container: string;
  ID: string;
  MemPerc: string;
  MemUsage: string;
  Name: string;
  NetIO: string;
  PIDs: string;
}

export const STATS_HEADERS: Record<keyof StatsRow, string> = {
  BlockIO: "BLOCK I/O",
  CPUPerc: "CPU %",
  Container: "CONTAINER",
  ID: "CONTAINER ID",
  MemPerc: "MEM %",
  MemUsage: "MEM USAGE / LIMIT",
  Name: "NAME",
  NetIO: "NET I/O",
  PIDs: "PIDS",
};

export const DEFAULT_STATS_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

export function statsRow(e: StatsEntry, trunc: boolean): StatsRow {
  const name = e.name.startsWith("/") ? e.name.slice(1) : e.name;
  return {
    BlockIO: `${humanSize(e.blockRead, 3)} / ${humanSize(e.blockWrite, 3)}`,
    CPUPerc: `${e.cpuPercent.toFixed(2)}%`,
    Container: e.container,
    ID: trunc ? e.id.slice(0, 12) : e.id,
    MemPerc: `${e.memoryPercent.toFixed(2)}%`,
    MemUsage: `${bytesSize(e.memory)} / ${bytesSize(e.memoryLimit)}`,
    Name: name || "--",
    NetIO: `${humanSize(e.netRx, 3)} / ${humanSize(e.netTx, 3)}`,
    PIDs: String(e.pids),
  };
}
