// docker's create body (checked by the validation layer) → the engine's container options, with
// the warnings docker's CLI prints for what skiffd takes but does not act on yet. Values that pass
// the schema but mean nothing valid (a bind without a colon, an unknown security option) are 400s
// naming the field, before the engine sees anything.
import { SkiffError } from "../../common/errors.ts";
import { PROPAGATIONS, type BlkioSupport, type ContainerOptions, type HealthConfig, type RestartPolicy, type RestartPolicyName } from "../../engine/containers/index.ts";
import type { ContainerCreateBody, WireHostConfig } from "./container-create.ts";
import { BIND_MODES, bindVolume, configVolumes, mountVolume, volumesFrom } from "./volume-options.ts";
import { networkOptionsOf } from "./network-options.ts";

export interface MappedCreate {
  image: string;
  options: ContainerOptions;
  warnings: string[];
}

const bad = (field: string, message: string, hint: string) => new SkiffError({ layer: "api", code: "API_BODY_INVALID", kind: "invalid_argument", message, hint, details: { field } });

/** "host:ctr[:opts]" → a bind; "NAME:ctr[:opts]" and "/ctr" → a volume (volume-options.ts). */
function bindOrVolume(spec: string, i: number): NonNullable<ContainerOptions["binds"]>[number] | NonNullable<ContainerOptions["volumes"]>[number] {
  const field = `HostConfig.Binds[${i}]`;
  const parts = spec.split(":");
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => p === "")) throw bad(field, `invalid volume specification: '${spec}'`, "give HOST-PATH:CONTAINER-PATH[:ro], NAME:CONTAINER-PATH[:ro] or CONTAINER-PATH");
  if (parts.length === 1 || !parts[0]!.startsWith("/")) return bindVolume(parts, field);
  const [source, destination, mode = ""] = parts as [string, string, string?];
  if (!destination.startsWith("/")) throw bad(field, `invalid mount config: the destination '${destination}' is not an absolute path`, "give an absolute path inside the container");
  const opts = mode.split(",").filter(Boolean);
  for (const o of opts) if (!BIND_MODES.includes(o)) throw bad(field, `invalid mode: ${o}`, "use ro or rw");
  const propagation = opts.filter((o) => PROPAGATIONS.includes(o)).pop();
  return { source, destination, readOnly: opts.includes("ro"), createMissing: true, ...(propagation ? { propagation } : {}) };
}

type CreateMount = NonNullable<NonNullable<ContainerCreateBody["HostConfig"]>["Mounts"]>[number];

/** `--mount`: binds and tmpfs mounts as -v and --tmpfs give them, volumes as -v NAME:… does. */
function mounts(list: readonly CreateMount[]): Pick<ContainerOptions, "binds" | "tmpfs" | "volumes"> {
  const out = { binds: [] as NonNullable<ContainerOptions["binds"]>, tmpfs: [] as NonNullable<ContainerOptions["tmpfs"]>, volumes: [] as NonNullable<ContainerOptions["volumes"]> };
  list.forEach((m, i) => {
    const field = `HostConfig.Mounts[${i}]`;
    const target = m.Target ?? "";
    if (!target.startsWith("/")) throw bad(`${field}.Target`, `invalid mount config for type "${m.Type}": invalid mount path: '${target}' mount path must be absolute`, "give an absolute path inside the container");
    if (m.Type === "bind") {
      if (!m.Source?.startsWith("/")) throw bad(`${field}.Source`, `invalid mount config for type "bind": invalid mount path: '${m.Source ?? ""}' mount path must be absolute`, "bind an absolute host path");
      const propagation = m.BindOptions?.Propagation;
      if (propagation && !PROPAGATIONS.includes(propagation)) throw bad(`${field}.BindOptions.Propagation`, `invalid mount config for type "bind": invalid propagation mode: ${propagation}`, `use one of ${PROPAGATIONS.join(", ")}`);
      out.binds.push({ source: m.Source, destination: target, readOnly: m.ReadOnly ?? false, ...(m.BindOptions?.CreateMountpoint ? { createMissing: true } : {}), ...(propagation ? { propagation } : {}), fromMounts: true });
    } else if (m.Type === "tmpfs") {
      if (m.Source) throw bad(`${field}.Source`, `invalid mount config for type "tmpfs": source must not be specified`, "give only the target of a tmpfs");
      const o = m.TmpfsOptions ?? {};
      const options = [...(o.SizeBytes ? [`size=${o.SizeBytes}`] : []), ...(o.Mode ? [`mode=${o.Mode.toString(8)}`] : []), ...(m.ReadOnly ? ["ro"] : [])].join(",");
      out.tmpfs.push({ destination: target, options, fromMounts: true });
    } else if (m.Type === "volume") out.volumes.push(mountVolume(m, field));
    else throw bad(`${field}.Type`, `invalid mount config: mount type unknown: "${m.Type ?? ""}"`, "use type=bind, type=volume or type=tmpfs");
  });
  return out;
}

