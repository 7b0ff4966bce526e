// POST /containers/create's body, docker's ContainerCreateConfig as API 1.24-1.41 clients send it
// (Config with HostConfig and NetworkingConfig beside it), declared for the validation layer: what
// skiffd reads is checked for type and size here, before the engine sees anything. Fields skiffd
// does not act on are still typed when present, so a wrong shape is a 400 naming the field.
import { array, boolean, custom, integer, object, optional, record, string, type Infer } from "../schema.ts";
import { endpointSettingsBody } from "./endpoint-settings.ts";

const str = (maxLength = 4096) => optional(string({ maxLength }));
const strs = (maxItems = 4096, maxLength = 65536) => optional(array(string({ maxLength }), { maxItems }));
const int = (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) => optional(integer({ min, max }));
const bool = () => optional(boolean());
const labels = () => optional(record(string({ maxLength: 65536 }), { maxEntries: 4096 }));
/** Go's map[string]struct{}: the keys matter ({"80/tcp": {}}). */
const keySet = () => optional(record(optional(object({})), { maxEntries: 65536 }));

/** docker's strslice: a JSON array of strings, or (older clients) one string. */
const strSlice = optional(custom("an array of strings (or one string)", (v, path) => array(string({ maxLength: 131072 }), { maxItems: 4096 }).check(typeof v === "string" ? [v] : v, path)));

// (negative values pass here: the engine refuses them in dockerd's words)
const healthcheck = object({
  Test: strSlice,
  Interval: int(),
  Timeout: int(),
  Retries: int(),
  StartPeriod: int(),
  StartInterval: int(),
});

export const containerConfig = object({
  Hostname: str(255),
  Domainname: str(255),
  User: str(),
  AttachStdin: bool(),
  AttachStdout: bool(),
  AttachStderr: bool(),
  ExposedPorts: keySet(),
  Tty: bool(),
  OpenStdin: bool(),
  StdinOnce: bool(),
  Env: strs(),
  Cmd: strSlice,
  Healthcheck: optional(healthcheck),
  ArgsEscaped: bool(),
  Image: str(),
  Volumes: keySet(),
  WorkingDir: str(),
  Entrypoint: strSlice,
  NetworkDisabled: bool(),
  MacAddress: str(64),
  OnBuild: strs(),
  Labels: labels(),
  StopSignal: str(64),
  StopTimeout: int(),
  Shell: strSlice,
});

const ulimit = object({ Name: string({ maxLength: 64 }), Soft: integer(), Hard: integer() });
const deviceMapping = object({ PathOnHost: str(), PathInContainer: str(), CgroupPermissions: str(16) });
const throttle = optional(array(object({ Path: str(), Rate: int(0) }), { maxItems: 256 }));
const weightDevice = optional(array(object({ Path: str(), Weight: int(0, 65535) }), { maxItems: 256 }));
const portBinding = object({ HostIp: str(64), HostPort: str(64) });
const mount = object({
  Target: str(),
  Source: str(),
  Type: str(32),
  ReadOnly: bool(),
  Consistency: str(32),
  BindOptions: optional(object({ Propagation: str(32), NonRecursive: bool(), CreateMountpoint: bool() })),
  VolumeOptions: optional(object({ NoCopy: bool(), Labels: labels(), DriverConfig: optional(object({ Name: str(), Options: labels() })), Subpath: str() })),
  TmpfsOptions: optional(object({ SizeBytes: int(0), Mode: int(0, 0o7777) })),
});

export const hostConfig = object({
  // resources
  CpuShares: int(0),
  Memory: int(0),
  CgroupParent: str(),
  BlkioWeight: int(0, 1000),
  BlkioWeightDevice: weightDevice,
  BlkioDeviceReadBps: throttle,
  BlkioDeviceWriteBps: throttle,
  BlkioDeviceReadIOps: throttle,
  BlkioDeviceWriteIOps: throttle,
  CpuPeriod: int(0),
  CpuQuota: int(),
  CpuRealtimePeriod: int(0),
  CpuRealtimeRuntime: int(0),
  CpusetCpus: str(1024),
  CpusetMems: str(1024),
  Devices: optional(array(deviceMapping, { maxItems: 1024 })),
  DeviceCgroupRules: strs(1024, 256),
  DeviceRequests: optional(array(object({ Driver: str(), Count: int(), DeviceIDs: strs(), Capabilities: optional(array(strs())), Options: labels() }), { maxItems: 64 })),
  KernelMemory: int(),
  KernelMemoryTCP: int(),
  MemoryReservation: int(0),
  MemorySwap: int(-1),
  MemorySwappiness: int(-1, 100),
  // (a negative value is dockerd's range error, the engine's: resources.ts)
  NanoCpus: int(),
  OomKillDisable: bool(),
  Init: bool(),
  PidsLimit: int(),
  Ulimits: optional(array(ulimit, { maxItems: 64 })),
  CpuCount: int(0),
  CpuPercent: int(0, 100),
  IOMaximumIOps: int(0),
  IOMaximumBandwidth: int(0),
  // the rest of HostConfig
  Binds: strs(),
  ContainerIDFile: str(),
  LogConfig: optional(object({ Type: str(64), Config: labels() })),
  NetworkMode: str(256),
  PortBindings: optional(record(optional(array(portBinding, { maxItems: 1024 })), { maxEntries: 65536 })),
  RestartPolicy: optional(object({ Name: str(32), MaximumRetryCount: int() })),
  AutoRemove: bool(),
  VolumeDriver: str(),
  VolumesFrom: strs(),
  Mounts: optional(array(mount, { maxItems: 4096 })),
  ConsoleSize: optional(array(integer({ min: 0, max: 65535 }), { maxItems: 2 })),
  Annotations: labels(),
  CapAdd: strs(128, 64),
  CapDrop: strs(128, 64),
  CgroupnsMode: str(16),
  Dns: strs(64, 256),
  DnsOptions: strs(64, 256),
  DnsSearch: strs(64, 256),
  ExtraHosts: strs(4096, 1024),
  GroupAdd: strs(1024, 256),
  IpcMode: str(256),
  Cgroup: str(256),
  Links: strs(),
  OomScoreAdj: int(-1000, 1000),
  PidMode: str(256),
  Privileged: bool(),
  PublishAllPorts: bool(),
  ReadonlyRootfs: bool(),
  SecurityOpt: strs(64, 1 << 20),
  StorageOpt: labels(),
  Tmpfs: labels(),
  UTSMode: str(256),
  UsernsMode: str(256),
  ShmSize: int(0),
  Sysctls: labels(),
  Runtime: str(256),
  Isolation: str(32),
  MaskedPaths: strs(),
  ReadonlyPaths: strs(),
});

export const containerCreateBody = object({
  ...containerConfig.fields,
  HostConfig: optional(hostConfig),
  NetworkingConfig: optional(object({ EndpointsConfig: optional(record(optional(endpointSettingsBody), { maxEntries: 64 })) })),
});

export type ContainerCreateBody = Infer<typeof containerCreateBody>;
export type WireHostConfig = Infer<typeof hostConfig>;
