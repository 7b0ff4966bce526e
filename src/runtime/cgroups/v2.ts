// linux.resources → the ordered writes for cgroup v2 (one unified tree), with the v1→v2
// conversions runc documents (docs/cgroup-v2.md, libcontainer/cgroups/utils.go), the controllers
// the parents must delegate, and the device rules as an eBPF program (v2 has no devices files).
// Order follows runc's fs2 manager: pids, memory, io, cpu, cpuset, hugetlb, rdma, then `unified`
// last so that its values win over converted ones.
import { invalid, precondition } from "../../common/errors.ts";
import { containerDeviceRules, emulateDeviceRules } from "./device-rules.ts";
import { compileDeviceFilter } from "./devices-ebpf.ts";
import type { Resources } from "./resources.ts";
import { rdmaWrites } from "./v1.ts";
import { pidsWrites, requireControllers, write, type CgroupWrite } from "./write.ts";

export interface V2PlanInput {
  resources: Resources;
  /** Controllers the container's cgroup can have: its parent's cgroup.controllers. */
  controllers: readonly string[];
  /** That file's path, for errors. */
  where: string;
  /** No device program (rootless without delegation, as runc skips it). */
  skipDevices?: boolean;
  /** The cgroup's memory.current when updating, for memory.checkBeforeUpdate. */
  memoryUsage?: number;
}

export interface V2Plan {
  /** Controllers to turn on, as "+name …" in cgroup.subtree_control of every ancestor from the
   * root down to the parent (a controller reaches a cgroup only through each level above it). */
  enable: string[];
  writes: CgroupWrite[];
  /** BPF_PROG_TYPE_CGROUP_DEVICE instructions to attach to the cgroup (see devices-ebpf.ts). */
  deviceProgram?: Uint8Array;
  /** Fields accepted but without a v2 equivalent, ignored as runc ignores them. */
  warnings: string[];
}

/** The v2 controllers, in the order the kernel lists them (cgroup.controllers). */
const CONTROLLERS = ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"];
/** Core files a config may set; the others (procs, subtree_control, freeze, kill, type…) are the runtime's. */
const CORE_FILES = ["cgroup.max.descendants", "cgroup.max.depth"];
const R = "linux.resources";

/** runc's shares → weight: maps [2, 262144] linearly onto [1, 10000] (integer arithmetic). */
export const cpuWeightFromShares = (shares: number): number => (shares === 0 ? 0 : 1 + Math.floor(((shares - 2) * 9999) / 262142));
/** runc's blkio weight → io.weight: maps [10, 1000] linearly onto [1, 10000]. */
export const ioWeightFromBlkio = (weight: number): number => (weight === 0 ? 0 : 1 + Math.floor(((weight - 10) * 9999) / 990));
/** A spec value as v2 writes it: -1 is "max"; 0 (unset) gives nothing. */
const v2num = (n: number | undefined): string | undefined => (!n ? undefined : n === -1 ? "max" : String(n));

/** The line to write to each ancestor's cgroup.subtree_control. */
export const subtreeControlWrite = (enable: readonly string[]): CgroupWrite => write("cgroup", "cgroup.subtree_control", enable.map((c) => `+${c}`).join(" "));

export function planV2(input: V2PlanInput): V2Plan {
  const r = input.resources;
  const warnings = ignored(r);
  checkMemoryUsage(r, input.memoryUsage);
  const writes = [...pidsWrites(r), ...memory(r), ...io(r), ...cpu(r), ...cpuset(r), ...hugetlb(r), ...rdmaWrites(r), ...unified(r)];
  requireControllers(writes, [...input.controllers, "cgroup"], input.where);
  const used = new Set(writes.map((w) => w.controller));
  const deviceProgram = input.skipDevices ? undefined : compileDeviceFilter(emulateDeviceRules(containerDeviceRules(r.devices)));
  return { enable: CONTROLLERS.filter((c) => used.has(c)), writes, deviceProgram, warnings };
}

