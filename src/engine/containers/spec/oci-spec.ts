// A container's OCI runtime config (config.json) from its image's config and its options, equal to
// what dockerd writes for the same `docker run` (test/spec-differential.test.ts compares the two
// and names each intended difference). Pure: the host's facts and files come in through SpecHost.
import { rootPropagationFor } from "./bind-propagation.ts";
import { invalid } from "../../../common/errors.ts";
import type { ContainerDefaults } from "../../../oci/image/image-config.ts";
import { resolveGroups, specFromImage } from "../../images/index.ts";
import { containerCapabilities, processCapabilities } from "./capabilities.ts";
import { containerDevices, type DeviceRule, type LinuxDevice } from "./devices.ts";
import { containerMounts, INIT_DESTINATION, MASKED_PATHS, READONLY_PATHS, type SpecMount } from "./mounts.ts";
import type { ContainerOptions, SpecHost } from "./options.ts";
import { checkOomScoreAdj, linuxResources, rlimits } from "./resources.ts";
import { DOCKER_DEFAULT_PROFILE } from "./seccomp-default.ts";
import { parseProfile, resolveProfile } from "./seccomp-profile.ts";

/** config.json as the builder writes it (a JSON value; the runtime reads it with checkRuntimeConfig). */
export interface OciSpec {
  ociVersion: string;
  process: {
    terminal?: boolean;
    user: { uid: number; gid: number; additionalGids: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; inheritable: string[]; permitted: string[]; ambient: string[] };
    rlimits?: { type: string; hard: number; soft: number }[];
    noNewPrivileges?: boolean;
    oomScoreAdj: number;
  };
  root: { path: string; readonly?: boolean };
  /** Only with a UTS namespace of the container's own (--uts host has none). */
  hostname?: string;
  mounts: SpecMount[];
  hooks: Record<string, never>;
  linux: {
    sysctl?: Record<string, string>;
    resources: Record<string, unknown> & { devices: DeviceRule[] };
    cgroupsPath: string;
    namespaces: { type: string }[];
    /** shared or rslave when a bind asks for it (bind-propagation.ts); the runtime default otherwise. */
    rootfsPropagation?: string;
    devices?: LinuxDevice[];
    maskedPaths?: string[];
    readonlyPaths?: string[];
    seccomp?: Record<string, unknown>;
  };
}

/** The ociVersion dockerd writes (crun 1.8 accepts only 1.0.x). */
export const OCI_VERSION = "1.0.2-dev";
export const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * docker's environment. At create the run's -e come first, then the image's Env less the names
 * -e gives; a -e without "=" unsets that name. The daemon then starts from PATH, HOSTNAME and TERM
 * (with a tty), replaces them in place where that list names them, and appends the rest.
 */
export function containerEnv(imageEnv: readonly string[], runEnv: readonly string[], hostname: string, tty: boolean): string[] {
  const name = (e: string) => e.split("=", 1)[0]!;
  const given = new Set(runEnv.map(name));
  const out = new Map<string, string>([DEFAULT_PATH, `HOSTNAME=${hostname}`, ...(tty ? ["TERM=xterm"] : [])].map((e) => [name(e), e]));
  for (const e of [...runEnv, ...imageEnv.filter((x) => !given.has(name(x)))]) {
    if (e.includes("=")) out.set(name(e), e);
    else out.delete(e);
  }
  return [...out.values()];
}

function seccomp(o: ContainerOptions, caps: string[], host: SpecHost): Record<string, unknown> | undefined {
  const s = o.seccomp ?? { mode: "default" };
  if (o.privileged || s.mode === "unconfined") return undefined;
  const profile = s.mode === "default" ? DOCKER_DEFAULT_PROFILE : parseProfile(s.profile);
  return resolveProfile(profile, { caps, arch: host.arch, kernel: host.kernelRelease });
}

/** The container's volumes by the host path of their content (create has filled it). */
const volumeMounts = (o: ContainerOptions) =>
  (o.volumes ?? []).map((v) => {
    if (!v.source) throw new Error(`volume ${JSON.stringify(v.name)} at ${v.destination} has no source: create resolves volumes before the spec is built`);
    return { source: v.source, destination: v.destination, readOnly: v.readOnly };
  });

/**
 * The sysctls of a network namespace the container makes (as dockerd: none for host's, none for a
 * joined container's, whose namespace is that container's to set): any port may be bound and any
 * group may ping (ICMP sockets). On the networks, whose interfaces are IPv4 only, IPv6 is off
 * (docker 26.0.2 and later, CVE-2024-32473: an interface of an IPv4-only network must get no
 * fe80:: address and answer no router advertisement): `default` is what the eth0 the CNI bridge
 * plugin makes later inherits, while lo, made with the namespace, keeps ::1 (`all` would take it
 * from lo too). With --network none no interface comes, and the kernel's default is kept.
 */
