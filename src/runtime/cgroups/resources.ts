// `linux.resources` of the runtime spec (1.2/1.3), typed and checked field by field. Values keep the
// spec's meaning: 0 or absent means "leave as is", -1 means "unlimited" where the spec allows it.
// Range checks are the ones the kernel or runc would otherwise report late and vaguely (a cgroup
// half-made, "write: invalid argument"): here they fail before anything is created, naming the field.
import { Checker } from "../../oci/check.ts";

export interface MemoryResources {
  limit?: number;
  reservation?: number;
  /** memory+swap (the v1 memsw meaning); v2 gets swap - limit. */
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

export interface CpuResources {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

export interface WeightDevice {
  major: number;
  minor: number;
  weight?: number;
  leafWeight?: number;
}

export interface ThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

export interface BlockIoResources {
  weight?: number;
  leafWeight?: number;
  weightDevice: WeightDevice[];
  throttleReadBpsDevice: ThrottleDevice[];
  throttleWriteBpsDevice: ThrottleDevice[];
  throttleReadIOPSDevice: ThrottleDevice[];
  throttleWriteIOPSDevice: ThrottleDevice[];
}

/** One device cgroup rule; major/minor -1 is the wildcard "*", type "a" means all devices. */
export interface DeviceRule {
  allow: boolean;
  type: "a" | "b" | "c";
  major: number;
  minor: number;
  /** A non-empty subset of "rwm", in that order. */
  access: string;
}

export interface Resources {
  memory?: MemoryResources;
  cpu?: CpuResources;
  pids?: { limit?: number };
  blockIO?: BlockIoResources;
  hugepageLimits: { pageSize: string; limit: number }[];
  devices: DeviceRule[];
  network?: { classID?: number; priorities: { name: string; priority: number }[] };
  rdma: Record<string, { hcaHandles?: number; hcaObjects?: number }>;
  unified: Record<string, string>;
}

const U16 = 0xffff;
const U32 = 2 ** 32 - 1;
const MAX = 2 ** 53 - 1;
/** cpuset lists as the kernel's cpulist_parse takes them: "0-3,5,7-8"; empty means inherit. */
const CPU_LIST = /^$|^\d+(-\d+)?(,\d+(-\d+)?)*$/;
/** Hugepage sizes as the hugetlb files name them ("2MB", "1GB", "64KB"). */
const PAGE_SIZE = /^\d+[KMG]B$/;

/** Checks `linux.resources` (absent → no limits) and returns it typed. `where` names the file in errors. */
export function parseResources(raw: unknown, where = "config.json"): Resources {
  const c = new Checker("runtime", "RUNTIME_CGROUP_INVALID", where);
  const p = "linux.resources";
  const o = c.optObj(raw, p) ?? {};
  // -1 (unlimited) or a byte count; 0 means unset.
  const bytes = (v: unknown, q: string) => c.optInt(v, q, -1, MAX);
  const memory = (() => {
    const m = c.optObj(o.memory, `${p}.memory`);
    if (!m) return undefined;
    const r: MemoryResources = {
      limit: bytes(m.limit, `${p}.memory.limit`),
      reservation: bytes(m.reservation, `${p}.memory.reservation`),
      swap: bytes(m.swap, `${p}.memory.swap`),
      kernel: bytes(m.kernel, `${p}.memory.kernel`),
      kernelTCP: bytes(m.kernelTCP, `${p}.memory.kernelTCP`),
      // runc rejects values above 100, as the kernel does (mem_cgroup_swappiness_write).
      swappiness: c.optInt(m.swappiness, `${p}.memory.swappiness`, 0, 100),
      disableOOMKiller: c.bool(m.disableOOMKiller, `${p}.memory.disableOOMKiller`),
      useHierarchy: c.bool(m.useHierarchy, `${p}.memory.useHierarchy`),
      checkBeforeUpdate: c.bool(m.checkBeforeUpdate, `${p}.memory.checkBeforeUpdate`),
    };
    // memory+swap below memory cannot be expressed in v1 (the kernel refuses) nor converted for v2.
    if (r.swap !== undefined && r.swap > 0 && r.limit !== undefined && r.limit > 0 && r.swap < r.limit)
      c.fail(`${p}.memory.swap`, `at least memory.limit (${r.limit}): it counts memory plus swap`, r.swap);
    if (r.swap !== undefined && r.swap > 0 && !(r.limit !== undefined && r.limit > 0))
      c.fail(`${p}.memory.limit`, "set when memory.swap is: swap is memory plus swap", m.limit);
    return r;
  })();
  const cpu = (() => {
    const m = c.optObj(o.cpu, `${p}.cpu`);
    if (!m) return undefined;
    const shares = c.optInt(m.shares, `${p}.cpu.shares`, 0, MAX);
    // The kernel's range (MIN_SHARES..MAX_SHARES); runc reports a clamped value read back as an error.
    if (shares !== undefined && shares !== 0 && (shares < 2 || shares > 262144)) c.fail(`${p}.cpu.shares`, "between 2 and 262144", shares);
    const period = c.optInt(m.period, `${p}.cpu.period`, 0, MAX);
    // kernel/sched/core.c: min_cfs_quota_period 1ms, max_cfs_quota_period 1s.
    if (period !== undefined && period !== 0 && (period < 1000 || period > 1_000_000)) c.fail(`${p}.cpu.period`, "between 1000 and 1000000 (µs)", period);
    const quota = c.optInt(m.quota, `${p}.cpu.quota`, -1, MAX);
    if (quota !== undefined && quota > 0 && quota < 1000) c.fail(`${p}.cpu.quota`, "-1 (unlimited) or at least 1000 (µs)", quota);
    const cpus = c.optStr(m.cpus, `${p}.cpu.cpus`);
    if (cpus !== undefined && !CPU_LIST.test(cpus)) c.fail(`${p}.cpu.cpus`, 'a CPU list like "0-3,5"', cpus);
    const mems = c.optStr(m.mems, `${p}.cpu.mems`);
    if (mems !== undefined && !CPU_LIST.test(mems)) c.fail(`${p}.cpu.mems`, 'a memory node list like "0-1"', mems);
    const idle = c.optInt(m.idle, `${p}.cpu.idle`, 0, 1);
    // An idle group has no weight of its own: the kernel refuses cpu.shares/cpu.weight (EINVAL).
    if (idle === 1 && shares) c.fail(`${p}.cpu.shares`, "unset when cpu.idle is 1", shares);
    return {
      shares,
      quota,
      burst: c.optInt(m.burst, `${p}.cpu.burst`, 0, MAX),
      period,
      realtimeRuntime: c.optInt(m.realtimeRuntime, `${p}.cpu.realtimeRuntime`, -1, MAX),
      realtimePeriod: c.optInt(m.realtimePeriod, `${p}.cpu.realtimePeriod`, 0, MAX),
      cpus,
      mems,
      // cpu.idle takes 0 or 1 (kernel/sched/fair.c sched_group_set_idle).
      idle,
    } satisfies CpuResources;
  })();
  const pidsObj = c.optObj(o.pids, `${p}.pids`);
  const blockIO = (() => {
    const b = c.optObj(o.blockIO, `${p}.blockIO`);
    if (!b) return undefined;
    // blkio/io weights: 10..1000 (CFQ/BFQ range); 0 means unset.
    const weight = (v: unknown, q: string) => {
      const w = c.optInt(v, q, 0, U16);
      if (w !== undefined && w !== 0 && (w < 10 || w > 1000)) c.fail(q, "between 10 and 1000", w);
      return w;
    };
    const device = (d: Record<string, unknown>, q: string) => ({ major: c.int(d.major, `${q}.major`, 0, U32), minor: c.int(d.minor, `${q}.minor`, 0, U32) });
    const throttle = (key: string) =>
      c.arr(b[key], `${p}.blockIO.${key}`, (x, q) => {
        const d = c.obj(x, q);
        return { ...device(d, q), rate: c.int(d.rate, `${q}.rate`, 0, MAX) };
      });
    return {
      weight: weight(b.weight, `${p}.blockIO.weight`),
      leafWeight: weight(b.leafWeight, `${p}.blockIO.leafWeight`),
      weightDevice: c.arr(b.weightDevice, `${p}.blockIO.weightDevice`, (x, q) => {
        const d = c.obj(x, q);
        return { ...device(d, q), weight: weight(d.weight, `${q}.weight`), leafWeight: weight(d.leafWeight, `${q}.leafWeight`) };
      }),
      throttleReadBpsDevice: throttle("throttleReadBpsDevice"),
      throttleWriteBpsDevice: throttle("throttleWriteBpsDevice"),
      throttleReadIOPSDevice: throttle("throttleReadIOPSDevice"),
      throttleWriteIOPSDevice: throttle("throttleWriteIOPSDevice"),
    } satisfies BlockIoResources;
  })();
  const network = (() => {
    const n = c.optObj(o.network, `${p}.network`);
    if (!n) return undefined;
    return {
      classID: c.optInt(n.classID, `${p}.network.classID`, 0, U32),
      priorities: c.arr(n.priorities, `${p}.network.priorities`, (x, q) => {
        const e = c.obj(x, q);
        const name = c.str(e.name, `${q}.name`);
        // An interface name: at most IFNAMSIZ-1 bytes, no blanks (ifpriomap is "name prio").
        if (!/^[^\s/]{1,15}$/.test(name)) c.fail(`${q}.name`, "a network interface name", name);
        return { name, priority: c.int(e.priority, `${q}.priority`, 0, U32) };
      }),
    };
  })();
  const rdma: Resources["rdma"] = {};
  for (const [name, v] of Object.entries(c.optObj(o.rdma, `${p}.rdma`) ?? {})) {
    const q = `${p}.rdma.${name}`;
    if (!/^[^\s/]+$/.test(name)) c.fail(q, "keyed by an RDMA device name", name);
    const e = c.obj(v, q);
    rdma[name] = { hcaHandles: c.optInt(e.hcaHandles, `${q}.hcaHandles`, 0, U32), hcaObjects: c.optInt(e.hcaObjects, `${q}.hcaObjects`, 0, U32) };
  }
  return {
    memory,
    cpu,
    pids: pidsObj && { limit: c.optInt(pidsObj.limit, `${p}.pids.limit`, -1, MAX) },
    blockIO,
    hugepageLimits: c.arr(o.hugepageLimits, `${p}.hugepageLimits`, (x, q) => {
      const h = c.obj(x, q);
      const pageSize = c.str(h.pageSize, `${q}.pageSize`);
      if (!PAGE_SIZE.test(pageSize)) c.fail(`${q}.pageSize`, 'a hugepage size like "2MB" or "1GB"', pageSize);
      return { pageSize, limit: c.int(h.limit, `${q}.limit`, 0, MAX) };
    }),
    devices: c.arr(o.devices, `${p}.devices`, (x, q) => deviceRule(c, x, q)),
    network,
    rdma,
    unified: c.strMap(o.unified, `${p}.unified`),
  };
}

function deviceRule(c: Checker, x: unknown, q: string): DeviceRule {
  const d = c.obj(x, q);
  const allow = c.bool(d.allow, `${q}.allow`);
  if (allow === undefined) c.fail(`${q}.allow`, "true or false", d.allow);
  const type = c.optStr(d.type, `${q}.type`) ?? "a";
  if (type !== "a" && type !== "b" && type !== "c") c.fail(`${q}.type`, 'one of "a", "b", "c"', type);
  // Unset access means all of rwm, as crun and runc's v1 path read it.
  const access = c.optStr(d.access, `${q}.access`) || "rwm";
  if (!/^[rwm]+$/.test(access)) c.fail(`${q}.access`, 'letters from "rwm"', access);
  return {
    allow,
    type,
    major: c.optInt(d.major, `${q}.major`, -1, U32) ?? -1,
    minor: c.optInt(d.minor, `${q}.minor`, -1, U32) ?? -1,
    access: ["r", "w", "m"].filter((a) => access.includes(a)).join(""),
  };
}
