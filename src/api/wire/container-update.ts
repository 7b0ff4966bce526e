// POST /containers/{id}/update's body: docker's UpdateConfig (HostConfig's resources and its
// RestartPolicy), as the docker CLI sends it (every resource field, zero when not given), declared
// for the validation layer; and its mapping to the engine's update. Fields skiffd cannot change on
// a container (blkio, realtime, kernel memory, …) are refused when set, not silently dropped.
import { SkiffError } from "../../common/errors.ts";
import type { ContainerUpdate } from "../../engine/containers/index.ts";
import { object, type Infer } from "../schema.ts";
import { hostConfig } from "./container-create.ts";
import { resourcesOf, restartPolicyOf } from "./container-options.ts";

const f = hostConfig.fields;

export const containerUpdateBody = object({
  CpuShares: f.CpuShares,
  Memory: f.Memory,
  CgroupParent: f.CgroupParent,
  BlkioWeight: f.BlkioWeight,
  BlkioWeightDevice: f.BlkioWeightDevice,
  BlkioDeviceReadBps: f.BlkioDeviceReadBps,
  BlkioDeviceWriteBps: f.BlkioDeviceWriteBps,
  BlkioDeviceReadIOps: f.BlkioDeviceReadIOps,
  BlkioDeviceWriteIOps: f.BlkioDeviceWriteIOps,
  CpuPeriod: f.CpuPeriod,
  CpuQuota: f.CpuQuota,
  CpuRealtimePeriod: f.CpuRealtimePeriod,
  CpuRealtimeRuntime: f.CpuRealtimeRuntime,
  CpusetCpus: f.CpusetCpus,
  CpusetMems: f.CpusetMems,
  Devices: f.Devices,
  DeviceCgroupRules: f.DeviceCgroupRules,
  KernelMemory: f.KernelMemory,
  KernelMemoryTCP: f.KernelMemoryTCP,
  MemoryReservation: f.MemoryReservation,
  MemorySwap: f.MemorySwap,
  MemorySwappiness: f.MemorySwappiness,
  NanoCpus: f.NanoCpus,
  OomKillDisable: f.OomKillDisable,
  PidsLimit: f.PidsLimit,
  Ulimits: f.Ulimits,
  RestartPolicy: f.RestartPolicy,
});

export type ContainerUpdateBody = Infer<typeof containerUpdateBody>;

const unserved = (field: string, flag: string) =>
  new SkiffError({ layer: "api", code: "API_UPDATE_UNSERVED", kind: "invalid_argument", message: `${flag} cannot be updated by skiffd`, hint: "skiffd updates --memory, --memory-swap, --memory-reservation, --cpus, --cpu-quota, --cpu-period, --cpu-shares, --cpuset-cpus, --cpuset-mems, --pids-limit and --restart", details: { field } });

/** The body → the engine's update; 0 and absent mean "unchanged", as dockerd reads them. */
export function mapUpdateBody(b: ContainerUpdateBody): ContainerUpdate {
  const refused: [unknown, string, string][] = [
    [b.BlkioWeight, "BlkioWeight", "--blkio-weight"],
    [b.CpuRealtimePeriod, "CpuRealtimePeriod", "--cpu-rt-period"],
    [b.CpuRealtimeRuntime, "CpuRealtimeRuntime", "--cpu-rt-runtime"],
    [b.KernelMemory, "KernelMemory", "--kernel-memory"],
  ];
  for (const [v, field, flag] of refused) if (v) throw unserved(field, flag);
  const restartPolicy = restartPolicyOf(b.RestartPolicy);
  return { ...resourcesOf(b), ...(restartPolicy ? { restartPolicy } : {}) };
}
