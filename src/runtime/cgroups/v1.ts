// linux.resources → the ordered writes for cgroup v1 (each controller its own hierarchy), the files
// and values runc 1.1 writes (libcontainer/cgroups/fs), in runc's controller order. Also used on
// hybrid hosts, where the controllers live in v1 hierarchies and the unified tree holds none we use.
import { invalid } from "../../common/errors.ts";
import { cgroupRuleString, containerDeviceRules, emulateDeviceRules } from "./device-rules.ts";
import type { Resources } from "./resources.ts";
import { pidsWrites, requireControllers, write, type CgroupWrite } from "./write.ts";

export interface V1PlanInput {
  resources: Resources;
  /** Controllers mounted as v1 hierarchies ("cpu", "cpuacct", "memory", …: one name each). */
  controllers: readonly string[];
  /** Leave the devices cgroup alone (rootless: the kernel refuses, and runc skips it too). */
  skipDevices?: boolean;
}

export interface V1Plan {
  writes: CgroupWrite[];
  /** Fields accepted but not applied, one sentence each, for a debug log. */
  warnings: string[];
}

const R = "linux.resources";

export function planV1(input: V1PlanInput): V1Plan {
  const { resources: r } = input;
  const warnings: string[] = [];
  if (Object.keys(r.unified).length > 0)
    throw invalid("runtime", "RUNTIME_CGROUP_INVALID", `apply ${R}.unified: the host uses cgroup v1, which has no unified files (keys: ${Object.keys(r.unified).join(", ")})`, `remove ${R}.unified, or run on a cgroup v2 host`, { field: `${R}.unified` });
  const writes = [
    ...cpuset(r),
    ...(input.skipDevices ? [] : devices(r)),
    ...memory(r, warnings),
    ...cpu(r),
    ...pidsWrites(r),
    ...blkio(r),
    ...hugetlb(r),
    ...network(r),
    ...rdma(r),
  ];
  requireControllers(writes, input.controllers, "the cgroup v1 hierarchies mounted on this host");
  return { writes, warnings };
}

function cpuset(r: Resources): CgroupWrite[] {
  const c = r.cpu;
  const out: CgroupWrite[] = [];
  if (c?.cpus) out.push(write("cpuset", "cpuset.cpus", c.cpus, { field: `${R}.cpu.cpus` }));
  if (c?.mems) out.push(write("cpuset", "cpuset.mems", c.mems, { field: `${R}.cpu.mems` }));
  return out;
}

/** Reset to the target's default policy, then its exceptions: the transition runc computes from a
 * new cgroup (which inherits allow-all or its parent's list, so the reset is always needed). */
function devices(r: Resources): CgroupWrite[] {
  const state = emulateDeviceRules(containerDeviceRules(r.devices));
  const field = `${R}.devices`;
  return [
    write("devices", state.defaultAllow ? "devices.allow" : "devices.deny", "a *:* rwm", { field }),
    ...state.exceptions.map((e) => write("devices", e.allow ? "devices.allow" : "devices.deny", cgroupRuleString(e), { field })),
  ];
}

function memory(r: Resources, warnings: string[]): CgroupWrite[] {
  const m = r.memory;
  if (!m) return [];
  const out: CgroupWrite[] = [];
  const limit = m.limit ?? 0;
  const swap = m.swap ?? 0;
  // The kernel keeps limit ≤ memsw.limit at every step, so raising both needs memsw first and
  // lowering both needs limit first. runc reads the current limit to choose; here the limit goes
  // first and, if refused with EINVAL, again after memsw. An unlimited memory with swap unset also
  // makes memsw unlimited (runc), where swap accounting exists.
  const memsw = swap !== 0 ? swap : limit === -1 ? -1 : 0;
  if (limit !== 0) out.push(write("memory", "memory.limit_in_bytes", limit, { field: `${R}.memory.limit`, retryOnEinval: memsw !== 0 }));
  if (memsw !== 0) out.push(write("memory", "memory.memsw.limit_in_bytes", memsw, { field: `${R}.memory.swap`, optional: swap === 0 }));
  // runc ≥ 1.0.3 ignores kernel memory limits: Linux 5.4 deprecated them and later kernels refuse.
  if (m.kernel) warnings.push(`${R}.memory.kernel is ignored, as runc does: the kernel deprecated kernel memory limits`);
  if (m.reservation) out.push(write("memory", "memory.soft_limit_in_bytes", m.reservation, { field: `${R}.memory.reservation` }));
  if (m.kernelTCP) out.push(write("memory", "memory.kmem.tcp.limit_in_bytes", m.kernelTCP, { field: `${R}.memory.kernelTCP` }));
  if (m.disableOOMKiller) out.push(write("memory", "memory.oom_control", 1, { field: `${R}.memory.disableOOMKiller` }));
  if (m.swappiness !== undefined) out.push(write("memory", "memory.swappiness", m.swappiness, { field: `${R}.memory.swappiness` }));
  // Kernels since 5.x are always hierarchical and refuse "0" with EINVAL; the error will say so.
  if (m.useHierarchy !== undefined) out.push(write("memory", "memory.use_hierarchy", m.useHierarchy ? 1 : 0, { field: `${R}.memory.useHierarchy` }));
  if (m.checkBeforeUpdate) warnings.push(`${R}.memory.checkBeforeUpdate has no effect on cgroup v1: the kernel itself refuses a limit it cannot reclaim down to (EBUSY)`);
  return out;
}