function netSysctls(network: string | undefined, host: SpecHost): Record<string, string> | undefined {
  if (network === "host" || network?.startsWith("container:")) return undefined;
  return {
    "net.ipv4.ip_unprivileged_port_start": "0",
    "net.ipv4.ping_group_range": "0 2147483647",
    ...(network !== "none" && host.ipv6 !== false ? { "net.ipv6.conf.default.disable_ipv6": "1" } : {}),
  };
}

export function buildContainerSpec(image: ContainerDefaults, o: ContainerOptions, host: SpecHost): OciSpec {
  if (!/^[0-9a-f]{64}$/.test(host.id)) throw new Error(`container id must be 64 hex digits, got ${JSON.stringify(host.id)}`);
  if (o.init && !host.initPath) throw invalid("engine", "ENGINE_NO_INIT", "--init: no init binary is configured", "install skiff's init or start skiffd with its path");
  if (o.workingDir !== undefined && o.workingDir !== "" && !o.workingDir.startsWith("/")) throw invalid("engine", "ENGINE_INVALID_WORKDIR", `-w ${JSON.stringify(o.workingDir)}: the working directory must be absolute`, "give an absolute path inside the container", { field: "-w" });
  const proc = specFromImage(image, host.readImageFile, { cmd: o.cmd, entrypoint: o.entrypoint, workingDir: o.workingDir, user: o.user });
  const hostNetwork = o.network === "host";
  const hostUts = o.utsMode === "host";
  const hostname = o.hostname || (hostNetwork || hostUts ? host.hostHostname : host.id.slice(0, 12));
  const caps = containerCapabilities(o, host.lastCap, host.heldCapabilities);
  const limits = rlimits(o.ulimits);
  checkOomScoreAdj(o.oomScoreAdj);
  const { devices, rules } = containerDevices(o, host);
  const filter = seccomp(o, caps, host);
  // --domainname as dockerd writes it: the sysctl, which sets what setdomainname(2) does
  // (--sysctl's last: dockerd applies the user's over its own)
  const sysctl = { ...(o.domainname ? { "kernel.domainname": o.domainname } : {}), ...netSysctls(o.network, host), ...o.sysctls };

  const rootPropagation = rootPropagationFor((o.binds ?? []).map((b) => b.propagation));
  const namespaces = [
    { type: "mount" },
    ...(hostNetwork ? [] : [{ type: "network" }]),
    ...(hostUts ? [] : [{ type: "uts" }]),
    // (a namespace shared with container:ID is given its path at each start: shared-namespaces.ts)
    ...(o.pidMode === "host" ? [] : [{ type: "pid" }]),
    ...(o.ipcMode === "host" ? [] : [{ type: "ipc" }]),
    ...((o.cgroupnsMode ?? (host.cgroupVersion === 2 ? "private" : "host")) === "private" ? [{ type: "cgroup" }] : []),
  ];
  const spec: OciSpec = {
    ociVersion: OCI_VERSION,
    process: {
      ...(o.tty ? { terminal: true, ...(o.consoleSize ? { consoleSize: { height: o.consoleSize[0], width: o.consoleSize[1] } } : {}) } : {}),
      // dockerd lists the primary group among the supplementary ones
      user: { uid: proc.user.uid, gid: proc.user.gid, additionalGids: [...new Set([proc.user.gid, ...proc.user.additionalGids, ...resolveGroups(o.groupAdd ?? [], host.readImageFile)])] },
      args: o.init ? [INIT_DESTINATION, "--", ...proc.args] : proc.args,
      env: containerEnv(image.Env, o.env ?? [], hostname, !!o.tty),
      cwd: proc.cwd,
      capabilities: processCapabilities(caps, proc.user.uid),
      ...(limits.length ? { rlimits: limits } : {}),
      ...(o.noNewPrivileges ? { noNewPrivileges: true } : {}),
      oomScoreAdj: o.oomScoreAdj ?? 0,
    },
    root: { path: host.rootPath, ...(o.readOnly ? { readonly: true } : {}) },
    ...(hostUts ? {} : { hostname }),
    mounts: containerMounts({ ...(o.ipcMode === "host" || o.ipcMode === "none" ? { shm: o.ipcMode } : {}), binds: o.binds, volumes: volumeMounts(o), tmpfs: o.tmpfs, readOnly: o.readOnly, privileged: o.privileged, shmSize: o.shmSize, initPath: o.init ? host.initPath : undefined, networkFiles: host.networkFiles }),
    hooks: {},
    linux: {
      ...(Object.keys(sysctl).length ? { sysctl } : {}),
      resources: { devices: rules, ...linuxResources(o) },
      cgroupsPath: `${(o.cgroupParent ?? host.cgroupParent).replace(/\/+$/, "")}/${host.id}`,
      namespaces,
      ...(rootPropagation ? { rootfsPropagation: rootPropagation } : {}),
      ...(devices.length ? { devices } : {}),
      ...(o.privileged ? {} : { maskedPaths: [...(o.maskedPaths ?? MASKED_PATHS)], readonlyPaths: [...(o.readonlyPaths ?? READONLY_PATHS)] }),
      ...(filter ? { seccomp: filter } : {}),
    },
  };
  return spec;
}
