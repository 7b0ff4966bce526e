// The engine's container records as docker's wire types (API 1.41): GET /containers/{id}/json
// (ContainerJSON) and the items of GET /containers/json (ContainerSummary), with docker's words
// for the status ("Up 3 seconds", "Exited (0) 2 minutes ago").
import { MASKED_PATHS, mergedHealthcheck, READONLY_PATHS, type ContainerRecord } from "../../engine/containers/index.ts";
import { humanDuration } from "../units.ts";
import { endpointLinkText } from "./endpoint-settings.ts";
import { bindsJson, configVolumesJson, mountsJson, volumesFromJson } from "./volume-json.ts";
import { configExposedPortsJson, hostConfigNetworkJson, networkSettingsJson, summaryNetworkSettingsJson, summaryPortsJson, type ContainerNetwork } from "./container-network-json.ts";

export type { ContainerNetwork };

/** docker's Config: the image's config merged with the create options (as dockerd stores it). */
function wireConfig(r: ContainerRecord): Record<string, unknown> {
  const o = r.options;
  const img = r.imageConfig;
  return {
    Hostname: r.hostname,
    Domainname: o.domainname ?? "",
    User: o.user ?? img.User ?? "",
    AttachStdin: o.openStdin ?? false,
    AttachStdout: o.attachStdout ?? true,
    AttachStderr: o.attachStderr ?? true,
    ...configExposedPortsJson(r),
    Tty: o.tty ?? false,
    OpenStdin: o.openStdin ?? false,
    StdinOnce: o.stdinOnce ?? false,
    Env: mergedEnv(img.Env, o.env ?? []),
    Cmd: o.cmd ?? (o.entrypoint ? null : img.Cmd ?? null),
    Image: r.image,
    Volumes: configVolumesJson(r),
    WorkingDir: o.workingDir ?? img.WorkingDir ?? "",
    Entrypoint: o.entrypoint ?? img.Entrypoint ?? null,
    OnBuild: null,
    Labels: { ...img.Labels, ...o.labels },
    ...(o.stopSignal ?? img.StopSignal ? { StopSignal: o.stopSignal ?? img.StopSignal } : {}),
    ...(o.stopTimeout !== undefined ? { StopTimeout: o.stopTimeout } : {}),
    ...healthcheckJson(r),
  };
}

/** Config.Healthcheck as dockerd stores it: the container's merged over the image's; durations
 *  left out when 0 (Go's omitempty). */
function healthcheckJson(r: ContainerRecord): Record<string, unknown> {
  const h = mergedHealthcheck(r.options.healthcheck, r.imageConfig.Healthcheck);
  if (!h) return {};
  return { Healthcheck: { Test: h.test, ...(h.interval ? { Interval: h.interval } : {}), ...(h.timeout ? { Timeout: h.timeout } : {}), ...(h.startPeriod ? { StartPeriod: h.startPeriod } : {}), ...(h.retries ? { Retries: h.retries } : {}) } };
}

/** State.Health: the status, the failing streak and the last results (only with a health check). */
function healthJson(r: ContainerRecord): Record<string, unknown> {
  const h = r.state.health;
  if (!h) return {};
  return { Health: { Status: h.status, FailingStreak: h.failingStreak, Log: h.log.map((l) => ({ Start: l.start, End: l.end, ExitCode: l.exitCode, Output: l.output })) } };
}

function mergedEnv(base: readonly string[], over: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const e of [...base, ...over]) out.set(e.split("=")[0]!, e);
  return [...out.values()];
}

const throttleJson = (d: { path: string; rate: number }) => ({ Path: d.path, Rate: d.rate });