function cpu(r: Resources): CgroupWrite[] {
  const c = r.cpu;
  if (!c) return [];
  const out: CgroupWrite[] = [];
  // Realtime first: a task with realtime threads cannot join a cgroup whose rt_runtime is 0, so
  // runc sets these before the container's init joins. rt_period and rt_runtime constrain each
  // other (runtime ≤ period, and the parent's share), hence the retry as runc does.
  if (c.realtimePeriod) out.push(write("cpu", "cpu.rt_period_us", c.realtimePeriod, { field: `${R}.cpu.realtimePeriod`, retryOnEinval: !!c.realtimeRuntime }));
  if (c.realtimeRuntime) out.push(write("cpu", "cpu.rt_runtime_us", c.realtimeRuntime, { field: `${R}.cpu.realtimeRuntime` }));
  if (c.shares) out.push(write("cpu", "cpu.shares", c.shares, { field: `${R}.cpu.shares` }));
  // Period and burst are checked against the quota already in place (quota/period within the
  // parent's, burst ≤ quota): when the kernel refuses them, runc sets the quota and tries again.
  if (c.period) out.push(write("cpu", "cpu.cfs_period_us", c.period, { field: `${R}.cpu.period`, retryOnEinval: !!c.quota }));
  if (c.burst !== undefined) out.push(write("cpu", "cpu.cfs_burst_us", c.burst, { field: `${R}.cpu.burst`, retryOnEinval: !!c.quota, optional: c.burst === 0 }));
  if (c.quota) out.push(write("cpu", "cpu.cfs_quota_us", c.quota, { field: `${R}.cpu.quota` }));
  if (c.idle !== undefined) out.push(write("cpu", "cpu.idle", c.idle, { field: `${R}.cpu.idle`, optional: c.idle === 0 }));
  return out;
}

function blkio(r: Resources): CgroupWrite[] {
  const b = r.blockIO;
  if (!b) return [];
  const out: CgroupWrite[] = [];
  const f = `${R}.blockIO`;
  // BFQ's files when the kernel has them (CFQ, which had blkio.weight, left in 5.0), as runc.
  if (b.weight) out.push(write("blkio", "blkio.bfq.weight", b.weight, { field: `${f}.weight`, fallback: write("blkio", "blkio.weight", b.weight, { field: `${f}.weight` }) }));
  if (b.leafWeight) out.push(write("blkio", "blkio.leaf_weight", b.leafWeight, { field: `${f}.leafWeight` }));
  b.weightDevice.forEach((d, i) => {
    const field = `${f}.weightDevice[${i}]`;
    const dev = `${d.major}:${d.minor}`;
    if (d.weight) out.push(write("blkio", "blkio.bfq.weight_device", `${dev} ${d.weight}`, { field, fallback: write("blkio", "blkio.weight_device", `${dev} ${d.weight}`, { field }) }));
    if (d.leafWeight) out.push(write("blkio", "blkio.leaf_weight_device", `${dev} ${d.leafWeight}`, { field }));
  });
  const throttles = [
    ["throttleReadBpsDevice", "blkio.throttle.read_bps_device"],
    ["throttleWriteBpsDevice", "blkio.throttle.write_bps_device"],
    ["throttleReadIOPSDevice", "blkio.throttle.read_iops_device"],
    ["throttleWriteIOPSDevice", "blkio.throttle.write_iops_device"],
  ] as const;
  for (const [key, file] of throttles)
    b[key].forEach((d, i) => out.push(write("blkio", file, `${d.major}:${d.minor} ${d.rate}`, { field: `${f}.${key}[${i}]` })));
  return out;
}

function hugetlb(r: Resources): CgroupWrite[] {
  return r.hugepageLimits.flatMap((h, i) => {
    const field = `${R}.hugepageLimits[${i}]`;
    return [
      write("hugetlb", `hugetlb.${h.pageSize}.limit_in_bytes`, h.limit, { field }),
      // Reservations (Linux 5.7) are limited alike when the kernel has them, as runc 1.2 does.
      write("hugetlb", `hugetlb.${h.pageSize}.rsvd.limit_in_bytes`, h.limit, { field, optional: true }),
    ];
  });
}

function network(r: Resources): CgroupWrite[] {
  const n = r.network;
  if (!n) return [];
  return [
    ...(n.classID ? [write("net_cls", "net_cls.classid", n.classID, { field: `${R}.network.classID` })] : []),
    ...n.priorities.map((p, i) => write("net_prio", "net_prio.ifpriomap", `${p.name} ${p.priority}`, { field: `${R}.network.priorities[${i}]` })),
  ];
}

/** One line per device, "mlx4_0 hca_handle=2 hca_object=2000" (cgroup-v1/rdma.rst); a limit the
 * config leaves out is left as it is, as runc does. Shared with v2, where rdma.max reads the same. */
export const rdmaWrites = (r: Resources): CgroupWrite[] =>
  Object.entries(r.rdma).flatMap(([dev, l]) => {
    const limits = [l.hcaHandles !== undefined && `hca_handle=${l.hcaHandles}`, l.hcaObjects !== undefined && `hca_object=${l.hcaObjects}`].filter(Boolean);
    return limits.length ? [write("rdma", "rdma.max", [dev, ...limits].join(" "), { field: `${R}.rdma.${dev}` })] : [];
  });
const rdma = rdmaWrites;
