// Creates, joins and removes a container's cgroup in every hierarchy of the host. Resource limits
// come with the runtime's part 2; here the cgroup holds the container's processes so that they
// can be listed, signalled all at once, and accounted.
// (node:path and mkdir on first use: delete and kill come here for cgroupPids and removeCgroup only)
import { nodeFs, nodePath } from "../../common/lazy-node.ts";
import { exists, readText, rmdir, writeText } from "../../common/sys.ts";
import { SkiffError } from "../../common/errors.ts";
import { errnoOf } from "../../common/errno.ts";
import { parseCgroupLayout, type CgroupLayout } from "./hierarchy.ts";

export interface CgroupPaths {
  /** The container's cgroup path as written in cgroupsPath, made absolute. */
  path: string;
  /** Directory of the container's cgroup in each hierarchy. */
  dirs: string[];
}

export function readCgroupLayout(): CgroupLayout {
  return parseCgroupLayout(readText("/proc/self/mountinfo"), readText("/proc/self/cgroup"));
}

/** Where the container's cgroup lives: an absolute cgroupsPath as is; a relative one (or none,
 * which means the id) below the caller's own cgroup in each hierarchy, as runc does. */
export function cgroupDirs(layout: CgroupLayout, cgroupsPath: string | undefined, id: string): CgroupPaths {
  const { join, posix } = nodePath();
  const wanted = cgroupsPath && cgroupsPath !== "" ? cgroupsPath : id;
  const dirs = layout.hierarchies.map((h) => join(h.mountpoint, posix.isAbsolute(wanted) ? posix.normalize(wanted) : posix.join(h.current, wanted)));
  return { path: posix.isAbsolute(wanted) ? posix.normalize(wanted) : wanted, dirs };
}

/** What createCgroup(dirs) would make now: the missing directories and parents, parents first. */
export function missingCgroupDirs(dirs: string[]): string[] {
  const { dirname } = nodePath();
  const out: string[] = [];
  for (const dir of dirs) {
    const missing: string[] = [];
    for (let d = dir; !exists(d) && !out.includes(d); d = dirname(d)) missing.unshift(d);
    out.push(...missing);
  }
  return out;
}

/** Creates the cgroup directories and any missing parents, returning what it made (to remove
 * later); existing ones are joined. v1 cpuset starts empty and
 * refuses tasks until cpus and mems are copied from the parent. */
export function createCgroup(dirs: string[]): string[] {
  const { dirname } = nodePath();
  const created: string[] = [];
  try {
    for (const dir of dirs) {
      const missing: string[] = [];
      for (let d = dir; !exists(d); d = dirname(d)) missing.unshift(d);
      for (const d of missing) {
        nodeFs().mkdirSync(d);
        created.push(d);
        if (exists(`${d}/cpuset.cpus`) && !exists(`${d}/cgroup.controllers`)) inheritCpuset(d);
      }
    }
    return created;
  } catch (e) {
    removeCgroup(created);
    throw new SkiffError({ layer: "runtime", code: "RUNTIME_CGROUP_CREATE_FAILED", kind: "failed_precondition", message: `create cgroup: ${(e as Error).message}`, hint: "check that the cgroup filesystem is mounted read-write and that this user may write to it (root, or a delegated cgroup)", cause: e, details: { errno: errnoOf(e) } });
  }
}

function inheritCpuset(dir: string): void {
  const { join } = nodePath();
  for (const file of ["cpuset.cpus", "cpuset.mems"]) {
    const path = join(dir, file);
    if (readText(path).trim() !== "") continue;
    let parent = join(dir, "..");
    if (readText(join(parent, file)).trim() === "") inheritCpuset(parent);
    writeText(path, readText(join(parent, file)));
  }
}

/** Removes the directories, deepest first, retrying while the kernel still reaps exiting tasks.
 * Only `leaves` must go; a parent another container still uses stays. */
export function removeCgroup(dirs: string[], leaves: readonly string[] = dirs): void {
  for (const dir of deepestFirst(dirs)) {
    const leaf = leaves.indexOf(dir) >= 0;
    const end = performance.now() + 2000;
    for (let attempt = 0; ; attempt++) {
      try {
        rmdir(dir);
        break;
      } catch (e) {
        const code = errnoOf(e);
        if (code === "ENOENT" || (!leaf && (code === "EBUSY" || code === "ENOTEMPTY"))) break;
        if (code !== "EBUSY" || performance.now() > end) throw e;
        Bun.sleepSync(attempt < 20 ? 1 : 10);
      }
    }
  }
}

// (deepestFirst and parsePids: loops rather than Array's sort, filter and map, since
// `skiff-oci delete` comes here and a compiled Bun's first calls of Array's JS builtins cost it
// ~0.3 ms: issue 9)

/** The directories longest path first, equals in their order (a stable sort by length). */
export function deepestFirst(dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    let i = out.length;
    while (i > 0 && out[i - 1]!.length < dir.length) i--;
    out.splice(i, 0, dir);
  }
  return out;
}

/** Pids of the processes in the cgroup (from the first hierarchy that lists them). */
export function cgroupPids(dirs: string[]): number[] {
  for (const dir of dirs) {
    let text: string;
    try {
      text = readText(`${dir}/cgroup.procs`);
    } catch {
      continue;
    }
    return parsePids(text);
  }
  return [];
}

/** cgroup.procs, one pid a line: text.split("\n").filter(Boolean).map(Number). */
export function parsePids(text: string): number[] {
  const pids: number[] = [];
  for (const line of text.split("\n")) if (line) pids.push(Number(line));
  return pids;
}
