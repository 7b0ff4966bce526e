// Mount entries of the config → mount steps inside the container's root (before pivot_root).
import { statSync } from "node:fs";
import { isAbsolute, join, posix } from "node:path";
import { invalid } from "../../common/errors.ts";
import type { Mount } from "../../oci/runtime-config.ts";
import type { Hierarchy } from "../cgroups/hierarchy.ts";
import { MS, parseMountOptions } from "./mount-options.ts";
import { step, type Step } from "./step.ts";

/** What the executor makes of a missing target; realDir also refuses a symlink there (proc, sysfs). */
export const CREATE = { none: 0, dir: 1, file: 2, realDir: 3 } as const;
/** The mount step's `covered` bits: what a new mount takes of the directory it covers. */
export const COVER = { mode: 1, content: 2 } as const;

/** "/dev/../proc//x/" → "proc/x": a clean path relative to the container's root. */
export function inRoot(path: string): string {
  return posix.normalize(posix.join("/", path)).replace(/^\/+/, "").replace(/\/$/, "");
}

export interface CgroupMountContext {
  /** The host's hierarchies with the container's cgroup directory in each. */
  hierarchies: { hierarchy: Hierarchy; dir: string }[];
  /** The container has a cgroup namespace, new or joined by path: cgroupfs mounted in it shows
   * that namespace's view (as runc and crun mount it), not a bind of the host's directories. */
  cgroupns: boolean;
}

export interface MountContext {
  root: number;
  bundle: string;
  cgroup: CgroupMountContext;
}

export function mountSteps(m: Mount, index: number, ctx: MountContext): Step[] {
  const where = `mounts[${index}]`;
  const target = inRoot(m.destination);
  const shown = "/" + target;
  const opts = parseMountOptions(m.options);
  const type = m.type ?? "";
  const steps: Step[] = [];
  const propagate = (path: string, display: string) => {
    if (opts.attrSet || opts.attrClear) steps.push(step("mountSetattr", { root: ctx.root, target: path, set: opts.attrSet, clear: opts.attrClear }, `set recursive attributes of ${display}`));
    for (const p of opts.propagation) steps.push(step("mount", { root: ctx.root, source: "", target: path, fstype: "", flags: p, data: "", create: CREATE.none, covered: 0 }, `set propagation of ${display}`));
  };
  if (m.uidMappings.length || m.gidMappings.length)
    throw invalid("runtime", "RUNTIME_UNSUPPORTED", `read ${where}: id-mapped mounts are not supported yet`, "remove uidMappings/gidMappings from the mount");

  if (type === "bind" || opts.bind) {
    if (!m.source) throw invalid("runtime", "RUNTIME_CONFIG_INVALID", `read ${where}: a bind mount needs a source`, "set mounts[].source to a host path");
    const source = isAbsolute(m.source) ? m.source : join(ctx.bundle, m.source);
    let isDir: boolean;
    try {
      isDir = statSync(source).isDirectory();
    } catch {
      throw invalid("runtime", "RUNTIME_MOUNT_SOURCE_MISSING", `bind ${source} on ${shown}: source does not exist`, `create ${source} on the host or fix ${where}.source`, { path: source, field: where });
    }
    const bindFlags = MS.BIND | (opts.recursive ? MS.REC : 0);
    steps.push(step("mount", { root: ctx.root, source, target, fstype: "", flags: bindFlags, data: "", create: isDir ? CREATE.dir : CREATE.file, covered: 0 }, `bind ${source} on ${shown}`));
    const extra = opts.flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
    if (extra) steps.push(step("mount", { root: ctx.root, source: "", target, fstype: "", flags: MS.BIND | MS.REMOUNT | extra, data: "", create: CREATE.none, covered: 0 }, `remount ${shown} with ${m.options.join(",")}`));
    propagate(target, shown);
    return steps;
  }
  if (type === "cgroup") return cgroupSteps(m, target, opts.flags, ctx);
  if (!type) throw invalid("runtime", "RUNTIME_CONFIG_INVALID", `read ${where}: mount of ${shown} has no type`, "set mounts[].type (tmpfs, proc, sysfs, bind, ...)");
  // A tmpfs over an existing directory takes that directory's mode unless mode= says otherwise, as
  // runc (since 1.1.8) and crun do; with tmpcopyup (podman asks for it on every --tmpfs), that
  // directory's content too, copied in as runc and crun copy it.
  const covered = type === "tmpfs" ? (opts.data.some((d) => d.startsWith("mode=")) ? 0 : COVER.mode) | (m.options.includes("tmpcopyup") ? COVER.content : 0) : 0;
  // As runc: procfs and sysfs go on a real directory only, never through a symlink in the rootfs.
  const create = type === "proc" || type === "sysfs" ? CREATE.realDir : CREATE.dir;
  steps.push(step("mount", { root: ctx.root, source: m.source ?? type, target, fstype: type, flags: opts.flags, data: opts.data.join(","), create, covered }, `mount ${type} on ${shown}`, where));
  propagate(target, shown);
  return steps;
}

/** cgroup v1: a tmpfs with one directory per hierarchy, each the container's own cgroup (bound
 * from the host, or mounted fresh inside a cgroup namespace); v2: the cgroup2 filesystem. */
function cgroupSteps(m: Mount, target: string, flags: number, ctx: MountContext): Step[] {
  const shown = "/" + target;
  const { hierarchies, cgroupns } = ctx.cgroup;
  const v1 = hierarchies.filter((h) => h.hierarchy.version === 1);
  if (v1.length === 0) return [step("mount", { root: ctx.root, source: "cgroup2", target, fstype: "cgroup2", flags, data: "", create: CREATE.dir, covered: 0 }, `mount cgroup2 on ${shown}`)];
  const base = flags & ~MS.RDONLY;
  const steps: Step[] = [step("mount", { root: ctx.root, source: "tmpfs", target, fstype: "tmpfs", flags: base, data: "mode=755", create: CREATE.dir, covered: 0 }, `mount tmpfs for cgroups on ${shown}`)];
  for (const { hierarchy, dir } of v1) {
    const name = hierarchy.key.replace(/^name=/, "");
    const sub = `${target}/${name}`;
    if (cgroupns) {
      steps.push(step("mount", { root: ctx.root, source: "cgroup", target: sub, fstype: "cgroup", flags, data: hierarchy.key, create: CREATE.dir, covered: 0 }, `mount cgroup ${hierarchy.key} on /${sub}`));
    } else {
      steps.push(step("mount", { root: ctx.root, source: dir, target: sub, fstype: "", flags: MS.BIND | MS.REC, data: "", create: CREATE.dir, covered: 0 }, `bind cgroup ${dir} on /${sub}`));
      steps.push(step("mount", { root: ctx.root, source: "", target: sub, fstype: "", flags: MS.BIND | MS.REMOUNT | flags, data: "", create: CREATE.none, covered: 0 }, `remount cgroup /${sub}`));
    }
    const controllers = name.split(",");
    if (controllers.length > 1) for (const c of controllers) steps.push(step("symlink", { root: ctx.root, target: name, path: `${target}/${c}` }, `link /${target}/${c} to ${name}`));
  }
  if (flags & MS.RDONLY) steps.push(step("mount", { root: ctx.root, source: "", target, fstype: "", flags: MS.REMOUNT | flags, data: "mode=755", create: CREATE.none, covered: 0 }, `remount ${shown} read-only`));
  return steps;
}