function securityOptions(list: readonly string[]): Pick<ContainerOptions, "noNewPrivileges" | "seccomp" | "maskedPaths" | "readonlyPaths"> {
  const out: Pick<ContainerOptions, "noNewPrivileges" | "seccomp" | "maskedPaths" | "readonlyPaths"> = {};
  list.forEach((opt, i) => {
    const field = `HostConfig.SecurityOpt[${i}]`;
    const [key, value] = opt.includes("=") ? [opt.slice(0, opt.indexOf("=")), opt.slice(opt.indexOf("=") + 1)] : opt.includes(":") ? [opt.slice(0, opt.indexOf(":")), opt.slice(opt.indexOf(":") + 1)] : [opt, undefined];
    if (key === "no-new-privileges") {
      if (value !== undefined && !["true", "false"].includes(value)) throw bad(field, `invalid --security-opt 2: "${opt}"`, "use no-new-privileges or no-new-privileges=true|false");
      out.noNewPrivileges = value !== "false";
    } else if (key === "seccomp") {
      if (!value) throw bad(field, `invalid --security-opt: "${opt}"`, "use seccomp=unconfined or seccomp=PROFILE.json");
      out.seccomp = value === "unconfined" ? { mode: "unconfined" } : { mode: "profile", profile: value };
    } else if (key === "systempaths") {
      if (value !== "unconfined") throw bad(field, `invalid --security-opt: "${opt}"`, "use systempaths=unconfined");
      // (the docker CLI sends it as empty HostConfig.MaskedPaths and ReadonlyPaths instead)
      out.maskedPaths = [];
      out.readonlyPaths = [];
    } else if (key === "apparmor" || key === "label") {
      // hosts without AppArmor or SELinux: nothing to apply, as dockerd does there
    } else throw bad(field, `invalid --security-opt 1: "${opt}"`, "skiffd takes no-new-privileges, seccomp=… and systempaths=unconfined");
  });
  return out;
}

/** docker's units for --log-opt max-size ("10m", "1g", "512k", bytes): powers of 1024. */
function logSize(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * 1024 ** "_kmgt".indexOf((m[2] || "_").toLowerCase()));
}

/** HostConfig.LogConfig → the engine's log options: json-file (docker's default) or none. */
function logOptions(lc: { Type?: string; Config?: Record<string, string> } | undefined, warnings: string[]): ContainerOptions["log"] {
  const driver = lc?.Type || "json-file";
  if (driver !== "json-file" && driver !== "none") throw bad("HostConfig.LogConfig.Type", `logging driver ${driver} is not served: skiffd writes json-file logs`, "use --log-driver json-file (the default) or none");
  const out: NonNullable<ContainerOptions["log"]> = { driver };
  for (const [k, v] of Object.entries(lc?.Config ?? {})) {
    if (driver === "none") throw bad(`HostConfig.LogConfig.Config.${k}`, "invalid logging opts for driver none", "leave --log-opt out with --log-driver none");
    if (k === "max-size") {
      const n = logSize(v);
      if (n === undefined || n < 1) throw bad("HostConfig.LogConfig.Config.max-size", `invalid max-size ${JSON.stringify(v)}`, "give a size like 10m or 512k");
      out.maxSize = n;
      (out.given ??= {})[k] = v;
    } else if (k === "max-file") {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw bad("HostConfig.LogConfig.Config.max-file", "max-file cannot be less than 1", "give a whole number of files");
      out.maxFiles = Number(v);
      (out.given ??= {})[k] = v;
    } else if (["labels", "labels-regex", "env", "env-regex", "tag", "compress"].includes(k)) warnings.push(`log option ${k} is not applied by skiffd's json-file logs`);
    else throw bad(`HostConfig.LogConfig.Config.${k}`, `unknown log opt '${k}' for json-file log driver`, "json-file takes max-size and max-file");
  }
  // (max-file without max-size is taken and has no effect, as dockerd's json-file: no file grows past a size to be rotated)
  return out;
}

