// One write to a cgroup interface file: the unit the v1 and v2 planners produce and applyWrites
// performs, in order. Planning decides everything it can without reading the cgroup; the three
// flags below carry the few choices runc makes only when it meets the kernel.
import { precondition } from "../../common/errors.ts";

export interface CgroupWrite {
  /** v1: the controller whose hierarchy holds the file. v2: the controller that owns the file
   * ("cgroup" for core files), which must be enabled in the parents' cgroup.subtree_control. */
  controller: string;
  /** File name inside the container's cgroup directory ("memory.max"). */
  file: string;
  /** What to write, in one write(2): the kernel parses each write as one command. */
  value: string;
  /** A missing file (ENOENT) is skipped: knobs some kernels lack, which runc skips the same way
   * (memory.swap.max without swap accounting, hugetlb.*.rsvd.*, BFQ's per-device weights). */
  optional?: boolean;
  /** If the kernel answers EINVAL, try again once after the next write that is not itself marked.
   * For pairs whose valid order depends on values already in the cgroup, which planning does not
   * read: cpu.cfs_period_us then cfs_quota_us, cpu.rt_period_us then rt_runtime_us, cpu.max.burst
   * then cpu.max, memory.limit_in_bytes then memory.memsw.limit_in_bytes (runc retries the same way). */
  retryOnEinval?: boolean;
  /** When the file is missing, write this instead (io.bfq.weight → io.weight, as runc chooses). */
  fallback?: CgroupWrite;
  /** The config field the value comes from, for errors ("linux.resources.cpu.quota"). */
  field?: string;
}

export const write = (controller: string, file: string, value: string | number, flags?: Partial<Pick<CgroupWrite, "optional" | "retryOnEinval" | "fallback" | "field">>): CgroupWrite => ({
  controller,
  file,
  value: String(value),
  ...flags,
});

/** Fails on the first write whose controller the host does not offer, naming the file and value,
 * before anything is written: a container is never left with half its limits. */
export function requireControllers(writes: readonly CgroupWrite[], available: readonly string[], where: string): void {
  for (const w of writes) {
    if (available.includes(w.controller)) continue;
    const from = w.field ? ` (from ${w.field})` : "";
    throw precondition("runtime", "RUNTIME_CGROUP_CONTROLLER_MISSING", `set ${w.file} to ${JSON.stringify(w.value)}${from}: controller "${w.controller}" is not available in ${where}`, `enable the ${w.controller} controller on the host, or remove the limit from the config`, { file: w.file, value: w.value, controller: w.controller, field: w.field });
  }
}

/** pids.max, the same file in v1 and v2: runc writes "max" for any limit ≤ 0 (the spec's -1, and
 * a 0 that asks for no limit). */
export function pidsWrites(r: { pids?: { limit?: number } }): CgroupWrite[] {
  const limit = r.pids?.limit;
  return limit === undefined ? [] : [write("pids", "pids.max", limit > 0 ? limit : "max", { field: "linux.resources.pids.limit" })];
}
