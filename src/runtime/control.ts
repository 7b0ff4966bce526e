// pause, resume, ps and update on a running container.
import { precondition } from "../common/errors.ts";
import { configureCgroup } from "./cgroups/configure.ts";
import { setFrozen } from "./cgroups/freezer.ts";
import { cgroupPids, readCgroupLayout } from "./cgroups/manager.ts";
import { containerStatus, type StateStore } from "./state-store.ts";

export function pauseContainer(store: StateStore, id: string, pause: boolean): void {
  const s = store.read(id);
  const status = containerStatus(store, s);
  // runc pauses a created container as well as a running one
  const ok = pause ? status === "running" || status === "created" : status === "paused";
  if (!ok) throw precondition("runtime", pause ? "RUNTIME_NOT_RUNNING" : "RUNTIME_NOT_PAUSED", `${pause ? "pause" : "resume"} container "${id}": it is ${status}`, `only a ${pause ? "created or running" : "paused"} container can be ${pause ? "paused" : "resumed"}`);
  setFrozen(s.cgroupDirs, pause);
}

/** The processes in the container's cgroup, whatever its state: as runc's ps, those left behind by a stopped init too. */
export function containerPids(store: StateStore, id: string): number[] {
  return cgroupPids(store.read(id).cgroupDirs).sort((a, b) => a - b);
}

/** Deep-merges `change` into the stored linux.resources and applies the result. */
export function updateContainer(store: StateStore, id: string, change: Record<string, unknown>): void {
  const s = store.read(id);
  const status = containerStatus(store, s);
  if (status === "stopped") throw precondition("runtime", "RUNTIME_NOT_RUNNING", `update container "${id}": it is stopped`, "update needs a created, running or paused container");
  const merged = merge(s.resources ?? {}, change);
  configureCgroup({ layout: readCgroupLayout(), dirs: s.cgroupDirs, resources: merged, skipDevices: change.devices === undefined, where: "the update" });
  s.resources = merged;
  store.write(s);
}

function merge(base: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(change)) {
    const b = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b) ? merge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