/** HostConfig.RestartPolicy → the engine's policy ("" and "no" are none); a name docker does not
 *  know is a 400 here, the rest of dockerd's checks are the engine's. */
export function restartPolicyOf(p: { Name?: string; MaximumRetryCount?: number } | undefined): RestartPolicy | undefined {
  const name = p?.Name;
  if (!name) return undefined;
  if (!(RESTART_POLICY_NAMES as readonly string[]).includes(name)) throw bad("HostConfig.RestartPolicy.Name", `invalid restart policy '${name}'`, "use no, always, on-failure[:N] or unless-stopped");
  return { name: name as RestartPolicyName, maximumRetryCount: p?.MaximumRetryCount ?? 0 };
}

const RESTART_POLICY_NAMES = ["no", "always", "on-failure", "unless-stopped"] as const;

type ServedResources = Pick<WireHostConfig, "Memory" | "MemorySwap" | "NanoCpus" | "CpuShares" | "CpusetCpus" | "PidsLimit" | "MemoryReservation" | "CpuQuota" | "CpuPeriod" | "MemorySwappiness" | "OomKillDisable" | "CpusetMems">;

/** The resources skiffd serves, from a create's HostConfig or an update's body (both docker's
 *  Resources): 0 and absent mean none on create and unchanged on update, as dockerd reads them
 *  (a swappiness of -1 or null: the kernel's). */
export function resourcesOf(r: ServedResources): Pick<ContainerOptions, "memory" | "memorySwap" | "nanoCpus" | "cpuShares" | "cpusetCpus" | "pidsLimit" | "memoryReservation" | "cpuQuota" | "cpuPeriod" | "memorySwappiness" | "oomKillDisable" | "cpusetMems"> {
  return {
    ...(r.Memory ? { memory: r.Memory } : {}),
    ...(r.MemorySwap ? { memorySwap: r.MemorySwap } : {}),
    ...(r.NanoCpus ? { nanoCpus: r.NanoCpus } : {}),
    ...(r.CpuShares ? { cpuShares: r.CpuShares } : {}),
    ...(r.CpusetCpus ? { cpusetCpus: r.CpusetCpus } : {}),
    ...(r.CpusetMems ? { cpusetMems: r.CpusetMems } : {}),
    ...(r.PidsLimit ? { pidsLimit: r.PidsLimit } : {}),
    ...(r.MemoryReservation ? { memoryReservation: r.MemoryReservation } : {}),
    ...(r.CpuQuota ? { cpuQuota: r.CpuQuota } : {}),
    ...(r.CpuPeriod ? { cpuPeriod: r.CpuPeriod } : {}),
    ...(r.MemorySwappiness !== undefined && r.MemorySwappiness !== null && r.MemorySwappiness !== -1 ? { memorySwappiness: r.MemorySwappiness } : {}),
    ...(r.OomKillDisable ? { oomKillDisable: true } : {}),
  };
}