function ignored(r: Resources): string[] {
  const out: string[] = [];
  const no = (field: string, why: string) => out.push(`${R}.${field} is ignored on cgroup v2: ${why}`);
  const m = r.memory;
  if (m?.kernel) no("memory.kernel", "kernel memory is accounted with the rest");
  if (m?.kernelTCP) no("memory.kernelTCP", "kernel memory is accounted with the rest");
  if (m?.swappiness !== undefined) no("memory.swappiness", "v2 has no per-cgroup swappiness");
  if (m?.disableOOMKiller) no("memory.disableOOMKiller", "v2 cannot disable the OOM killer (memory.oom.group can be set through unified)");
  if (m?.useHierarchy === false) no("memory.useHierarchy", "v2 is always hierarchical");
  if (r.cpu?.realtimeRuntime || r.cpu?.realtimePeriod) no("cpu.realtime*", "v2 has no realtime group scheduling files");
  if (r.blockIO?.leafWeight || r.blockIO?.weightDevice.some((d) => d.leafWeight)) no("blockIO leaf weights", "v2 has no leaf weights");
  if (r.network?.classID || r.network?.priorities.length) no("network", "net_cls and net_prio exist only in v1");
  return out;
}

/** memory.checkBeforeUpdate (runtime-spec 1.2): refuse a new limit at or below current usage, which
 * v2 would otherwise meet by reclaiming and, failing that, OOM-killing the container. */
function checkMemoryUsage(r: Resources, usage: number | undefined): void {
  const limit = r.memory?.limit;
  if (!r.memory?.checkBeforeUpdate || usage === undefined || !limit || limit < 0 || usage < limit) return;
  throw precondition("runtime", "RUNTIME_CGROUP_LIMIT_BELOW_USAGE", `set memory.max to "${limit}": the container already uses ${usage} bytes`, `raise ${R}.memory.limit above the current usage, or unset memory.checkBeforeUpdate`, { file: "memory.max", value: String(limit), field: `${R}.memory.limit` });
}


function memory(r: Resources): CgroupWrite[] {
  const m = r.memory;
  if (!m) return [];
  const out: CgroupWrite[] = [];
  const limit = m.limit ?? 0;
  const swap = m.swap ?? 0;
  // The spec's swap is memory+swap (v1); memory.swap.max is swap alone. Unlimited memory with
  // swap unset means unlimited swap too. Without swap accounting the file is missing, and runc
  // then skips only "max" and "0" (nothing to limit); a real limit it cannot set is an error.
  const swapMax = limit === -1 && swap === 0 ? "max" : swap === -1 ? "max" : swap > 0 ? String(swap - limit) : undefined;
  if (swapMax !== undefined) out.push(write("memory", "memory.swap.max", swapMax, { field: `${R}.memory.swap`, optional: swapMax === "max" || swapMax === "0" }));
  const max = v2num(limit);
  if (max) out.push(write("memory", "memory.max", max, { field: `${R}.memory.limit` }));
  const low = v2num(m.reservation);
  if (low) out.push(write("memory", "memory.low", low, { field: `${R}.memory.reservation` }));
  return out;
}

function io(r: Resources): CgroupWrite[] {
  const b = r.blockIO;
  if (!b) return [];
  const out: CgroupWrite[] = [];
  const f = `${R}.blockIO`;
  // BFQ takes the v1 weight as is; without BFQ, io.weight gets runc's conversion. Per-device
  // weights exist only with BFQ (runc drops them otherwise).
  if (b.weight) out.push(write("io", "io.bfq.weight", b.weight, { field: `${f}.weight`, fallback: write("io", "io.weight", ioWeightFromBlkio(b.weight), { field: `${f}.weight` }) }));
  b.weightDevice.forEach((d, i) => {
    if (d.weight) out.push(write("io", "io.bfq.weight", `${d.major}:${d.minor} ${d.weight}`, { field: `${f}.weightDevice[${i}]`, optional: true }));
  });
  // One io.max line per device with every limit the config sets for it; keys left out keep
  // their value (cgroup-v2.rst, "IO Interface Files").
  const lines = new Map<string, string[]>();
  const keys = [
    ["throttleReadBpsDevice", "rbps"],
    ["throttleWriteBpsDevice", "wbps"],
    ["throttleReadIOPSDevice", "riops"],
    ["throttleWriteIOPSDevice", "wiops"],
  ] as const;
  for (const [field, key] of keys)
    for (const d of b[field]) {
      const dev = `${d.major}:${d.minor}`;
      const parts = (lines.get(dev) ?? []).filter((p) => !p.startsWith(`${key}=`));
      // 0 in a v1 throttle file removes the limit; v2 says "max".
      lines.set(dev, [...parts, `${key}=${d.rate === 0 ? "max" : d.rate}`]);
    }
  for (const [dev, parts] of lines) out.push(write("io", "io.max", `${dev} ${parts.join(" ")}`, { field: `${f}.throttle*` }));
  return out;
}

