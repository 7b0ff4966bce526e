import { expect, test } from "bun:test";
import { bytesSize } from "../../api/units.ts";
import { cpuPercent, memoryUsage, statsEntry, statsRow, type StatsFrame } from "./stats-rows.ts";

test("CPU %: the container's share of the host's CPU time between two frames, times the CPUs online", () => {
  // a busy loop on one of two CPUs for 1 s: 1e9 ns of the container's, 2e9 ns of the host's
  const busy: StatsFrame = { cpu_stats: { cpu_usage: { total_usage: 3e9 }, system_cpu_usage: 12e9, online_cpus: 2 }, precpu_stats: { cpu_usage: { total_usage: 2e9 }, system_cpu_usage: 10e9 } };
  expect(cpuPercent(busy)).toBeCloseTo(100, 6);
  // without online_cpus, the per-CPU list's length (docker's fallback)
  expect(cpuPercent({ ...busy, cpu_stats: { cpu_usage: { total_usage: 3e9, percpu_usage: [1, 2, 3, 4] }, system_cpu_usage: 12e9 } })).toBeCloseTo(200, 6);
  // the first frame of a stream (precpu zero): docker's formula gives the share since boot
  expect(cpuPercent({ cpu_stats: { cpu_usage: { total_usage: 1e9 }, system_cpu_usage: 100e9, online_cpus: 2 } })).toBeCloseTo(2, 6);
  // no time passed, or the counters went back: 0, never negative or NaN
  expect(cpuPercent({ ...busy, precpu_stats: { cpu_usage: { total_usage: 3e9 }, system_cpu_usage: 12e9 } })).toBe(0);
  expect(cpuPercent({})).toBe(0);
});

test("memory: usage less the inactive page cache (v1 total_inactive_file, v2 inactive_file)", () => {
  expect(memoryUsage({ usage: 10_000, stats: { total_inactive_file: 4_000, inactive_file: 1 } })).toBe(6_000);
  expect(memoryUsage({ usage: 10_000, stats: { inactive_file: 3_000 } })).toBe(7_000);
  expect(memoryUsage({ usage: 10_000, stats: { total_inactive_file: 20_000 } })).toBe(10_000);
  expect(memoryUsage({})).toBe(0);
});

test("a running container's row and a stopped one's (dockerd's zero frame), in docker's words", () => {
  const f: StatsFrame = {
    id: "0123456789abcdef0123",
    name: "/web",
    pids_stats: { current: 3 },
    blkio_stats: { io_service_bytes_recursive: [{ op: "Read", value: 4096 }, { op: "Write", value: 1_500_000 }, { op: "Total", value: 1_504_096 }] },
    cpu_stats: { cpu_usage: { total_usage: 2.5e9 }, system_cpu_usage: 12e9, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 2e9 }, system_cpu_usage: 10e9 },
    memory_stats: { usage: 2 * 1048576, limit: 1024 * 1048576, stats: { total_inactive_file: 524288 } },
    networks: { eth0: { rx_bytes: 1234, tx_bytes: 0 }, eth1: { rx_bytes: 1000, tx_bytes: 10 } },
  };
  expect(statsRow(statsEntry("web", f), true)).toEqual({
    BlockIO: "4.1kB / 1.5MB",
    CPUPerc: "50.00%",
    Container: "web",
    ID: "0123456789ab",
    MemPerc: "0.15%",
    MemUsage: "1.5MiB / 1GiB",
    Name: "web",
    NetIO: "2.23kB / 10B",
    PIDs: "3",
  });
  const stopped = statsRow(statsEntry("old", { id: "ffee", name: "/old", memory_stats: {}, cpu_stats: { cpu_usage: { total_usage: 0 } } }), false);
  expect([stopped.CPUPerc, stopped.MemUsage, stopped.MemPerc, stopped.NetIO, stopped.BlockIO, stopped.PIDs]).toEqual(["0.00%", "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0"]);
});

test("bytesSize is go-units' BytesSize", () => {
  expect([0, 1023, 1024, 1536, 1048576 * 23.44, 1024 ** 3 * 1.944].map(bytesSize)).toEqual(["0B", "1023B", "1KiB", "1.5KiB", "23.44MiB", "1.944GiB"]);
});