/** Config.Healthcheck → the engine's (docker's nanoseconds kept); the engine checks the values. */
function healthcheckOf(hc: NonNullable<ContainerCreateBody["Healthcheck"]>): HealthConfig {
  return {
    test: hc.Test ?? [],
    ...(hc.Interval ? { interval: hc.Interval } : {}),
    ...(hc.Timeout ? { timeout: hc.Timeout } : {}),
    ...(hc.StartPeriod ? { startPeriod: hc.StartPeriod } : {}),
    ...(hc.Retries ? { retries: hc.Retries } : {}),
  };
}

/** HostConfig's resources skiffd does not apply: refused with dockerd's words where dockerd refuses
 *  them on such a host, else as skiffd's; discarded with dockerd's warning where dockerd discards
 *  them. Never taken and dropped without a word (a new-user trial beside dockerd found that). */
function refuseUnserved(h: WireHostConfig, warnings: string[]): void {
  const refuse = (field: string, message: string, hint: string) => {
    throw bad(`HostConfig.${field}`, message, hint);
  };
  if (h.KernelMemory) {
    if (h.KernelMemory < 6 * 1024 * 1024) refuse("KernelMemory", "Minimum kernel memory limit allowed is 6MB", "leave --kernel-memory out: this kernel has no kernel memory limit");
    warnings.push("Your kernel does not support kernel memory limit capabilities or the cgroup is not mounted. Limitation discarded.");
  }
  if (h.KernelMemoryTCP) warnings.push("Your kernel does not support kernel memory TCP limit capabilities or the cgroup is not mounted. Limitation discarded.");
  const request = h.DeviceRequests?.[0];
  if (request) refuse("DeviceRequests", `could not select device driver "${request.Driver ?? ""}" with capabilities: [${(request.Capabilities ?? []).map((c) => `[${(c ?? []).join(" ")}]`).join(" ")}]`, "skiffd has no device drivers (GPUs): leave --gpus out");
  if (h.StorageOpt && Object.keys(h.StorageOpt).length) refuse("StorageOpt", "--storage-opt is supported only for overlay over xfs with 'pquota' mount option", "leave --storage-opt out");
  if (h.CpuRealtimePeriod || h.CpuRealtimeRuntime) refuse(h.CpuRealtimePeriod ? "CpuRealtimePeriod" : "CpuRealtimeRuntime", "--cpu-rt-period and --cpu-rt-runtime are not served by skiffd", "leave them out");
  if (h.CpuCount || h.CpuPercent || h.IOMaximumIOps || h.IOMaximumBandwidth) refuse("CpuCount", "--cpu-count, --cpu-percent, --io-maxiops and --io-maxbandwidth are Windows options", "leave them out");
}

/** The sysctls docker lets a container set (its namespaced ones): the IPC kernel.* ones, fs.mqueue.*
 *  and net.*; dockerd's words for another. Whether the container's namespaces hold them is the
 *  runtime's to say (net.* with --network host, the IPC ones with --ipc host). */
function sysctlsOf(given: Record<string, string>): Record<string, string> {
  const ipc = ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"];
  for (const [k, v] of Object.entries(given)) {
    if (!(ipc.includes(k) || k.startsWith("fs.mqueue.") || k.startsWith("net.")) || /[\s/]|\.\./.test(k)) throw bad(`HostConfig.Sysctls.${k}`, `sysctl '${k}=${v}' is not whitelisted`, "a container may set the IPC sysctls (kernel.msg*, kernel.sem, kernel.shm*), fs.mqueue.* and net.*");
    if (/[\0\n]/.test(v)) throw bad(`HostConfig.Sysctls.${k}`, `invalid value for sysctl ${k}`, "give a value on one line");
  }
  return { ...given };
}

/** A host whose block I/O controller takes every option (the default of mapCreateBody's callers that do not ask the engine). */
export const FULL_BLKIO: BlkioSupport = { weight: true, weightDevice: true, readBps: true, writeBps: true, readIOps: true, writeIOps: true };

/** The block I/O options as dockerd takes them: what this host's controller lacks is dropped with
 *  dockerd's warning, a weight outside 10-1000 is refused in its words. */
