// The engine's own container options: what `docker run`'s flags (or the API's create body) mean,
// once parsed and resolved, independent of docker's wire JSON. The container record keeps them;
// the spec builder (oci-spec.ts) turns them, with the image's config and facts of the host, into
// the runtime's config.json.
import type { FileReader } from "../../images/index.ts";
import type { BlkioOptions } from "./blkio.ts";
import type { VolumeMount, VolumesFrom } from "./volume-options.ts";
import type { HealthConfig } from "../health-state.ts";
import type { RestartPolicy } from "../restart-policy.ts";
import type { EndpointConfig } from "../../networks/index.ts";

/** `-v /host:/ctr[:ro]`: a bind mount of a host path (rbind, rprivate). */
export interface BindMount {
  source: string;
  destination: string;
  readOnly: boolean;
  /** -v HOST:CTR (HostConfig.Binds): a missing host directory is made at start (mkdir -p, 0755), as
   * dockerd does; --mount type=bind (HostConfig.Mounts) refuses it at create. */
  createMissing?: boolean;
  /** -v SRC:DST:rshared, --mount bind-propagation=: the bind's propagation (rprivate when unset; see bind-propagation.ts). */
  propagation?: string;
  /** Given with --mount (HostConfig.Mounts), not -v: inspect lists it there, not in HostConfig.Binds. */
  fromMounts?: boolean;
}

/** `--tmpfs /ctr[:opts]`: `options` as given after the colon ("size=64m,mode=1777"), or "". */
export interface TmpfsMount {
  destination: string;
  options: string;
  /** Given with --mount type=tmpfs: inspect lists it in Mounts and HostConfig.Mounts, not HostConfig.Tmpfs. */
  fromMounts?: boolean;
}

/** `--device host[:ctr][:perms]`; permissions are some of "rwm" (the cgroup's access). */
export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
  permissions: string;
}

/** `--ulimit name=soft[:hard]`, name without "RLIMIT_" ("nofile"); -1 is unlimited. */
export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

export type SeccompOption =
  | { mode: "default" }
  | { mode: "unconfined" }
  /** `seccomp=FILE`: the file's text (the client reads it, as docker's CLI does): an OCI
   * `linux.seccomp` object or docker's profile format (archMap, includes/excludes). */
  | { mode: "profile"; profile: string };

export interface ContainerOptions {
  // --- the process
  /** Arguments after the image name: replace the image's Cmd. */
  cmd?: string[];
  /** `--entrypoint`: replaces the image's Entrypoint and drops its Cmd; [] resets it (`--entrypoint ""`). */
  entrypoint?: string[];
  /** `-e` and `--env-file`, resolved to NAME=VALUE, in the order given; added after the image's Env. */
  env?: string[];
  /** `-w`: an absolute path. */
  workingDir?: string;
  /** `-u`: "name", "uid", "name:group", "uid:gid"; names looked up in the image's /etc/passwd and /etc/group. */
  user?: string;
  /** `--group-add`: more groups for the process, by name (the image's /etc/group) or number. */
  groupAdd?: string[];
  /** The client's terminal size at create, [height, width] (API 1.42's HostConfig.ConsoleSize; skiff's
   *  CLI sends it at any version): the pty starts that size, not 0x0 until the first resize. */
  consoleSize?: [number, number];
  /** `-t`: a pseudo-terminal (process.terminal, TERM=xterm). */
  tty?: boolean;
  /** `-i`: keep stdin open (the monitor's concern, not the spec's). */
  openStdin?: boolean;
  /** docker's StdinOnce (run -i attached, not -d): the first attached client that leaves closes
   *  stdin (not with a tty, as dockerd: detach and attach again keep the terminal). */
  stdinOnce?: boolean;
  /** `--init`: a small init runs as PID 1 (its host path is a fact of the host: SpecHost.initPath). */
  init?: boolean;

