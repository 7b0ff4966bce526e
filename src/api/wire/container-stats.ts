// docker's StatsJSON (API 1.41) from the engine's stats sample, as dockerd maps containerd's cgroup
// metrics (daemon/stats_linux.go): v1 reports cpuacct's per-CPU usage, docker's picks of
// memory.stat, usage/max/failcnt and the hierarchical limit, and every block I/O table; v2 has no
// per-CPU usage, its own memory.stat keys, and bytes read and written per device only. A limit
// above the host's memory (no limit) is the host's memory. A container that is not running has
// the zero document with its name and id, as dockerd sends it.
import type { StatsSample } from "../../engine/containers/index.ts";

type Counter = number | bigint;
const n = (v: unknown): Counter => (typeof v === "bigint" || typeof v === "number" ? v : 0);

const V1_MEMORY = ["cache", "rss", "rss_huge", "mapped_file", "dirty", "writeback", "pgpgin", "pgpgout", "pgfault", "pgmajfault", "inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable", "hierarchical_memory_limit", "hierarchical_memsw_limit"];
const V1_MEMORY_KEYS = [...V1_MEMORY, ...V1_MEMORY.slice(0, 15).map((k) => `total_${k}`)];
const V2_MEMORY_KEYS = ["anon", "file", "kernel_stack", "slab", "sock", "shmem", "file_mapped", "file_dirty", "file_writeback", "anon_thp", "inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable", "slab_reclaimable", "slab_unreclaimable", "pgfault", "pgmajfault", "workingset_refault", "workingset_activate", "workingset_nodereclaim", "pgrefill", "pgscan", "pgsteal", "pgactivate", "pgdeactivate", "pglazyfree", "pglazyfreed", "thp_fault_alloc", "thp_collapse_alloc"];
const BLKIO_TABLES = ["io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive", "io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive", "sectors_recursive"];

export const ZERO_TIME = "0001-01-01T00:00:00Z";

/** Go's RFC3339Nano: nine digits at most, trailing zeros dropped. */
export function goTimeNano(nano: bigint): string {
  const iso = new Date(Number(nano / 1_000_000n)).toISOString().slice(0, 19);
  const frac = String(nano % 1_000_000_000n).padStart(9, "0").replace(/0+$/, "");
  return `${iso}${frac ? `.${frac}` : ""}Z`;
}

export interface CpuStats {
  cpu_usage: { total_usage: Counter; percpu_usage?: Counter[]; usage_in_kernelmode: Counter; usage_in_usermode: Counter };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: Counter; throttled_periods: Counter; throttled_time: Counter };
}

const ZERO_CPU: CpuStats = { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };

/** What the previous frame of a stream had (docker's preread and precpu_stats). */
export interface PreviousStats {
  read: string;
  cpu_stats: CpuStats;
}

function cpuStats(s: StatsSample): CpuStats {
  const usage = s.cgroup?.cpu?.usage ?? {};
  const thr = s.cgroup?.cpu?.throttling ?? {};
  const percpu = s.cgroupVersion === 1 && Array.isArray(usage.percpu) && usage.percpu.length ? { percpu_usage: usage.percpu as Counter[] } : {};
  return {
    cpu_usage: { total_usage: n(usage.total), ...percpu, usage_in_kernelmode: n(usage.kernel), usage_in_usermode: n(usage.user) },
    ...(s.systemCpuUsage ? { system_cpu_usage: s.systemCpuUsage } : {}),
    ...(s.onlineCpus ? { online_cpus: s.onlineCpus } : {}),
    throttling_data: { periods: n(thr.periods), throttled_periods: n(thr.throttledPeriods ?? thr.throttled_periods), throttled_time: n(thr.throttledTime ?? thr.throttled_time) },
  };
}

const capped = (limit: Counter, machine: number): Counter => (machine > 0 && (limit === 0 || limit > machine) ? machine : limit);

function memoryStats(s: StatsSample): Record<string, unknown> {
  const mem = s.cgroup?.memory ?? {};
  const raw: Record<string, Counter> = mem.raw ?? {};
  const keys = s.cgroupVersion === 2 ? V2_MEMORY_KEYS : V1_MEMORY_KEYS;
  const stats = Object.fromEntries(keys.map((k) => [k, n(raw[k])]));
  const machine = s.machineMemory ?? 0;
  if (s.cgroupVersion === 2) return { usage: n(mem.usage?.usage), stats, limit: capped(n(mem.usage?.limit), machine) };
  const out: Record<string, unknown> = { usage: n(mem.usage?.usage), max_usage: n(mem.usage?.max), stats, failcnt: n(mem.usage?.failcnt) };
  out.limit = capped(n(raw.hierarchical_memory_limit), machine);
  for (const k of ["usage", "max_usage", "failcnt", "limit"]) if (out[k] === 0) delete out[k]; // omitempty
  return out;
}

function blkioStats(s: StatsSample): Record<string, unknown> {
  const b = s.cgroup?.blkio ?? {};
  const entries = (list: unknown, lower: boolean) =>
    ((Array.isArray(list) ? list : []) as { major?: number; minor?: number; op?: string; value?: Counter }[]).map((e) => ({ major: e.major ?? 0, minor: e.minor ?? 0, op: lower ? (e.op ?? "").toLowerCase() : (e.op ?? ""), value: n(e.value) }));
  if (s.cgroupVersion === 2) return Object.fromEntries(BLKIO_TABLES.map((t, i) => [t, i === 0 && Array.isArray(b.ioServiceBytesRecursive) ? entries(b.ioServiceBytesRecursive, true) : null]));
  const source: Record<string, unknown> = { io_service_bytes_recursive: b.ioServiceBytesRecursive, io_serviced_recursive: b.ioServicedRecursive };
  return Object.fromEntries(BLKIO_TABLES.map((t) => [t, entries(source[t], false)]));
}

/** The document for one frame; `previous`: the frame before it in the stream (else zeros). */
export function statsJson(s: StatsSample, previous?: PreviousStats): Record<string, unknown> {
  const pre = { preread: previous?.read ?? ZERO_TIME };
  const name = `/${s.name}`;
  if (!s.running || !s.cgroup) {
    const empty = Object.fromEntries(BLKIO_TABLES.map((t) => [t, null]));
    return { read: ZERO_TIME, ...pre, pids_stats: {}, blkio_stats: empty, num_procs: 0, storage_stats: {}, cpu_stats: ZERO_CPU, precpu_stats: previous?.cpu_stats ?? ZERO_CPU, memory_stats: {}, name, id: s.id };
  }
  const pids = s.cgroup.pids ?? {};
  const pidsStats = { ...(n(pids.current) ? { current: n(pids.current) } : {}), ...(n(pids.limit) ? { limit: n(pids.limit) } : {}) };
  return {
    read: goTimeNano(s.readNano ?? 0n),
    ...pre,
    pids_stats: pidsStats,
    blkio_stats: blkioStats(s),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(s),
    precpu_stats: previous?.cpu_stats ?? ZERO_CPU,
    memory_stats: memoryStats(s),
    name,
    id: s.id,
    ...(s.networks ? { networks: s.networks } : {}),
  };
}

/** JSON with counters past 2^53 as the exact integers they are (Go writes uint64 so). */
export function exactJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `__exact:${v}` : v)).replace(/"__exact:(\d+)"/g, "$1");
}