function blkioOf(h: WireHostConfig, supportOf: () => BlkioSupport, warnings: string[]): Pick<ContainerOptions, "blkio"> {
  const out: NonNullable<ContainerOptions["blkio"]> = {};
  const given = [h.BlkioWeightDevice, h.BlkioDeviceReadBps, h.BlkioDeviceWriteBps, h.BlkioDeviceReadIOps, h.BlkioDeviceWriteIOps].some((l) => l?.length);
  if (!h.BlkioWeight && !given) return {};
  // (the host is asked only when an option needs it: its probe reads the cgroup and block device files)
  const support = supportOf();
  if (h.BlkioWeight) {
    if (!support.weight) warnings.push("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.");
    else if (h.BlkioWeight < 10 || h.BlkioWeight > 1000) throw bad("HostConfig.BlkioWeight", "Range of blkio weight is from 10 to 1000", "give --blkio-weight 10 to 1000");
    else out.weight = h.BlkioWeight;
  }
  const devices = <T>(given: { Path?: string }[] | null | undefined, field: string, supported: boolean, warning: string, value: (d: { Path: string; Weight?: number; Rate?: number }) => T): T[] | undefined => {
    if (!given?.length) return undefined;
    if (!supported) return void warnings.push(warning);
    return given.map((d, i) => {
      if (!d.Path?.startsWith("/")) throw bad(`HostConfig.${field}[${i}].Path`, `bad format for device path: ${d.Path ?? ""}`, "give the device's absolute path, such as /dev/sda");
      return value(d as { Path: string; Weight?: number; Rate?: number });
    });
  };
  const weightDevice = devices(h.BlkioWeightDevice, "BlkioWeightDevice", support.weightDevice, "Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.", (d: { Path: string; Weight?: number }) => {
    if (!(d.Weight! >= 10 && d.Weight! <= 1000)) throw bad("HostConfig.BlkioWeightDevice", `invalid weight for device: ${d.Path}:${d.Weight ?? 0}`, "give a weight of 10 to 1000");
    return { path: d.Path, weight: d.Weight! };
  });
  const rate = (d: { Path: string; Rate?: number }) => ({ path: d.Path, rate: d.Rate ?? 0 });
  const readBps = devices(h.BlkioDeviceReadBps, "BlkioDeviceReadBps", support.readBps, "Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.", rate);
  const writeBps = devices(h.BlkioDeviceWriteBps, "BlkioDeviceWriteBps", support.writeBps, "Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded.", rate);
  const readIOps = devices(h.BlkioDeviceReadIOps, "BlkioDeviceReadIOps", support.readIOps, "Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.", rate);
  const writeIOps = devices(h.BlkioDeviceWriteIOps, "BlkioDeviceWriteIOps", support.writeIOps, "Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.", rate);
  Object.assign(out, weightDevice && { weightDevice }, readBps && { readBps }, writeBps && { writeBps }, readIOps && { readIOps }, writeIOps && { writeIOps });
  return Object.keys(out).length ? { blkio: out } : {};
}

/** --cgroup-parent: a cgroup path, absolute or relative to the root (docker's "relative to the init
 *  process's cgroup", which is the root for a daemon the host's init started), made absolute. */
function cgroupParentOf(p: string): string {
  const parts = p.split("/").filter(Boolean);
  if (parts.some((x) => x === "." || x === "..") || /[\0\n]/.test(p)) throw bad("HostConfig.CgroupParent", `invalid cgroup parent ${JSON.stringify(p)}`, "give a cgroup path such as /ci or ci/jobs, without . or .. parts");
  return `/${parts.join("/")}`;
}

/** A path of HostConfig.MaskedPaths or ReadonlyPaths: absolute, as the runtime takes them. */
function absolutePath(p: string, field: string): string {
  if (!p.startsWith("/") || p.includes("\0")) throw bad(field, `invalid path ${JSON.stringify(p)}: not an absolute path`, "give absolute paths, such as /proc/kcore");
  return p;
}

