// The stats readers on fake cgroup trees: v1 as this machine lays it out (one hierarchy per
// controller, the container's directory in each) and v2 (one directory) made by the fake cgroupfs.
import { afterEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeFakeCgroupfs } from "./fake-cgroupfs.ts";
import { cgroupStats } from "./stats.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** v1: <root>/<controller>/skiff/c1 for each controller, with `files` placed by their prefix. */
function fakeV1(files: Record<string, string>): string[] {
  const root = mkdtempSync("/tmp/skiff-test-cg1-");
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const dirs = ["cpu,cpuacct", "memory", "blkio", "pids"].map((c) => join(root, c, "skiff", "c1"));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  for (const [f, v] of Object.entries(files)) {
    const controller = f.startsWith("cpu") ? "cpu,cpuacct" : f.split(".")[0]!;
    writeFileSync(join(root, controller, "skiff", "c1", f), v);
  }
  return dirs;
}

test("v1: cpuacct, memory, pids and the throttle blkio files, in runc's shape", () => {
  const dirs = fakeV1({
    "cpuacct.usage": "3000000000\n",
    "cpuacct.usage_percpu": "1000000000 2000000000 \n",
    "cpuacct.stat": "user 250\nsystem 50\n",
    "cpu.stat": "nr_periods 10\nnr_throttled 2\nthrottled_time 5000\n",
    "memory.usage_in_bytes": "10485760\n",
    "memory.max_usage_in_bytes": "20971520\n",
    "memory.limit_in_bytes": "9223372036854771712\n",
    "memory.failcnt": "0\n",
    "memory.stat": "cache 4096\nrss 8192\ntotal_inactive_file 1048576\nhierarchical_memory_limit 9223372036854771712\n",
    "pids.current": "2\n",
    "pids.max": "max\n",
    "blkio.throttle.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Discard 0\n8:0 Total 12288\nTotal 12288\n",
    "blkio.throttle.io_serviced_recursive": "8:0 Read 1\n8:0 Write 2\nTotal 3\n",
    "blkio.io_service_bytes_recursive": "Total 0\n", // CFQ's file, counting nothing: the throttle one is read
  });
  const s = cgroupStats(dirs) as any;
  expect(s.cpu.usage).toEqual({ total: 3_000_000_000, percpu: [1_000_000_000, 2_000_000_000], kernel: 500_000_000, user: 2_500_000_000 });
  expect(s.cpu.throttling).toEqual({ periods: 10, throttledPeriods: 2, throttledTime: 5000 });
  expect(s.memory.usage).toMatchObject({ usage: 10485760, max: 20971520, limit: 9223372036854771712n, failcnt: 0 });
  expect(s.memory.raw).toMatchObject({ cache: 4096, rss: 8192, total_inactive_file: 1048576 });
  expect(s.pids).toEqual({ current: 2, limit: 0 });
  expect(s.blkio.ioServiceBytesRecursive).toEqual([
    { major: 8, minor: 0, op: "Read", value: 4096 },
    { major: 8, minor: 0, op: "Write", value: 8192 },
    { major: 8, minor: 0, op: "Sync", value: 0 },
    { major: 8, minor: 0, op: "Async", value: 12288 },
    { major: 8, minor: 0, op: "Discard", value: 0 },
    { major: 8, minor: 0, op: "Total", value: 12288 },
  ]);
  expect(s.blkio.ioServicedRecursive).toEqual([
    { major: 8, minor: 0, op: "Read", value: 1 },
    { major: 8, minor: 0, op: "Write", value: 2 },
  ]);
});

test("v1: a cgroup gone (the container stopped) reads as zeros, not an error", () => {
  const s = cgroupStats(["/nonexistent/a", "/nonexistent/b"]) as any;
  expect(s.cpu.usage.total).toBe(0);
  expect(s.blkio.ioServiceBytesRecursive).toEqual([]);
});

test("v2: cpu.stat, memory.*, pids.* and io.stat of one directory, in runc's shape", () => {
  const fs = makeFakeCgroupfs({ controllers: ["cpu", "memory", "pids", "io"] });
  cleanups.push(() => fs.remove());
  writeFileSync(join(fs.root, "cgroup.subtree_control"), "+cpu +memory +pids +io");
  const d = fs.mkcgroup("skiff/c1");
  writeFileSync(join(d, "cpu.stat"), "usage_usec 2000000\nuser_usec 1500000\nsystem_usec 500000\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n");
  writeFileSync(join(d, "memory.current"), "5242880\n");
  writeFileSync(join(d, "memory.max"), "104857600\n");
  writeFileSync(join(d, "memory.stat"), "anon 4194304\nfile 1048576\ninactive_file 524288\npgfault 10\n");
  writeFileSync(join(d, "pids.current"), "4\n");
  writeFileSync(join(d, "pids.max"), "100\n");
  writeFileSync(join(d, "io.stat"), "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=1 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");
  const s = cgroupStats([d]) as any;
  expect(s.cpu.usage).toEqual({ total: 2_000_000_000, user: 1_500_000_000, kernel: 500_000_000 });
  expect(s.memory.usage).toMatchObject({ usage: 5242880, limit: 104857600 });
  expect(s.memory.raw).toEqual({ anon: 4194304, file: 1048576, inactive_file: 524288, pgfault: 10 });
  expect(s.pids).toEqual({ current: 4, limit: 100 });
  expect(s.blkio.ioServiceBytesRecursive).toEqual([
    { major: 8, minor: 0, op: "Read", value: 4096 },
    { major: 8, minor: 0, op: "Write", value: 8192 },
    { major: 253, minor: 1, op: "Read", value: 1 },
    { major: 253, minor: 1, op: "Write", value: 0 },
  ]);
  expect(s.blkio.ioServicedRecursive.map((e: any) => e.value)).toEqual([1, 2, 1, 0]);
});