function cpu(r: Resources): CgroupWrite[] {
  const c = r.cpu;
  if (!c) return [];
  const out: CgroupWrite[] = [];
  if (c.idle !== undefined) out.push(write("cpu", "cpu.idle", c.idle, { field: `${R}.cpu.idle`, optional: c.idle === 0 }));
  if (c.shares) out.push(write("cpu", "cpu.weight", cpuWeightFromShares(c.shares), { field: `${R}.cpu.shares` }));
  const setMax = !!c.quota || !!c.period;
  // The kernel checks a burst against the quota in place (burst ≤ quota); runc retries it after cpu.max.
  if (c.burst !== undefined) out.push(write("cpu", "cpu.max.burst", c.burst, { field: `${R}.cpu.burst`, retryOnEinval: setMax, optional: c.burst === 0 }));
  // "$MAX $PERIOD"; a period alone still writes "max" (the file has no way to set only the
  // period) and a quota alone the default period 100000, both as runc does.
  if (setMax) out.push(write("cpu", "cpu.max", `${c.quota && c.quota > 0 ? c.quota : "max"} ${c.period || 100000}`, { field: `${R}.cpu.quota` }));
  return out;
}

function cpuset(r: Resources): CgroupWrite[] {
  const c = r.cpu;
  const out: CgroupWrite[] = [];
  if (c?.cpus) out.push(write("cpuset", "cpuset.cpus", c.cpus, { field: `${R}.cpu.cpus` }));
  if (c?.mems) out.push(write("cpuset", "cpuset.mems", c.mems, { field: `${R}.cpu.mems` }));
  return out;
}

function hugetlb(r: Resources): CgroupWrite[] {
  return r.hugepageLimits.flatMap((h, i) => [
    write("hugetlb", `hugetlb.${h.pageSize}.max`, h.limit, { field: `${R}.hugepageLimits[${i}]` }),
    write("hugetlb", `hugetlb.${h.pageSize}.rsvd.max`, h.limit, { field: `${R}.hugepageLimits[${i}]`, optional: true }),
  ]);
}

/** `unified` keys are file names, "<controller>.<knob>"; each line of a value is written on its
 * own, as the kernel takes one entry per write for keyed files (runc's WriteFileByLine). */
function unified(r: Resources): CgroupWrite[] {
  return Object.entries(r.unified).flatMap(([key, value]) => {
    const field = `${R}.unified.${key}`;
    const controller = /^([a-z_]+)\.[A-Za-z0-9_.]+$/.exec(key)?.[1];
    const known = controller === "cgroup" ? CORE_FILES.includes(key) : controller !== undefined && CONTROLLERS.includes(controller);
    if (!controller || !known)
      throw invalid("runtime", "RUNTIME_CGROUP_INVALID", `apply ${field}: ${JSON.stringify(key)} is not a file a container's cgroup v2 settings may name`, `use "<controller>.<file>" with a controller among ${CONTROLLERS.join(", ")}`, { field, file: key, value });
    return value.split("\n").filter((l) => l.trim() !== "").map((line) => write(controller, key, line, { field }));
  });
}