/** --pid, --ipc, --uts and --cgroupns as dockerd takes them (its words for a mode it does not know). */
function namespaceModes(h: NonNullable<ContainerCreateBody["HostConfig"]>): Pick<ContainerOptions, "pidMode" | "ipcMode" | "utsMode" | "cgroupnsMode"> {
  const container = (v: string) => v.startsWith("container:") && v.length > "container:".length;
  const pid = h.PidMode ?? "";
  if (pid !== "" && pid !== "host" && !container(pid)) throw bad("HostConfig.PidMode", `invalid PID mode: ${pid}`, "give --pid host or container:NAME");
  const ipc = h.IpcMode ?? "";
  if (ipc !== "" && !["none", "private", "shareable", "host"].includes(ipc) && !container(ipc)) throw bad("HostConfig.IpcMode", `invalid IPC mode: ${ipc}`, "give --ipc none, private, shareable, host or container:NAME");
  const uts = h.UTSMode ?? "";
  if (uts !== "" && uts !== "host") throw bad("HostConfig.UTSMode", `invalid UTS mode: ${uts}`, "give --uts host, or leave it out");
  const cgroupns = h.CgroupnsMode ?? "";
  if (cgroupns !== "" && cgroupns !== "host" && cgroupns !== "private") throw bad("HostConfig.CgroupnsMode", `invalid cgroup namespace mode: ${cgroupns}`, "give --cgroupns host or private");
  return {
    ...(pid ? { pidMode: pid as NonNullable<ContainerOptions["pidMode"]> } : {}),
    ...(ipc && ipc !== "private" ? { ipcMode: ipc as NonNullable<ContainerOptions["ipcMode"]> } : {}),
    ...(uts ? { utsMode: "host" as const } : {}),
    ...(cgroupns ? { cgroupnsMode: cgroupns as "host" | "private" } : {}),
  };
}

