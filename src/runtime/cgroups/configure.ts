// linux.resources → the container's cgroup, on whatever layout the host has: v1 (and hybrid,
// where the v1 controllers hold the limits) or v2. The writes happen before the init joins; the
// v2 device program is returned for the executor to attach (a bpf(2) call Bun cannot make).
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { log } from "../../common/log.ts";
import { applyWrites } from "./apply.ts";
import { containerDeviceRules, emulateDeviceRules } from "./device-rules.ts";
import { compileDeviceFilter } from "./devices-ebpf.ts";
import type { CgroupLayout } from "./hierarchy.ts";
import { parseResources } from "./resources.ts";
import { planV1 } from "./v1.ts";
import { planV2, subtreeControlWrite } from "./v2.ts";

export interface ConfigureInput {
  layout: CgroupLayout;
  /** The container's directory in each of layout.hierarchies, in the same order. */
  dirs: readonly string[];
  resources: Record<string, unknown> | undefined;
  /** Rootless: leave the device rules alone, as runc does. */
  skipDevices?: boolean;
  /** Hybrid hosts: also return the device program for the unified cgroup (the v1 controller
   * already enforces the rules; attaching costs ~12 ms a container here, so it is opt-in). */
  hybridDeviceProgram?: boolean;
  where?: string;
}

/** Applies the limits; returns the v2 device program (to attach to `dir`) if there is one. */
export function configureCgroup(input: ConfigureInput): { deviceProgram?: Uint8Array; dir?: string } {
  const resources = parseResources(input.resources ?? {}, input.where);
  const v1 = input.layout.hierarchies.map((h, i) => ({ h, dir: input.dirs[i]! })).filter((x) => x.h.version === 1);
  if (input.layout.mode !== "v2") {
    const byController = new Map<string, string>();
    for (const { h, dir } of v1) for (const c of h.key.split(",")) byController.set(c, dir);
    const plan = planV1({ resources, controllers: [...byController.keys()], skipDevices: input.skipDevices });
    for (const w of plan.warnings) log.debug(w);
    applyWrites((c) => byController.get(c)!, plan.writes);
    // Hybrid, on request: the same rules also as a device program on the unified cgroup, which
    // the kernel checks as well; the v1 controller stays the reference.
    const unified = input.layout.hierarchies.findIndex((h) => h.version === 2);
    if (unified < 0 || input.skipDevices || !input.hybridDeviceProgram) return {};
    return { deviceProgram: compileDeviceFilter(emulateDeviceRules(containerDeviceRules(resources.devices))), dir: input.dirs[unified]! };
  }
  const index = input.layout.hierarchies.findIndex((h) => h.version === 2);
  const dir = input.dirs[index]!;
  const mountpoint = input.layout.hierarchies[index]!.mountpoint;
  const parentControllers = join(dirname(dir), "cgroup.controllers");
  const plan = planV2({
    resources, controllers: readFileSync(parentControllers, "utf8").trim().split(/\s+/).filter(Boolean), where: parentControllers,
    skipDevices: input.skipDevices,
  });
  for (const w of plan.warnings) log.debug(w);
  if (plan.enable.length) enableControllers(mountpoint, dirname(dir), plan.enable);
  applyWrites(dir, plan.writes);
  return { deviceProgram: plan.deviceProgram, dir };
}

/** A controller reaches a cgroup only if every ancestor enables it in cgroup.subtree_control. */
function enableControllers(mountpoint: string, parent: string, enable: readonly string[]): void {
  const levels = [mountpoint];
  for (const part of relative(mountpoint, parent).split("/").filter(Boolean)) levels.push(join(levels.at(-1)!, part));
  for (const level of levels) applyWrites(level, [subtreeControlWrite(enable)]);
}
