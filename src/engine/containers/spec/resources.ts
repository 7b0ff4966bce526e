// --memory, --memory-swap, --memory-reservation, --memory-swappiness, --oom-kill-disable, --cpus,
// --cpu-quota, --cpu-period, --cpu-shares, --cpuset-cpus, --pids-limit → linux.resources,
// the block I/O options (blkio.ts), and --ulimit → process.rlimits, as dockerd writes them (confirmed by test/spec-differential.test.ts).
// dockerd always writes memory.disableOOMKiller false, cpu.shares 0 and blockIO.weight 0; a runtime
// takes 0 as "not set", and they are kept so that the two configs compare equal.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { invalid } from "../../../common/errors.ts";
import { blockIo } from "./blkio.ts";
import type { ContainerOptions, Ulimit } from "./options.ts";

/** The CFS period dockerd pairs with --cpus: 100 ms. */
export const CPU_PERIOD = 100_000;
/** dockerd's smallest --memory: 6 MiB. */
export const MIN_MEMORY = 6 * 1024 * 1024;
/** cpu.shares the kernel accepts (it clamps anything else to these). */
const MIN_SHARES = 2;
const MAX_SHARES = 262_144;
/** RLIM_INFINITY as the runtime config carries it (2^64-1 does not fit a double; the runtime reads 2^64 as infinity). */
export const RLIM_INFINITY = 2 ** 64;

const bad = (flag: string, message: string, hint: string) => invalid("engine", "ENGINE_INVALID_RESOURCES", `${flag}: ${message}`, hint, { field: flag });

export type ResourceOptions = Pick<ContainerOptions, "memory" | "memorySwap" | "nanoCpus" | "cpuShares" | "cpusetCpus" | "pidsLimit" | "memoryReservation" | "cpuQuota" | "cpuPeriod" | "memorySwappiness" | "oomKillDisable" | "cpusetMems" | "blkio">;

/** The ranges of a CPU list as the kernel writes them ("0-3,8" → [0, 3], [8, 8]); undefined for
 *  anything else. Ranges, not the CPUs one by one: "0-4000000000" is a short string. */
export function cpuRanges(text: string): [number, number][] | undefined {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) return undefined;
  const out = text.split(",").map((part) => {
    const [a, b = a] = part.split("-").map(Number) as [number, number?];
    return [a, b!] as [number, number];
  });
  return out.every(([a, b]) => a <= b) ? out : undefined;
}

/** Whether every CPU of `wanted` is in `have` (a range may span several of `have`'s). */
function cpusWithin(wanted: readonly [number, number][], have: readonly [number, number][]): boolean {
  const sorted = [...have].sort((x, y) => x[0] - y[0]);
  return wanted.every(([a, b]) => {
    let next = a; // the first CPU of [a, b] not yet found in `have`
    for (const [lo, hi] of sorted) if (lo <= next && hi >= next) next = hi + 1;
    return next > b;
  });
}

/** The host's CPUs a container may be given (the kernel's online list). */
function onlineCpus(): string {
  try {
    return readFileSync("/sys/devices/system/cpu/online", "utf8").trim();
  } catch {
    return `0-${availableParallelism() - 1}`;
  }
}

/** The host's memory nodes (NUMA), "0" where the kernel lists none. */
function onlineNodes(): string {
  try {
    return readFileSync("/sys/devices/system/node/online", "utf8").trim();
  } catch {
    return "0";
  }
}