function wireHostConfig(r: ContainerRecord): Record<string, unknown> {
  const o = r.options;
  return {
    Binds: bindsJson(r),
    ContainerIDFile: "",
    LogConfig: {
      Type: o.log?.driver ?? "json-file",
      Config: o.log?.given ?? { ...(o.log?.maxSize ? { "max-size": String(o.log.maxSize) } : {}), ...(o.log?.maxFiles ? { "max-file": String(o.log.maxFiles) } : {}) },
    },
    ...hostConfigNetworkJson(r),
    RestartPolicy: { Name: o.restartPolicy?.name ?? "no", MaximumRetryCount: o.restartPolicy?.maximumRetryCount ?? 0 },
    AutoRemove: o.autoRemove ?? false,
    VolumeDriver: o.volumeDriver ?? "",
    VolumesFrom: volumesFromJson(r),
    CapAdd: o.capAdd?.length ? o.capAdd : null,
    CapDrop: o.capDrop?.length ? o.capDrop : null,
    CgroupnsMode: o.cgroupnsMode ?? "host",
    GroupAdd: o.groupAdd?.length ? o.groupAdd : null,
    IpcMode: o.ipcMode ?? "private",
    Cgroup: "",
    Links: hostConfigLinks(r),
    OomScoreAdj: o.oomScoreAdj ?? 0,
    PidMode: o.pidMode ?? "",
    Privileged: o.privileged ?? false,
    ReadonlyRootfs: o.readOnly ?? false,
    SecurityOpt: o.noNewPrivileges || o.seccomp?.mode === "unconfined" ? [...(o.noNewPrivileges ? ["no-new-privileges"] : []), ...(o.seccomp?.mode === "unconfined" ? ["seccomp=unconfined"] : [])] : null,
    Tmpfs: o.tmpfs?.some((t) => !t.fromMounts) ? Object.fromEntries(o.tmpfs.filter((t) => !t.fromMounts).map((t) => [t.destination, t.options])) : undefined,
    // as given, as dockerd keeps them (omitted when none)
    ...(o.mountsGiven?.length ? { Mounts: o.mountsGiven } : {}),
    UTSMode: o.utsMode ?? "",
    // (dockerd's omitempty)
    ...(o.sysctls ? { Sysctls: o.sysctls } : {}),
    UsernsMode: "",
    ShmSize: o.shmSize ?? 64 * 1024 * 1024,
    Runtime: r.runtime,
    Isolation: "",
    CpuShares: o.cpuShares ?? 0,
    Memory: o.memory ?? 0,
    NanoCpus: o.nanoCpus ?? 0,
    CgroupParent: o.cgroupParent ?? "",
    CpusetCpus: o.cpusetCpus ?? "",
    Devices: (o.devices ?? []).map((d) => ({ PathOnHost: d.pathOnHost, PathInContainer: d.pathInContainer, CgroupPermissions: d.permissions })),
    // (dockerd's: with --memory and no --memory-swap, swap is as much again, and inspect says so)
    MemorySwap: o.memorySwap ?? (o.memory ? o.memory * 2 : 0),
    PidsLimit: o.pidsLimit ?? null,
    Ulimits: o.ulimits?.length ? o.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) : null,
    // (dockerd's omitempty pointer)
    ...(o.init !== undefined ? { Init: o.init } : {}),
    KernelMemory: 0,
    KernelMemoryTCP: 0,
    // docker's fields that skiffd takes no option for yet, at docker's zero values (scripts read them)
    BlkioWeight: o.blkio?.weight ?? 0,
    BlkioWeightDevice: (o.blkio?.weightDevice ?? []).map((d) => ({ Path: d.path, Weight: d.weight })),
    BlkioDeviceReadBps: (o.blkio?.readBps ?? []).map(throttleJson),
    BlkioDeviceWriteBps: (o.blkio?.writeBps ?? []).map(throttleJson),
    BlkioDeviceReadIOps: (o.blkio?.readIOps ?? []).map(throttleJson),
    BlkioDeviceWriteIOps: (o.blkio?.writeIOps ?? []).map(throttleJson),
    CpuPeriod: o.cpuPeriod ?? 0,
    CpuQuota: o.cpuQuota ?? 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetMems: o.cpusetMems ?? "",
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: o.memoryReservation ?? 0,
    MemorySwappiness: o.memorySwappiness ?? null,
    OomKillDisable: o.oomKillDisable ?? false,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    ConsoleSize: [0, 0],
    MaskedPaths: o.privileged ? null : (o.maskedPaths ?? MASKED_PATHS),
    ReadonlyPaths: o.privileged ? null : (o.readonlyPaths ?? READONLY_PATHS),
  };
}