  // --- identity and file system
  /** `--hostname`; default: the first 12 hex digits of the id (the host's name with --network host). */
  hostname?: string;
  /** `--domainname`: the UTS namespace's NIS domain name (and, in /etc/hosts, HOSTNAME.DOMAINNAME). */
  domainname?: string;
  /** `--read-only`: the root file system, and the network files, read-only. */
  readOnly?: boolean;
  binds?: BindMount[];
  /** Named and anonymous volumes (see volume-options.ts); create fills their names and sources. */
  volumes?: VolumeMount[];
  volumesFrom?: VolumesFrom[];
  /** `--volume-driver`: the driver of the volumes -v and the image's VOLUMEs make ("" or "local"; others are refused). */
  volumeDriver?: string;
  /** HostConfig.Mounts as the client sent them, which inspect returns as dockerd does (the engine uses binds, volumes and tmpfs). */
  mountsGiven?: Record<string, unknown>[];
  tmpfs?: TmpfsMount[];
  /** `--shm-size` in bytes; default 64 MiB. */
  shmSize?: number;

  // --- resources (docker's units: bytes, NanoCPUs, shares)
  /** `--memory` in bytes. */
  memory?: number;
  /** `--memory-swap` in bytes (memory + swap); -1 unlimited; unset: twice --memory. */
  memorySwap?: number;
  /** `--cpus` × 10^9. */
  nanoCpus?: number;
  cpuShares?: number;
  /** `--cpuset-cpus` as given ("0-2,4"). */
  cpusetCpus?: string;
  /** `--pids-limit`; 0 or below is no limit. */
  pidsLimit?: number;
  /** `--memory-reservation` in bytes (the soft limit). */
  memoryReservation?: number;
  /** `--cpu-quota` and `--cpu-period` in microseconds (the CFS bandwidth as given; --cpus sets both). */
  cpuQuota?: number;
  cpuPeriod?: number;
  /** `--memory-swappiness` 0-100 (unset: the kernel's). */
  memorySwappiness?: number;
  /** `--oom-kill-disable`. */
  oomKillDisable?: boolean;
  /** `--oom-score-adj` -1000..1000. */
  oomScoreAdj?: number;
  /** `--cpuset-mems` as given ("0-1"). */
  cpusetMems?: string;
  /** `--pid`: the host's namespace, or `container:<full id>`'s (joined by path at each start);
   *  unset, a new one. */
  pidMode?: "host" | `container:${string}`;
  /** `--ipc`: host; none (a namespace of its own without /dev/shm); shareable (others may join
   *  it); container:<full id> (its namespace, joined at each start); unset or private: a new one. */
  ipcMode?: "host" | "none" | "private" | "shareable" | `container:${string}`;
  /** `--uts host`: the host's namespace instead of a new one. */
  utsMode?: "host";
  /** `--blkio-weight(-device)`, `--device-read/write-bps/iops`: what the host's controller takes
   *  (the API drops the rest with dockerd's warnings); device paths as given. */
  blkio?: BlkioOptions;
  /** `--cgroup-parent`: the cgroup this container is made under instead of the daemon's (absolute). */
  cgroupParent?: string;
  /** `--cgroupns`: a cgroup namespace of its own (private) or the host's; the engine records what
   *  applies when none is given (dockerd's default: private on cgroup v2, host on v1). */
  cgroupnsMode?: "host" | "private";
  /** Config.AttachStdout and AttachStderr as the client sent them when false (`run -d`): only
   *  shown by inspect (the monitor keeps both streams whatever they say). */
  attachStdout?: false;
  attachStderr?: false;
  /** `--sysctl`: names docker allows in a container (the namespaced ones), with their values. */
  sysctls?: Record<string, string>;
  ulimits?: Ulimit[];

  // --- security
  /** `--cap-add`/`--cap-drop`: "NET_ADMIN", "cap_net_admin", or "ALL". */
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  /** `--security-opt no-new-privileges`. */
  noNewPrivileges?: boolean;
  /** HostConfig.MaskedPaths and ReadonlyPaths when given (`--security-opt systempaths=unconfined`:
   *  none); unset: dockerd's defaults. */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  /** `--security-opt seccomp=…`; default: docker's default profile. */
  seccomp?: SeccompOption;
  devices?: DeviceMapping[];