/** The checks dockerd makes when a container is created; each names the flag. */
export function checkResources(o: ResourceOptions, hostCpus = availableParallelism(), online = onlineCpus, nodes = onlineNodes): void {
  const { memory = 0, memorySwap = 0, nanoCpus = 0 } = o;
  // dockerd's own words for these
  if (memory < 0 || (memory > 0 && memory < MIN_MEMORY)) throw bad("--memory", "Minimum memory limit allowed is 6MB", "give --memory 6m or more");
  if (memorySwap > 0 && memory === 0) throw bad("--memory-swap", "set without --memory", "give --memory too, or leave --memory-swap out");
  if (memorySwap > 0 && memorySwap < memory) throw bad("--memory-swap", `${memorySwap} is below --memory ${memory}`, "--memory-swap is memory plus swap: give at least --memory, or -1 for unlimited swap");
  if (memorySwap < -1) throw bad("--memory-swap", `${memorySwap} is not a size`, "give a size, or -1 for unlimited swap");
  const { memoryReservation = 0, cpuQuota = 0, cpuPeriod = 0 } = o;
  if (o.cpuShares && o.cpuShares < MIN_SHARES) throw bad("--cpu-shares", `the minimum allowed cpu-shares is ${MIN_SHARES}`, `give ${MIN_SHARES} to ${MAX_SHARES}`);
  if (o.cpuShares && o.cpuShares > MAX_SHARES) throw bad("--cpu-shares", `the maximum allowed cpu-shares is ${MAX_SHARES}`, `give ${MIN_SHARES} to ${MAX_SHARES}`);
  if (o.cpusetMems !== undefined && o.cpusetMems !== "") {
    const wanted = cpuRanges(o.cpusetMems);
    if (!wanted) throw bad("--cpuset-mems", `Invalid value ${o.cpusetMems} for cpuset mems`, 'give memory node numbers and ranges, e.g. "0-1"');
    const available = nodes();
    const have = cpuRanges(available);
    if (have && !cpusWithin(wanted, have)) throw bad("--cpuset-mems", `Requested memory nodes are not available - requested ${o.cpusetMems}, available: ${available}`, `give nodes among ${available}`);
  }
  if (memoryReservation < 0 || (memoryReservation > 0 && memoryReservation < MIN_MEMORY)) throw bad("--memory-reservation", "Minimum memory reservation allowed is 6MB", "give --memory-reservation 6m or more");
  if (memory > 0 && memoryReservation > 0 && memory < memoryReservation) throw bad("--memory-reservation", "Minimum memory limit can not be less than memory reservation limit, see usage", "give a reservation below --memory");
  if (o.memorySwappiness !== undefined && o.memorySwappiness !== -1 && !(Number.isInteger(o.memorySwappiness) && o.memorySwappiness >= 0 && o.memorySwappiness <= 100))
    throw bad("--memory-swappiness", `Invalid value: ${o.memorySwappiness}, valid memory swappiness range is 0-100`, "give 0 to 100");
  if (nanoCpus > 0 && cpuQuota > 0) throw bad("--cpus", "Conflicting options: Nano CPUs and CPU Quota cannot both be set", "give --cpus, or --cpu-quota with --cpu-period, not both");
  if (nanoCpus > 0 && cpuPeriod > 0) throw bad("--cpus", "Conflicting options: Nano CPUs and CPU Period cannot both be set", "give --cpus, or --cpu-quota with --cpu-period, not both");
  if (cpuPeriod !== 0 && (cpuPeriod < 1000 || cpuPeriod > 1_000_000)) throw bad("--cpu-period", "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)", "give 1000 to 1000000 microseconds");
  if (cpuQuota > 0 && cpuQuota < 1000) throw bad("--cpu-quota", "CPU cfs quota can not be less than 1ms (i.e. 1000)", "give 1000 microseconds or more, or -1 for none");
  // (dockerd takes 0 < --cpus < 0.01, which the kernel's CFS quota then refuses at start)
  if (nanoCpus < 0 || (nanoCpus > 0 && nanoCpus < 10_000_000) || nanoCpus > hostCpus * 1e9)
    throw bad("--cpus", `Range of CPUs is from 0.01 to ${hostCpus}.00, as there are only ${hostCpus} CPUs available`, `give --cpus from 0.01 to ${hostCpus}`);
  if (o.cpusetCpus !== undefined && o.cpusetCpus !== "") {
    const wanted = cpuRanges(o.cpusetCpus);
    if (!wanted) throw bad("--cpuset-cpus", `${JSON.stringify(o.cpusetCpus)} is not a list of CPUs`, 'give CPU numbers and ranges, e.g. "0-2,4"');
    // dockerd's words; the kernel's ERANGE from cpuset.cpus at start said less
    const available = online();
    const have = cpuRanges(available);
    if (have && !cpusWithin(wanted, have)) throw bad("--cpuset-cpus", `Requested CPUs are not available - requested ${o.cpusetCpus}, available: ${available}`, `give CPUs among ${available}`);
  }
}

