// What this host's cgroup v1 controllers offer a container's cgroup, found by making one: tests ask
// only for what is there (BFQ's weight, swap accounting and CFS bandwidth depend on the kernel and
// its configuration; Linux 5.0 dropped CFQ's blkio.weight, and kernels without BFQ have neither).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { RUN_TAG } from "./leaks.ts";

const cache = new Map<string, Set<string>>();

/** The files of a new cgroup in a v1 controller's hierarchy (empty if it is not mounted). */
export function cgroupV1Files(controller: string): Set<string> {
  let files = cache.get(controller);
  if (files) return files;
  const hierarchy = join("/sys/fs/cgroup", controller);
  files = new Set();
  if (existsSync(join(hierarchy, "cgroup.procs"))) {
    const dir = join(hierarchy, `${RUN_TAG}-probe`);
    mkdirSync(dir, { recursive: true });
    try {
      files = new Set(readdirSync(dir));
    } finally {
      rmdirSync(dir);
    }
  }
  cache.set(controller, files);
  return files;
}

/** The blkio weight file of this kernel: BFQ's, CFQ's (before Linux 5.0), or none. */
export const blkioWeightFile = (): string | undefined => ["blkio.bfq.weight", "blkio.weight"].find((f) => cgroupV1Files("blkio").has(f));

/** A whole disk's "major:minor" (for blkio throttling), if the host has one. */
export function diskDevice(): string | undefined {
  for (const name of readdirSync("/sys/block").filter((n) => !/^(loop|ram|zram)/.test(n)))
    if (existsSync(`/sys/block/${name}/dev`)) return readFileSync(`/sys/block/${name}/dev`, "utf8").trim();
  return undefined;
}

/** One past the highest cpu this kernel could ever have: a cpuset value it always refuses. */
export const impossibleCpu = (): number => Number(readFileSync("/sys/devices/system/cpu/possible", "utf8").trim().split(/[-,]/).at(-1)) + 1;