/** GET /containers/{id}/json; `networks`: the networks the container is on (the network service's). */
export function containerJson(r: ContainerRecord, networks: readonly ContainerNetwork[] = []): Record<string, unknown> {
  const s = r.state;
  return {
    Id: r.id,
    Created: r.created,
    Path: r.path,
    Args: r.args,
    State: {
      Status: s.status,
      // (dockerd counts a container waiting for its policy's restart as running)
      Running: s.status === "running" || s.status === "paused" || s.status === "restarting",
      Paused: s.status === "paused",
      Restarting: s.status === "restarting",
      OOMKilled: s.oomKilled,
      Dead: s.status === "dead",
      Pid: s.pid,
      ExitCode: s.exitCode,
      Error: s.error,
      StartedAt: s.startedAt,
      FinishedAt: s.finishedAt,
      ...healthJson(r),
    },
    Image: r.imageId,
    ResolvConfPath: r.files.resolvConfPath,
    HostnamePath: r.files.hostnamePath,
    HostsPath: r.files.hostsPath,
    LogPath: r.options.log?.driver === "none" ? "" : r.files.logPath,
    Name: `/${r.name}`,
    RestartCount: r.restartCount,
    Driver: "overlay2",
    Platform: "linux",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    ExecIDs: null,
    HostConfig: wireHostConfig(r),
    GraphDriver: { Name: "overlay2", Data: null },
    Mounts: mountsJson(r),
    Config: wireConfig(r),
    NetworkSettings: networkSettingsJson(r, networks),
  };
}

/** docker ps's Status column. */
export function statusText(r: ContainerRecord, now = Date.now()): string {
  const s = r.state;
  const ago = (t: string) => humanDuration(Math.max(0, now - Date.parse(t)));
  switch (s.status) {
    case "running":
      // docker's "(health: starting)", "(healthy)", "(unhealthy)" after a checked container's uptime
      return `Up ${ago(s.startedAt)}${s.health ? ` (${s.health.status === "starting" ? "health: starting" : s.health.status})` : ""}`;
    case "paused":
      return `Up ${ago(s.startedAt)} (Paused)`;
    case "restarting":
      return `Restarting (${s.exitCode}) ${ago(s.finishedAt)} ago`;
    case "exited":
      return s.startedAt.startsWith("0001") ? "Created" : `Exited (${s.exitCode}) ${ago(s.finishedAt)} ago`;
    case "removing":
      return "Removal In Progress";
    case "dead":
      return "Dead";
    default:
      return "Created";
  }
}

/** ps's COMMAND as dockerd writes it: the path, then each argument, one holding a space in single quotes. */
const command = (r: ContainerRecord) => [r.path, ...r.args.map((a) => (a.includes(" ") ? `'${a}'` : a))].join(" ");

/** An item of GET /containers/json; `networks` as for containerJson. */
export function containerSummary(r: ContainerRecord, now = Date.now(), networks: readonly ContainerNetwork[] = []): Record<string, unknown> {
  return {
    Id: r.id,
    Names: [`/${r.name}`],
    Image: r.image,
    ImageID: r.imageId,
    Command: command(r),
    Created: Math.floor(Date.parse(r.created) / 1000),
    Ports: summaryPortsJson(r),
    Labels: { ...r.imageConfig.Labels, ...r.options.labels },
    State: r.state.status,
    Status: statusText(r, now),
    HostConfig: { NetworkMode: r.options.network ?? "bridge" },
    NetworkSettings: summaryNetworkSettingsJson(r, networks),
    Mounts: mountsJson(r),
  };
}

/** HostConfig.Links as dockerd shows them: the default bridge's legacy links as it registered
 *  them ("/NAME:/CONTAINER/ALIAS"), a user-defined network's as the client gave them. */
function hostConfigLinks(r: ContainerRecord): string[] | null {
  const o = r.options;
  if (o.links?.length) return o.links.map((l) => `/${l.name ?? l.container}:/${r.name}/${l.alias}`);
  const onNetwork = o.network ? o.endpoints?.[o.network]?.links : undefined;
  return onNetwork?.length ? onNetwork.map(endpointLinkText) : null;
}