/** linux.resources less the device rules (devices.ts). */
export function linuxResources(o: ResourceOptions, online = onlineCpus, nodes = onlineNodes): Record<string, unknown> {
  checkResources(o, undefined, online, nodes);
  const memory: Record<string, unknown> = {};
  if (o.memory) {
    memory.limit = o.memory;
    // dockerd's default when --memory-swap is not given: as much swap as memory
    const swap = o.memorySwap ?? 0;
    if (swap !== -1) memory.swap = swap > 0 ? swap : o.memory * 2;
  }
  if (o.memoryReservation) memory.reservation = o.memoryReservation;
  if (o.memorySwappiness !== undefined && o.memorySwappiness >= 0) memory.swappiness = o.memorySwappiness;
  memory.disableOOMKiller = !!o.oomKillDisable;
  const cpu: Record<string, unknown> = { shares: o.cpuShares ?? 0 };
  if (o.nanoCpus) {
    cpu.quota = Math.round((o.nanoCpus * CPU_PERIOD) / 1e9);
    cpu.period = CPU_PERIOD;
  }
  if (o.cpuQuota) cpu.quota = o.cpuQuota;
  if (o.cpuPeriod) cpu.period = o.cpuPeriod;
  if (o.cpusetCpus) cpu.cpus = o.cpusetCpus;
  if (o.cpusetMems) cpu.mems = o.cpusetMems;
  const out: Record<string, unknown> = { memory, cpu };
  if (o.pidsLimit !== undefined && o.pidsLimit > 0) out.pids = { limit: o.pidsLimit };
  out.blockIO = blockIo(o.blkio);
  return out;
}

/** --oom-score-adj: dockerd's range and words. */
export function checkOomScoreAdj(v: number | undefined): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= -1000 && v <= 1000))
    throw bad("--oom-score-adj", `Invalid value ${v}, range for oom score adj is [-1000, 1000]`, "give -1000 to 1000");
}

const ULIMIT_NAMES = ["as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"];

/** process.rlimits from --ulimit: one per name (the last given wins), in the order first given. */
export function rlimits(ulimits: readonly Ulimit[] = []): { type: string; hard: number; soft: number }[] {
  const out = new Map<string, { type: string; hard: number; soft: number }>();
  for (const u of ulimits) {
    const name = u.name.toLowerCase();
    if (!ULIMIT_NAMES.includes(name)) throw invalid("engine", "ENGINE_INVALID_ULIMIT", `--ulimit: unknown limit ${JSON.stringify(u.name)}`, `use one of ${ULIMIT_NAMES.join(", ")}`, { field: "--ulimit" });
    const value = (v: number) => (v === -1 ? RLIM_INFINITY : v);
    // docker reads them as int64
    const fits = (v: number) => Number.isInteger(v) && v >= -1 && v <= 2 ** 63 - 1;
    if (!fits(u.soft) || !fits(u.hard))
      throw invalid("engine", "ENGINE_INVALID_ULIMIT", `--ulimit ${name}: ${u.soft}:${u.hard} is not a pair of limits`, "give soft[:hard] as whole numbers, or -1 for unlimited", { field: "--ulimit" });
    if (value(u.soft) > value(u.hard))
      throw invalid("engine", "ENGINE_INVALID_ULIMIT", `--ulimit ${name}: soft limit ${u.soft} is above the hard limit ${u.hard}`, "give soft:hard with soft at most hard", { field: "--ulimit" });
    const type = `RLIMIT_${name.toUpperCase()}`;
    out.delete(type);
    out.set(type, { type, hard: value(u.hard), soft: value(u.soft) });
  }
  return [...out.values()];
}