  // --- network
  /** docker's NetworkMode: "bridge" (the default network), "none", "host", "container:<id or name>",
   *  or a user-defined network's name or id. Absent is "bridge". */
  network?: string;
  /** Per network the container is on at create (by the name or id as given): docker's EndpointsConfig. */
  endpoints?: Record<string, EndpointConfig>;
  /** `-p`, docker's PortBindings: "80/tcp" → bindings; a hostPort of "" or "0" is chosen at each start. */
  portBindings?: Record<string, { hostIp: string; hostPort: string }[]>;
  /** `-P`: every exposed port (the image's and --expose's) to a host port chosen at each start. */
  publishAll?: boolean;
  /** `--expose` and the image's ExposedPorts, as "80/tcp". */
  exposedPorts?: string[];
  /** `--dns`, `--dns-search`, `--dns-option`. */
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** `--add-host NAME:IP`; IP "host-gateway" is the default network's gateway. */
  extraHosts?: string[];
  /** `--link NAME[:ALIAS]` on the default bridge: the target's id (create resolves the name), its
   *  name then, and the alias; each becomes a record of /etc/hosts at start, as dockerd's legacy links. */
  links?: { container: string; name?: string; alias: string }[];

  // --- kept in the record, not in the spec
  /** `--stop-signal`: a name ("SIGUSR1") or number; default: the image's StopSignal, else SIGTERM. */
  stopSignal?: string;
  /** `--stop-timeout` in seconds; default 10. */
  stopTimeout?: number;
  labels?: Record<string, string>;
  /** `--rm`. */
  autoRemove?: boolean;
  /** `--restart`; absent is "no". */
  restartPolicy?: RestartPolicy;
  /** `--health-*`, `--no-healthcheck` (test ["NONE"]): docker's Config.Healthcheck as given; the
   *  image's HEALTHCHECK fills what it leaves unset (health-state.ts effectiveHealthcheck). */
  healthcheck?: HealthConfig;
  /** `--runtime`: "skiff" (in-process, the default), "runc", "crun", "skiff-oci". */
  runtime?: string;
  /** `--log-driver json-file|none` and json-file's `--log-opt max-size=`, `max-file=` (each also
   *  as the user wrote it, which inspect shows as dockerd does: "10k", not 10240). */
  log?: { driver: "json-file" | "none"; maxSize?: number; maxFiles?: number; given?: Record<string, string> };
}

/** A device node on the host as stat(2) reports it. */
export interface HostDevice {
  path: string;
  type: "c" | "b" | "p";
  major: number;
  minor: number;
  /** Permission bits (st_mode & 07777). */
  fileMode: number;
  uid: number;
  gid: number;
}

/** What the builder needs from the engine and the host; reading them is the caller's effect
 * (host.ts reads the real ones), so the builder stays pure. */
export interface SpecHost {
  /** 64 hex digits. */
  id: string;
  /** root.path: the bundle's rootfs (or where the engine mounts it). */
  rootPath: string;
  /** linux.cgroupsPath: the parent ("/skiff" for cgroupfs) joined with the id by the builder. */
  cgroupParent: string;
  /** Host paths of the files bind-mounted on /etc/resolv.conf, /etc/hostname, /etc/hosts. */
  networkFiles: { resolvConf: string; hostname: string; hosts: string };
  /** Host path of the init binary, for `--init` (bind-mounted read-only on /sbin/docker-init). */
  initPath?: string;
  /** The host's own name, which a container on the host's network takes. */
  hostHostname: string;
  cgroupVersion: 1 | 2;
  /** /proc/sys/kernel/cap_last_cap: "ALL" and --privileged mean every capability up to it... */
  lastCap: number;
  /** ...that the daemon's own bounding set holds (CapBnd): no process it starts can have another.
   *  Absent: all of them. */
  heldCapabilities?: readonly string[];
  /** Go's name of the host's architecture ("amd64", "arm64"), which seccomp profiles use. */
  arch: string;
  /** The kernel's release (uname -r): seccomp rules may ask for a minimum kernel. */
  kernelRelease: string;
  /** False when the kernel has no IPv6 (booted with ipv6.disable=1: no /proc/sys/net/ipv6), whose
   *  sysctls the runtime could not write; absent is true. */
  ipv6?: boolean;
  /** The image's files (its /etc/passwd and /etc/group for -u). */
  readImageFile: FileReader;
  /** A host path's device nodes: the node itself, or every node under a directory (symlinks followed). */
  devicesAt(path: string): HostDevice[];
  /** Every device node of the host's /dev, for --privileged. */
  hostDevices(): HostDevice[];
}