export function mapCreateBody(b: ContainerCreateBody, blkio: () => BlkioSupport = () => FULL_BLKIO): MappedCreate {
  if (!b.Image) throw bad("Image", "no image given: Config.Image is empty", "name an image");
  const h = b.HostConfig ?? {};
  const warnings: string[] = [];
  const network = networkOptionsOf(b, warnings);
  // what docker users set that skiffd takes but does not act on yet: said, never silently dropped
  const modes = namespaceModes(h);
  // (--userns host is skiffd's only mode: it does not remap users)
  if (h.UsernsMode && h.UsernsMode !== "host") warnings.push(`--userns ${h.UsernsMode} is not served by skiffd yet: ignored`);
  if (h.UTSMode === "host" && b.Hostname) throw bad("Hostname", "conflicting options: hostname and the UTS mode", "leave --hostname out: with --uts host the container has the host's");
  refuseUnserved(h, warnings);
  if (h.OomKillDisable && !h.Memory) warnings.push("OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.");
  const restartPolicy = restartPolicyOf(h.RestartPolicy);

  const mounted = mounts(h.Mounts ?? []);
  const fromBinds = (h.Binds ?? []).map(bindOrVolume);
  const binds = fromBinds.filter((x): x is NonNullable<ContainerOptions["binds"]>[number] => "source" in x);
  const namedBinds = fromBinds.filter((x): x is NonNullable<ContainerOptions["volumes"]>[number] => !("source" in x));
  const given = [...binds, ...namedBinds, ...mounted.binds!, ...mounted.volumes!].map((x) => x.destination);
  const volumes = [...namedBinds, ...mounted.volumes!, ...configVolumes(Object.keys(b.Volumes ?? {}), given)];
  const options: ContainerOptions = {
    ...(b.Cmd?.length ? { cmd: b.Cmd } : {}),
    // docker's --entrypoint "" arrives as [""]: no entrypoint at all (the image's is reset)
    ...(b.Entrypoint !== undefined ? { entrypoint: b.Entrypoint.length === 1 && b.Entrypoint[0] === "" ? [] : b.Entrypoint } : {}),
    ...(b.Env?.length ? { env: b.Env } : {}),
    ...(b.WorkingDir ? { workingDir: b.WorkingDir } : {}),
    ...(b.User ? { user: b.User } : {}),
    ...(h.GroupAdd?.length ? { groupAdd: h.GroupAdd } : {}),
    ...(b.Tty && h.ConsoleSize?.length === 2 && h.ConsoleSize[0]! > 0 && h.ConsoleSize[1]! > 0 ? { consoleSize: [h.ConsoleSize[0]!, h.ConsoleSize[1]!] as [number, number] } : {}),
    tty: b.Tty ?? false,
    openStdin: b.OpenStdin ?? false,
    ...(b.OpenStdin && b.StdinOnce ? { stdinOnce: true } : {}),
    ...(h.Init ? { init: true } : {}),
    ...(b.Hostname ? { hostname: b.Hostname } : {}),
    ...(b.Domainname ? { domainname: b.Domainname } : {}),
    ...(h.ReadonlyRootfs ? { readOnly: true } : {}),
    binds: [...binds, ...mounted.binds!],
    ...(volumes.length ? { volumes } : {}),
    ...(h.VolumesFrom?.length ? { volumesFrom: volumesFrom(h.VolumesFrom) } : {}),
    ...(h.VolumeDriver ? { volumeDriver: h.VolumeDriver } : {}),
    ...(h.Mounts?.length ? { mountsGiven: h.Mounts as Record<string, unknown>[] } : {}),
    tmpfs: [...Object.entries(h.Tmpfs ?? {}).map(([destination, options]) => ({ destination, options })), ...mounted.tmpfs!],
    ...(h.ShmSize ? { shmSize: h.ShmSize } : {}),
    ...resourcesOf(h),
    ...blkioOf(h, blkio, warnings),
    // (a parent of "/" alone is the daemon's own)
    ...(h.CgroupParent && cgroupParentOf(h.CgroupParent) !== "/" ? { cgroupParent: cgroupParentOf(h.CgroupParent) } : {}),
    ...(h.OomScoreAdj ? { oomScoreAdj: h.OomScoreAdj } : {}),
    ...(b.AttachStdout === false ? { attachStdout: false as const } : {}),
    ...(b.AttachStderr === false ? { attachStderr: false as const } : {}),
    ...modes,
    ...(h.Sysctls && Object.keys(h.Sysctls).length ? { sysctls: sysctlsOf(h.Sysctls) } : {}),
    ulimits: (h.Ulimits ?? []).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })),
    capAdd: h.CapAdd ?? [],
    capDrop: h.CapDrop ?? [],
    ...(h.Privileged ? { privileged: true } : {}),
    ...(h.MaskedPaths ? { maskedPaths: h.MaskedPaths.map((p, i) => absolutePath(p, `HostConfig.MaskedPaths[${i}]`)) } : {}),
    ...(h.ReadonlyPaths ? { readonlyPaths: h.ReadonlyPaths.map((p, i) => absolutePath(p, `HostConfig.ReadonlyPaths[${i}]`)) } : {}),
    ...securityOptions(h.SecurityOpt ?? []),
    devices: (h.Devices ?? []).map((d, i) => {
      if (!d.PathOnHost) throw bad(`HostConfig.Devices[${i}].PathOnHost`, "a device mapping needs PathOnHost", "give --device /dev/HOST[:/dev/CTR][:rwm]");
      return { pathOnHost: d.PathOnHost, pathInContainer: d.PathInContainer || d.PathOnHost, permissions: d.CgroupPermissions || "rwm" };
    }),
    ...network,
    ...(b.StopSignal ? { stopSignal: b.StopSignal } : {}),
    ...(b.StopTimeout !== undefined ? { stopTimeout: b.StopTimeout } : {}),
    ...(b.Labels ? { labels: b.Labels } : {}),
    ...(h.AutoRemove ? { autoRemove: true } : {}),
    ...(restartPolicy ? { restartPolicy } : {}),
    ...(b.Healthcheck ? { healthcheck: healthcheckOf(b.Healthcheck) } : {}),
    ...(h.Runtime ? { runtime: h.Runtime } : {}),
    log: logOptions(h.LogConfig, warnings),
  };
  return { image: b.Image, options, warnings };
}
