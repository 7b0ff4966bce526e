import { expect, test } from "bun:test";
import type { StatsSample } from "../../engine/containers/index.ts";
import { exactJson, goTimeNano, statsJson } from "./container-stats.ts";

const base = { id: "c1", name: "web", running: true, readNano: 1_700_000_000_123_456_000n, systemCpuUsage: 5e12, onlineCpus: 2, machineMemory: 1e9 };

test("v1: per-CPU usage, docker's memory.stat picks, the hierarchical limit capped at the host's memory, every block I/O table", () => {
  const s: StatsSample = {
    ...base,
    cgroupVersion: 1,
    cgroup: {
      cpu: { usage: { total: 300, percpu: [100, 200], kernel: 50, user: 250 }, throttling: { periods: 3, throttledPeriods: 1, throttledTime: 9 } },
      memory: { usage: { usage: 8192, max: 16384, failcnt: 0, limit: 9223372036854771712n }, raw: { cache: 4096, total_inactive_file: 1024, hierarchical_memory_limit: 9223372036854771712n, swap: 0, shmem: 5 } },
      pids: { current: 2, limit: 0 },
      blkio: { ioServiceBytesRecursive: [{ major: 8, minor: 0, op: "Read", value: 10 }], ioServicedRecursive: [] },
    },
    networks: { eth0: { rx_bytes: 1, rx_packets: 1, rx_errors: 0, rx_dropped: 0, tx_bytes: 2, tx_packets: 1, tx_errors: 0, tx_dropped: 0 } },
  };
  const j = statsJson(s, { read: "2023-11-14T22:13:19Z", cpu_stats: { cpu_usage: { total_usage: 100, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } } }) as any;
  expect(Object.keys(j)).toEqual(["read", "preread", "pids_stats", "blkio_stats", "num_procs", "storage_stats", "cpu_stats", "precpu_stats", "memory_stats", "name", "id", "networks"]);
  expect(j.read).toBe("2023-11-14T22:13:20.123456Z");
  expect(j.preread).toBe("2023-11-14T22:13:19Z");
  expect(j.pids_stats).toEqual({ current: 2 });
  expect(j.cpu_stats).toEqual({ cpu_usage: { total_usage: 300, percpu_usage: [100, 200], usage_in_kernelmode: 50, usage_in_usermode: 250 }, system_cpu_usage: 5e12, online_cpus: 2, throttling_data: { periods: 3, throttled_periods: 1, throttled_time: 9 } });
  expect(j.precpu_stats.cpu_usage.total_usage).toBe(100);
  expect(j.memory_stats.usage).toBe(8192);
  expect(j.memory_stats.max_usage).toBe(16384);
  expect(j.memory_stats.failcnt).toBeUndefined(); // omitempty
  expect(j.memory_stats.limit).toBe(1e9);
  expect(Object.keys(j.memory_stats.stats)).toHaveLength(32);
  expect(j.memory_stats.stats.shmem).toBeUndefined(); // not among docker's picks
  expect(j.blkio_stats.io_service_bytes_recursive).toEqual([{ major: 8, minor: 0, op: "Read", value: 10 }]);
  expect(j.blkio_stats.io_queue_recursive).toEqual([]);
  expect(j.name).toBe("/web");
  expect(exactJson(j)).toContain('"hierarchical_memory_limit":9223372036854771712');
});

test("v2: no per-CPU usage, docker's v2 memory keys, bytes per device in lower case and the other tables null, a limit of max is the host's memory", () => {
  const s: StatsSample = {
    ...base,
    cgroupVersion: 2,
    cgroup: {
      cpu: { usage: { total: 2e9, user: 1.5e9, kernel: 5e8 }, throttling: { periods: 0, throttledPeriods: 0, throttledTime: 0 } },
      memory: { usage: { usage: 5242880, limit: 0 }, raw: { anon: 4194304, file: 1048576, inactive_file: 524288 } },
      pids: { current: 4, limit: 100 },
      blkio: { ioServiceBytesRecursive: [{ major: 8, minor: 0, op: "Read", value: 4096 }, { major: 8, minor: 0, op: "Write", value: 0 }], ioServicedRecursive: [] },
    },
  };
  const j = statsJson(s) as any;
  expect(j.cpu_stats.cpu_usage).toEqual({ total_usage: 2e9, usage_in_kernelmode: 5e8, usage_in_usermode: 1.5e9 });
  expect(j.memory_stats).toMatchObject({ usage: 5242880, limit: 1e9 });
  expect(j.memory_stats.stats).toMatchObject({ anon: 4194304, inactive_file: 524288, pgfault: 0 });
  expect(j.memory_stats.stats.total_inactive_file).toBeUndefined();
  expect(j.blkio_stats.io_service_bytes_recursive).toEqual([{ major: 8, minor: 0, op: "read", value: 4096 }, { major: 8, minor: 0, op: "write", value: 0 }]);
  expect(j.blkio_stats.io_serviced_recursive).toBeNull();
  expect(j.pids_stats).toEqual({ current: 4, limit: 100 });
  expect(j.precpu_stats.cpu_usage.total_usage).toBe(0);
  expect(j.networks).toBeUndefined();
  // a limit set below the host's memory stays
  expect((statsJson({ ...s, cgroup: { ...s.cgroup, memory: { usage: { usage: 1, limit: 4096 }, raw: {} } } }) as any).memory_stats.limit).toBe(4096);
});

test("a container not running: dockerd's zero document with its name and id", () => {
  const j = statsJson({ id: "c2", name: "old", running: false }) as any;
  expect(j).toMatchObject({ read: "0001-01-01T00:00:00Z", preread: "0001-01-01T00:00:00Z", pids_stats: {}, memory_stats: {}, storage_stats: {}, name: "/old", id: "c2", num_procs: 0 });
  expect(j.blkio_stats.io_service_bytes_recursive).toBeNull();
  expect(j.cpu_stats).toEqual({ cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } });
});

test("Go's RFC3339Nano: trailing zeros of the fraction dropped", () => {
  expect(goTimeNano(1_700_000_000_000_000_000n)).toBe("2023-11-14T22:13:20Z");
  expect(goTimeNano(1_700_000_000_100_000_000n)).toBe("2023-11-14T22:13:20.1Z");
  expect(goTimeNano(1_700_000_000_000_000_001n)).toBe("2023-11-14T22:13:20.000000001Z");
});
