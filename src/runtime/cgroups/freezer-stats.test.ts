import { afterEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isFrozen } from "./freezer.ts";
import { cgroupStats, oomKills, statsJson } from "./stats.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const fakeDir = (files: Record<string, string>) => {
  const d = mkdtempSync("/tmp/skiff-test-cg-");
  dirs.push(d);
  mkdirSync(d, { recursive: true });
  for (const [f, v] of Object.entries(files)) writeFileSync(join(d, f), v);
  return d;
};

test("the freezer state reads from v1's freezer.state and from v2's cgroup.events", () => {
  expect(isFrozen([fakeDir({ "freezer.state": "FROZEN\n" })])).toBe(true);
  expect(isFrozen([fakeDir({ "freezer.state": "FREEZING\n" })])).toBe(false);
  expect(isFrozen([fakeDir({ "cgroup.freeze": "1\n", "cgroup.events": "populated 1\nfrozen 1\n" })])).toBe(true);
  expect(isFrozen([fakeDir({ "cgroup.freeze": "0\n", "cgroup.events": "populated 1\nfrozen 0\n" })])).toBe(false);
  expect(isFrozen([])).toBe(false);
});

test("stats on v2 come from cpu.stat, memory.* and pids.*, in runc's shape", () => {
  const d = fakeDir({
    "cgroup.controllers": "cpu memory pids\n",
    "cpu.stat": "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 20\n",
    "memory.current": "4096\n", "memory.max": "max\n", "memory.stat": "anon 1024\nfile 2048\n", "memory.swap.current": "0\n",
    "memory.events": "low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n",
    "pids.current": "3\n", "pids.max": "50\n",
  });
  expect(cgroupStats([d])).toMatchObject({
    cpu: { usage: { total: 1_500_000, user: 1_000_000, kernel: 500_000 }, throttling: { periods: 4, throttledPeriods: 1, throttledTime: 20_000 } },
    memory: { usage: { usage: 4096, limit: 0 }, raw: { anon: 1024, file: 2048 } },
    pids: { current: 3, limit: 50 },
  });
  expect(oomKills([d])).toBe(1);
});

test("counters past 2^53 stay exact in the JSON (v1's unlimited is 9223372036854771712)", () => {
  const d = fakeDir({ "memory.usage_in_bytes": "4096\n", "memory.limit_in_bytes": "9223372036854771712\n", "memory.stat": "hierarchical_memory_limit 9223372036854771712\ncache 0\n" });
  const json = statsJson(cgroupStats([d]));
  expect(json).toContain('"limit":9223372036854771712');
  expect(json).toContain('"hierarchical_memory_limit":9223372036854771712');
});
