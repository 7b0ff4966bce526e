// Container statistics from its cgroup, in the shape `runc events --stats` prints (v1 and v2:
// cpu, memory, pids, blkio), and the OOM-kill counter that `events` watches.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};
/** A counter from a cgroup file: exact even past 2^53 (v1 writes "unlimited" as 9223372036854771712). */
export type Counter = number | bigint;
const counter = (t: string): Counter => {
  const n = Number(t);
  return Number.isSafeInteger(n) || !/^\d+$/.test(t) ? n : BigInt(t);
};
const num = (text: string | undefined): Counter => {
  const t = text?.trim();
  return !t || t === "max" ? 0 : counter(t);
};
/** "key value" lines → record (exact counters, for the raw maps). */
const exactKeyed = (text: string | undefined): Record<string, Counter> =>
  Object.fromEntries((text ?? "").split("\n").filter(Boolean).map((l) => l.split(/\s+/)).map(([k, v]) => [k!, counter(v ?? "")]));
/** "key value" lines → record of numbers (times and counts that stay small). */
const keyed = (text: string | undefined): Record<string, number> =>
  Object.fromEntries((text ?? "").split("\n").filter(Boolean).map((l) => l.split(/\s+/)).map(([k, v]) => [k!, Number(v)]));

/** JSON with counters past 2^53 written as exact integers (as runc's Go encoder writes uint64). */
export function statsJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `__exact:${v}` : v)).replace(/"__exact:(\d+)"/g, "$1");
}

/** Finds the directory holding `file` among the container's cgroup directories. */
const find = (dirs: readonly string[], file: string): string | undefined => dirs.map((d) => join(d, file)).find((p) => read(p) !== undefined);

export function cgroupStats(dirs: readonly string[]): Record<string, unknown> {
  const f = (file: string) => read(find(dirs, file) ?? "/nonexistent");
  if (f("cgroup.controllers") !== undefined && f("memory.usage_in_bytes") === undefined) {
    const cpu = keyed(f("cpu.stat"));
    const mem = exactKeyed(f("memory.stat"));
    return {
      cpu: {
        usage: { total: (cpu.usage_usec ?? 0) * 1000, user: (cpu.user_usec ?? 0) * 1000, kernel: (cpu.system_usec ?? 0) * 1000 },
        throttling: { periods: cpu.nr_periods ?? 0, throttledPeriods: cpu.nr_throttled ?? 0, throttledTime: (cpu.throttled_usec ?? 0) * 1000 },
      },
      memory: {
        usage: { usage: num(f("memory.current")), limit: num(f("memory.max")), max: num(f("memory.peak")) },
        swap: { usage: num(f("memory.swap.current")), limit: num(f("memory.swap.max")) },
        raw: mem,
      },
      pids: { current: num(f("pids.current")), limit: num(f("pids.max")) },
      blkio: ioStatV2(f("io.stat")),
    };
  }
  const acct = keyed(f("cpuacct.stat"));
  const tick = 1e9 / 100; // USER_HZ
  const thr = keyed(f("cpu.stat"));
  return {
    cpu: {
      usage: {
        total: num(f("cpuacct.usage")),
        percpu: (f("cpuacct.usage_percpu") ?? "").trim().split(/\s+/).filter(Boolean).map(Number),
        kernel: (acct.system ?? 0) * tick,
        user: (acct.user ?? 0) * tick,
      },
      throttling: { periods: thr.nr_periods ?? 0, throttledPeriods: thr.nr_throttled ?? 0, throttledTime: thr.throttled_time ?? 0 },
    },
    memory: {
      usage: { usage: num(f("memory.usage_in_bytes")), max: num(f("memory.max_usage_in_bytes")), limit: num(f("memory.limit_in_bytes")), failcnt: num(f("memory.failcnt")) },
      swap: { usage: num(f("memory.memsw.usage_in_bytes")), max: num(f("memory.memsw.max_usage_in_bytes")), limit: num(f("memory.memsw.limit_in_bytes")), failcnt: num(f("memory.memsw.failcnt")) },
      kernel: { usage: num(f("memory.kmem.usage_in_bytes")), max: num(f("memory.kmem.max_usage_in_bytes")), limit: num(f("memory.kmem.limit_in_bytes")), failcnt: num(f("memory.kmem.failcnt")) },
      raw: exactKeyed(f("memory.stat")),
    },
    pids: { current: num(f("pids.current")), limit: num(f("pids.max")) },
    blkio: {
      ioServiceBytesRecursive: blkioV1(f, "io_service_bytes"),
      ioServicedRecursive: blkioV1(f, "io_serviced"),
    },
  };
}

export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: Counter;
}

/** v1's per-device lines ("8:0 Read 4096"; the last, "Total N", has no device): the CFQ/BFQ files
 * when they count anything, else the throttle ones, which count every I/O (runc and containerd
 * read them in this order). */
function blkioV1(f: (file: string) => string | undefined, what: string): BlkioEntry[] {
  for (const file of [`blkio.${what}_recursive`, `blkio.bfq.${what}_recursive`, `blkio.throttle.${what}_recursive`, `blkio.throttle.${what}`]) {
    const entries = (f(file) ?? "")
      .split("\n")
      .map((l) => /^(\d+):(\d+) (\w+) (\d+)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => ({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: counter(m[4]!) }));
    if (entries.length) return entries;
  }
  return [];
}

/** v2's io.stat ("8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0") as runc maps it: bytes
 * and operations read and written per device. */
function ioStatV2(text: string | undefined): { ioServiceBytesRecursive: BlkioEntry[]; ioServicedRecursive: BlkioEntry[] } {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? "").split("\n")) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? "");
    if (!m) continue;
    const kv = Object.fromEntries(pairs.map((p) => p.split("=")).map(([k, v]) => [k!, counter(v ?? "0")]));
    const at = { major: Number(m[1]), minor: Number(m[2]) };
    bytes.push({ ...at, op: "Read", value: kv.rbytes ?? 0 }, { ...at, op: "Write", value: kv.wbytes ?? 0 });
    ios.push({ ...at, op: "Read", value: kv.rios ?? 0 }, { ...at, op: "Write", value: kv.wios ?? 0 });
  }
  return { ioServiceBytesRecursive: bytes, ioServicedRecursive: ios };
}

/** How many times the kernel's OOM killer has killed in the cgroup (v1 oom_control, v2 memory.events). */
export function oomKills(dirs: readonly string[]): number {
  for (const file of ["memory.oom_control", "memory.events"]) {
    const text = read(find(dirs, file) ?? "/nonexistent");
    if (text !== undefined) return keyed(text).oom_kill ?? 0;
  }
  return 0;
}
