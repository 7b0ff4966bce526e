// A test double of a cgroup v2 mount in a temp directory: plain files laid out as the kernel lays
// them out. What the kernel does on its own is done here by `mkcgroup`: a new cgroup lists in
// cgroup.controllers what its parent's cgroup.subtree_control enables, and gets those
// controllers' interface files. It cannot refuse values; tests that need a refusal pass
// applyWrites a writeFile double.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseCgroupLayout, type CgroupLayout } from "./hierarchy.ts";

/** Interface files per controller, with the kernel's defaults (cgroup-v2.rst). */
const FILES: Record<string, Record<string, string>> = {
  cpu: { "cpu.weight": "100", "cpu.max": "max 100000", "cpu.max.burst": "0", "cpu.idle": "0", "cpu.stat": "" },
  cpuset: { "cpuset.cpus": "", "cpuset.mems": "", "cpuset.cpus.effective": "0-1" },
  io: { "io.weight": "default 100", "io.max": "", "io.stat": "" },
  memory: { "memory.max": "max", "memory.low": "0", "memory.high": "max", "memory.current": "0", "memory.oom.group": "0" },
  hugetlb: { "hugetlb.2MB.max": "max", "hugetlb.1GB.max": "max" },
  pids: { "pids.max": "max", "pids.current": "0" },
  rdma: { "rdma.max": "" },
};
const CORE = { "cgroup.procs": "", "cgroup.subtree_control": "", "cgroup.max.depth": "max", "cgroup.max.descendants": "max", "cgroup.events": "populated 0\nfrozen 0\n" };

export interface FakeCgroupfsOptions {
  /** Controllers of the root (its cgroup.controllers). */
  controllers: string[];
  /** The BFQ scheduler's io.bfq.weight (the file runc prefers for blkio weights). */
  bfq?: boolean;
  /** Swap accounting: memory.swap.max. */
  swap?: boolean;
}

export interface FakeCgroupfs {
  root: string;
  /** Makes a cgroup (parents first, as mkdir -p) the way the kernel populates it. */
  mkcgroup(relPath: string): string;
  read(relPath: string): string;
  /** The layout of a v2-only host with this tree as its cgroup2 mount, this process in "/". */
  v2Layout(): CgroupLayout;
  remove(): void;
}

export function makeFakeCgroupfs(options: FakeCgroupfsOptions): FakeCgroupfs {
  const root = mkdtempSync(join(tmpdir(), "skiff-fake-cgroup2-"));
  const populate = (dir: string, controllers: string[]) => {
    writeFileSync(join(dir, "cgroup.controllers"), controllers.join(" ") + "\n");
    for (const [f, v] of Object.entries(CORE)) writeFileSync(join(dir, f), v);
    for (const c of controllers) for (const [f, v] of Object.entries(FILES[c] ?? {})) writeFileSync(join(dir, f), v);
    if (options.bfq && controllers.includes("io")) writeFileSync(join(dir, "io.bfq.weight"), "default 100");
    if (options.swap && controllers.includes("memory")) writeFileSync(join(dir, "memory.swap.max"), "max");
  };
  writeFileSync(join(root, "cgroup.controllers"), options.controllers.join(" ") + "\n");
  writeFileSync(join(root, "cgroup.subtree_control"), "");
  writeFileSync(join(root, "cgroup.procs"), "");
  const mkcgroup = (relPath: string): string => {
    const dir = join(root, relPath);
    const parent = dirname(dir);
    if (parent !== root && !safeRead(join(parent, "cgroup.controllers"))) mkcgroup(dirname(relPath));
    mkdirSync(dir);
    // The kernel answers "+cpu +io" writes by listing "cpu io"; the fake keeps the last write.
    const enabled = (safeRead(join(parent, "cgroup.subtree_control")) ?? "").split(/\s+/).filter(Boolean).map((t) => t.replace(/^\+/, ""));
    populate(dir, enabled);
    return dir;
  };
  return {
    root,
    mkcgroup,
    read: (relPath) => readFileSync(join(root, relPath), "utf8"),
    v2Layout: () => parseCgroupLayout(`30 23 0:26 / ${root} rw - cgroup2 cgroup2 rw`, "0::/\n"),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
