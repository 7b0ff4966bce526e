// docker update: new resource limits (memory, memory-swap, memory-reservation, cpus, cpu-quota,
// cpu-period, cpu-shares, cpuset-cpus, pids-limit) and a new restart policy for a container, running or not. A running (or paused)
// container gets them through its runtime's update at once; every container keeps them in its
// record (inspect) and its bundle's config.json (the next start). Refusals in dockerd's words.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { invalid, SkiffError } from "../../common/errors.ts";
import { conflict } from "./errors.ts";
import type { ContainerRecord } from "./record.ts";
import { restartPolicyProblem, type RestartPolicy } from "./restart-policy.ts";
import type { Runtimes } from "./runtimes.ts";
import { linuxResources, MIN_MEMORY, type ResourceOptions } from "./spec/resources.ts";

/** What `docker update` changes; absent fields stay as they are. */
export interface ContainerUpdate extends ResourceOptions {
  restartPolicy?: RestartPolicy;
}

const refused = (message: string, hint: string, field: string) => invalid("engine", "ENGINE_UPDATE_INVALID", message, hint, { field });

/** The container's options after the update, or dockerd's refusal. Pure. */
export function updatedOptions(r: ContainerRecord, u: ContainerUpdate): ContainerRecord["options"] {
  const o = { ...r.options };
  if (u.memory !== undefined && u.memory !== 0) {
    if (u.memory < MIN_MEMORY) throw refused("Minimum memory limit allowed is 6MB", "give --memory 6m or more", "Memory");
    // the swap in force: as given, or dockerd's default of twice the memory; none (0) when the
    // container has no memory limit, which dockerd 20.10 refuses alike (seen: `docker update -m 64m`
    // of a container made without -m)
    const swapNow = o.memorySwap ?? (o.memory ? o.memory * 2 : 0);
    if (!u.memorySwap && swapNow !== -1 && u.memory > swapNow)
      throw refused(`Cannot update container ${r.id}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time`, `give --memory-swap too (at least ${u.memory}, or -1 for unlimited swap)`, "Memory");
    if (!u.memorySwap && swapNow > 0) o.memorySwap = swapNow;
    o.memory = u.memory;
  }
  if (u.memorySwap !== undefined && u.memorySwap !== 0) {
    if (u.memorySwap > 0 && u.memorySwap < (o.memory ?? 0)) throw refused("Minimum memoryswap limit should be larger than memory limit, see usage", "--memory-swap is memory plus swap: give at least --memory, or -1 for unlimited swap", "MemorySwap");
    if (!o.memory) throw refused("You should always set the Memory limit when using Memoryswap limit, see usage", "give --memory too", "MemorySwap");
    o.memorySwap = u.memorySwap;
  }
  if (u.memoryReservation) o.memoryReservation = u.memoryReservation;
  if (u.nanoCpus) o.nanoCpus = u.nanoCpus;
  // (-1: no quota, as the kernel writes it)
  if (u.cpuQuota) o.cpuQuota = u.cpuQuota;
  if (u.cpuPeriod) o.cpuPeriod = u.cpuPeriod;
  if (u.cpuShares) o.cpuShares = u.cpuShares;
  if (u.cpusetCpus) o.cpusetCpus = u.cpusetCpus;
  if (u.cpusetMems) o.cpusetMems = u.cpusetMems;
  // (-1, unlimited, shows as 0 in inspect afterwards, as dockerd's)
  if (u.pidsLimit !== undefined && u.pidsLimit !== 0) o.pidsLimit = Math.max(0, u.pidsLimit);
  if (u.restartPolicy && (u.restartPolicy.name as string) !== "") {
    if (o.autoRemove && u.restartPolicy.name !== "no") throw conflict("ENGINE_UPDATE_CONFLICT", "Restart policy cannot be updated because AutoRemove is enabled for the container", "a --rm container keeps the policy no");
    const problem = restartPolicyProblem(u.restartPolicy, false);
    if (problem) throw refused(problem, "use no, always, on-failure[:N] or unless-stopped", "RestartPolicy");
    o.restartPolicy = u.restartPolicy;
  }
  // the limits as a whole pass create's checks too (a CPU count above the host's, a bad cpuset)
  linuxResources(o);
  return o;
}

/** The container's linux.resources for a runtime's update: all limits, an unlimited pids as -1
 *  (a limit dropped from the JSON would leave the old one in force). */
export function updateResources(o: ResourceOptions): Record<string, unknown> {
  const res = linuxResources(o);
  if (!res.pids) res.pids = { limit: -1 };
  return res;
}

/** Applies the update: the runtime (when the container has a process), config.json, the record. */
export async function applyUpdate(r: ContainerRecord, u: ContainerUpdate, runtimes: Runtimes): Promise<ContainerRecord> {
  const options = updatedOptions(r, u);
  const resources = updateResources(options);
  const hasProcess = r.state.status === "running" || r.state.status === "paused";
  if (hasProcess) {
    try {
      await runtimes.get(r.runtime).update(r.id, resources);
    } catch (e) {
      throw new SkiffError({ layer: "engine", code: "ENGINE_UPDATE_FAILED", kind: "failed_precondition", message: `Cannot update container ${r.id}: ${(e as Error).message}`, hint: /EBUSY|current usage/.test((e as Error).message) ? "a memory limit below what the container uses now cannot be set: give more, or stop it first" : "the runtime refused the new limits: see its words above", cause: e });
    }
  }
  // the next start reads the bundle: it keeps the devices' rules and takes the new limits
  const configPath = join(r.files.bundle, "config.json");
  const spec = JSON.parse(readFileSync(configPath, "utf8")) as { linux: { resources: Record<string, unknown> } };
  spec.linux.resources = { devices: spec.linux.resources.devices, ...linuxResources(options) };
  writeFileSync(configPath, JSON.stringify(spec, null, 2));
  return { ...r, options };
}
