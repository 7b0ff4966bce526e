// `skiff create` and `skiff run` flags → the POST /containers/create body, field for field as
// docker 28's CLI builds it against an API 1.41 daemon (checked against the real CLI by
// test/skiff-create-body.test.ts). Every value is read and checked here, before any request.
import type { ContainerCreateBody, HostConfig } from "../../api/client-containers.ts";
import type { FlagValues } from "../args.ts";
import { str, strs } from "./command.ts";
import { parseMount } from "./mount-flag.ts";
import { throttleBps, throttleIOps, weightDevice } from "./blkio-flags.ts";
import { writeErr } from "../../common/stdio.ts";
import { parseGoDuration } from "./go-time.ts";
import { dnsSearchDomain, dnsServer, extraHost, networking, publishedPorts } from "./network-flags.ts";
import {
  badOption, badValue, cleanPath, dedupeEnv, device, envValue, int64, keyValueFile, keyValueMap, labelValue, memBytes, memSwapBytes, nanoCpus, securityOpts, ulimit, volumeSpec,
} from "./container-values.ts";

export interface CreateRequest {
  body: ContainerCreateBody;
  name?: string;
  platform?: string;
  pull: "always" | "missing" | "never";
  quiet: boolean;
}

export interface CreateContext {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** The terminal's [rows, columns] when -t and stdout is a terminal: the container starts at that size. */
  consoleSize?: [number, number];
  /** run -d: nothing is attached. */
  detach?: boolean;
  /** Where docker's warnings of the flags go (stderr). */
  warn?: (line: string) => void;
}

const has = (flags: FlagValues, name: string) => flags[name] !== undefined;

/** Upper case with "CAP_" in front (but "ALL"), without duplicates, sorted: docker's normalizeCapabilities. */
function capabilities(values: string[]): string[] | null {
  if (!values.length) return null;
  const caps = [...new Set(values.map((c) => c.toUpperCase()).map((c) => (c === "ALL" || c.startsWith("CAP_") ? c : `CAP_${c}`)))];
  return caps.sort();
}

function intFlag(flags: FlagValues, name: string, label: string, fallback: number): number {
  const v = str(flags[name]);
  return v === undefined ? fallback : int64(v, label);
}

export function restartPolicy(value: string | undefined): { Name: string; MaximumRetryCount: number } {
  const hint = "--restart no, always, unless-stopped or on-failure[:MAX_RETRIES]";
  if (value === undefined) return { Name: "no", MaximumRetryCount: 0 };
  if (value === "") return { Name: "", MaximumRetryCount: 0 };
  const colon = value.indexOf(":");
  const name = colon < 0 ? value : value.slice(0, colon);
  const count = colon < 0 ? "" : value.slice(colon + 1);
  if (colon >= 0 && !name) throw badOption("invalid restart policy format: no policy provided before colon", hint);
  if (count && !/^[+-]?\d+$/.test(count)) throw badOption("invalid restart policy format: maximum retry count must be an integer", hint);
  return { Name: name, MaximumRetryCount: count ? Number(count) : 0 };
}

/** A Go duration flag (pflag's DurationVar) in nanoseconds; docker's words for a bad one. */
function durationFlag(flags: FlagValues, name: string): number {
  const v = str(flags[name]);
  if (v === undefined) return 0;
  const ns = parseGoDuration(v);
  if (ns === undefined) throw badValue(v, `--${name}`, `time: invalid duration ${JSON.stringify(v)}`, `--${name} takes a duration such as 500ms, 30s or 1m`);
  return Math.round(ns);
}

/** --health-* and --no-healthcheck → Config.Healthcheck, as docker's CLI builds it (undefined: the image's). */
export function healthcheck(flags: FlagValues): Record<string, unknown> | undefined {
  const cmd = str(flags["health-cmd"]) ?? "";
  const interval = durationFlag(flags, "health-interval");
  const timeout = durationFlag(flags, "health-timeout");
  const startPeriod = durationFlag(flags, "health-start-period");
  const retries = intFlag(flags, "health-retries", "--health-retries", 0);
  const any = cmd !== "" || interval !== 0 || timeout !== 0 || startPeriod !== 0 || retries !== 0;
  if (flags["no-healthcheck"]) {
    if (any) throw badOption("--no-healthcheck conflicts with --health-* options", "leave out --no-healthcheck or the --health-* flags");
    return { Test: ["NONE"] };
  }
  if (!any) return undefined;
  const hint = "give a duration of 0 or more";
  if (interval < 0) throw badOption("--health-interval cannot be negative", hint);
  if (timeout < 0) throw badOption("--health-timeout cannot be negative", hint);
  if (retries < 0) throw badOption("--health-retries cannot be negative", "give a count of 0 or more");
  if (startPeriod < 0) throw badOption("--health-start-period cannot be negative", hint);
  // (Go's omitempty on every field of HealthConfig)
  return { ...(cmd ? { Test: ["CMD-SHELL", cmd] } : {}), ...(interval ? { Interval: interval } : {}), ...(timeout ? { Timeout: timeout } : {}), ...(startPeriod ? { StartPeriod: startPeriod } : {}), ...(retries ? { Retries: retries } : {}) };
}

function attachStreams(values: string[]): Set<string> {
  return new Set(
    values.map((v) => {
      const s = v.toLowerCase();
      if (!["stdin", "stdout", "stderr"].includes(s)) throw badValue(v, "-a, --attach", "valid streams are STDIN, STDOUT and STDERR", "-a stdin, -a stdout or -a stderr");
      return s;
    }),
  );
}

/** Reads the flags and arguments (IMAGE [COMMAND] [ARG...]) of create or run into the create request. */
export function createRequest(flags: FlagValues, args: string[], ctx: CreateContext = {}): CreateRequest {
  const env = ctx.env ?? process.env;
  const cwd = ctx.cwd ?? process.cwd();
  const [image, ...cmd] = args as [string, ...string[]];
  const pull = str(flags.pull) ?? "missing";
  if (pull !== "always" && pull !== "missing" && pull !== "never") throw badOption(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`, "--pull always, missing or never");

  const attach = attachStreams(strs(flags.attach));
  const openStdin = !!flags.interactive;
  let attachStdin = attach.has("stdin") || openStdin;
  let attachStdout = attach.size ? attach.has("stdout") : true;
  let attachStderr = attach.size ? attach.has("stderr") : true;
  let stdinOnce = openStdin && attachStdin;
  if (ctx.detach) {
    if (attach.size) throw badOption("Conflicting options: -a and -d", "attach later with skiff attach, or leave -d out");
    attachStdin = attachStdout = attachStderr = stdinOnce = false;
  }

  const swappiness = intFlag(flags, "memory-swappiness", "--memory-swappiness", -1);
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) throw badOption(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`, "--memory-swappiness 0 to 100 (or -1 for the default)");

  const binds: string[] = [];
  const volumes: Record<string, Record<string, never>> = {};
  for (const spec of strs(flags.volume)) {
    const { source } = volumeSpec(spec);
    if (!source) {
      volumes[spec] = {};
      continue;
    }
    // a relative host path ("./data") is made absolute, as docker does
    const colon = spec.indexOf(":");
    const host = spec.slice(0, colon);
    binds.push(host.startsWith(".") ? `${cleanPath(`${cwd}/${host}`)}${spec.slice(colon)}` : spec);
  }

  const tmpfs: Record<string, string> = {};
  for (const t of strs(flags.tmpfs)) {
    const colon = t.indexOf(":");
    tmpfs[colon < 0 ? t : t.slice(0, colon)] = colon < 0 ? "" : t.slice(colon + 1);
  }

  // the env files' lines as they are, then -e's with one entry per name, the last one given (docker
  // 28 passes -e through a map: it sends them in no set order)
  const envList = [...strs(flags["env-file"]).flatMap((f) => keyValueFile(f, "env", env)), ...dedupeEnv(strs(flags.env).map((e) => envValue(e, env)))];
  const labels = keyValueMap([...strs(flags["label-file"]).flatMap((f) => keyValueFile(f, "label", env)), ...strs(flags.label).map(labelValue)]);

  const logDriver = str(flags["log-driver"]) ?? "";
  const logOpts = strs(flags["log-opt"]);
  if (logDriver === "none" && logOpts.length) throw badOption("invalid logging opts for driver none", "leave --log-opt out with --log-driver none");

  // given and then emptied (systempaths=unconfined alone), the list goes as [], as docker sends it
  const securityGiven = strs(flags["security-opt"]).length > 0;
  let security = securityOpts(strs(flags["security-opt"]));
  const unconfinedPaths = security.includes("systempaths=unconfined");
  security = security.filter((o) => o !== "systempaths=unconfined");

  const restart = restartPolicy(str(flags.restart));
  const autoRemove = !!flags.rm;
  if (autoRemove && restart.Name !== "no" && restart.Name !== "") throw badOption("conflicting options: cannot specify both --restart and --rm", "leave --restart out with --rm");

  const health = healthcheck(flags);
  const entrypoint = str(flags.entrypoint);
  const links = strs(flags.link);
  const net = networking({ networks: strs(flags.network), aliases: strs(flags["network-alias"]), links, ip: str(flags.ip), mac: str(flags["mac-address"]) });
  const ports = publishedPorts(strs(flags.publish), strs(flags.expose));
  const warn = ctx.warn ?? ((line: string) => writeErr(`${line}\n`));
  const dns = strs(flags.dns).map((d) => dnsServer(d, warn));
  const dnsSearch = strs(flags["dns-search"]).map(dnsSearchDomain);
  const extraHosts = strs(flags["add-host"]).map(extraHost);
  const sysctls = keyValueMap(strs(flags.sysctl));

  const hostConfig: HostConfig = {
    Binds: binds.length ? binds : null,
    ContainerIDFile: "",
    LogConfig: { Type: logDriver, Config: keyValueMap(logOpts) },
    NetworkMode: net.mode,
    PortBindings: ports.bindings,
    RestartPolicy: restart,
    AutoRemove: autoRemove,
    VolumeDriver: "",
    VolumesFrom: strs(flags["volumes-from"]).length ? strs(flags["volumes-from"]) : null,
    ConsoleSize: ctx.consoleSize ?? [0, 0],
    CapAdd: capabilities(strs(flags["cap-add"])),
    CapDrop: capabilities(strs(flags["cap-drop"])),
    CgroupnsMode: namespaceMode(flags, "cgroupns"),
    Dns: dns,
    DnsOptions: strs(flags["dns-option"]),
    DnsSearch: dnsSearch,
    ExtraHosts: extraHosts.length ? extraHosts : null,
    GroupAdd: strs(flags["group-add"]).length ? strs(flags["group-add"]) : null,
    IpcMode: namespaceMode(flags, "ipc"),
    Cgroup: "",
    Links: links.length ? links : null,
    OomScoreAdj: intFlag(flags, "oom-score-adj", "--oom-score-adj", 0),
    PidMode: namespaceMode(flags, "pid"),
    Privileged: !!flags.privileged,
    PublishAllPorts: !!flags["publish-all"],
    ReadonlyRootfs: !!flags["read-only"],
    SecurityOpt: securityGiven ? security : null,
    ...(Object.keys(tmpfs).length ? { Tmpfs: tmpfs } : {}),
    ...(strs(flags.mount).length ? { Mounts: strs(flags.mount).map(parseMount) } : {}),
    UTSMode: namespaceMode(flags, "uts"),
    UsernsMode: namespaceMode(flags, "userns"),
    ShmSize: has(flags, "shm-size") ? memBytes(str(flags["shm-size"])!, "--shm-size") : 0,
    ...(Object.keys(sysctls).length ? { Sysctls: sysctls } : {}),
    ...(str(flags.runtime) ? { Runtime: str(flags.runtime) } : {}),
    Isolation: "",
    CpuShares: intFlag(flags, "cpu-shares", "-c, --cpu-shares", 0),
    Memory: has(flags, "memory") ? memBytes(str(flags.memory)!, "-m, --memory") : 0,
    NanoCpus: has(flags, "cpus") ? nanoCpus(str(flags.cpus)!) : 0,
    CgroupParent: str(flags["cgroup-parent"]) ?? "",
    BlkioWeight: blkioWeight(flags),
    BlkioWeightDevice: strs(flags["blkio-weight-device"]).map(weightDevice),
    BlkioDeviceReadBps: strs(flags["device-read-bps"]).map(throttleBps),
    BlkioDeviceWriteBps: strs(flags["device-write-bps"]).map(throttleBps),
    BlkioDeviceReadIOps: strs(flags["device-read-iops"]).map(throttleIOps),
    BlkioDeviceWriteIOps: strs(flags["device-write-iops"]).map(throttleIOps),
    CpuPeriod: intFlag(flags, "cpu-period", "--cpu-period", 0),
    CpuQuota: intFlag(flags, "cpu-quota", "--cpu-quota", 0),
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: str(flags["cpuset-cpus"]) ?? "",
    CpusetMems: str(flags["cpuset-mems"]) ?? "",
    Devices: strs(flags.device).map(device),
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: has(flags, "memory-reservation") ? memBytes(str(flags["memory-reservation"])!, "--memory-reservation") : 0,
    MemorySwap: has(flags, "memory-swap") ? memSwapBytes(str(flags["memory-swap"])!, "--memory-swap") : 0,
    MemorySwappiness: swappiness,
    OomKillDisable: !!flags["oom-kill-disable"],
    PidsLimit: intFlag(flags, "pids-limit", "--pids-limit", 0),
    Ulimits: ulimitList(strs(flags.ulimit)),
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    MaskedPaths: unconfinedPaths ? [] : null,
    ReadonlyPaths: unconfinedPaths ? [] : null,
    ...(has(flags, "init") ? { Init: !!flags.init } : {}),
  };

  const body: ContainerCreateBody = {
    Hostname: str(flags.hostname) ?? "",
    Domainname: str(flags.domainname) ?? "",
    User: str(flags.user) ?? "",
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    ...(Object.keys(ports.exposed).length ? { ExposedPorts: ports.exposed } : {}),
    Tty: !!flags.tty,
    OpenStdin: openStdin,
    StdinOnce: stdinOnce,
    Env: envList.length ? envList : null,
    Cmd: cmd.length ? cmd : null,
    ...(health ? { Healthcheck: health } : {}),
    Image: image,
    Volumes: volumes,
    WorkingDir: str(flags.workdir) ?? "",
    Entrypoint: entrypoint === undefined ? null : [entrypoint],
    OnBuild: null,
    Labels: labels,
    ...(has(flags, "stop-signal") ? { StopSignal: str(flags["stop-signal"]) } : {}),
    ...(has(flags, "stop-timeout") ? { StopTimeout: int64(str(flags["stop-timeout"])!, "--stop-timeout") } : {}),
    ...(net.macAddress ? { MacAddress: net.macAddress } : {}),
    HostConfig: hostConfig,
    NetworkingConfig: { EndpointsConfig: net.endpoints },
  };
  return { body, name: str(flags.name), platform: str(flags.platform), pull, quiet: !!flags.quiet };
}

/** Ulimits by name, a later one replacing an earlier one, sorted by name as docker sends them. */
function ulimitList(values: string[]) {
  const byName = new Map(values.map(ulimit).map((u) => [u.Name, u]));
  return [...byName.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

/** What each namespace flag takes, as docker's CLI checks it before it asks the daemon, and its words. */
const NAMESPACE_MODES: Record<string, { known: string[]; container: boolean; error: string; hint: string }> = {
  pid: { known: ["host"], container: true, error: "--pid: invalid PID mode", hint: "give --pid host or container:NAME" },
  ipc: { known: ["none", "private", "shareable", "host"], container: true, error: "--ipc: invalid IPC mode", hint: "give --ipc none, private, shareable, host or container:NAME" },
  uts: { known: ["host"], container: false, error: "--uts: invalid UTS mode", hint: "give --uts host, or leave it out" },
  userns: { known: ["host"], container: false, error: "--userns: invalid USER mode", hint: "give --userns host, or leave it out" },
  cgroupns: { known: ["host", "private"], container: false, error: "--cgroupns: invalid CGROUP mode", hint: "give --cgroupns host or private" },
};

function namespaceMode(flags: FlagValues, name: string): string {
  const v = str(flags[name]) ?? "";
  const m = NAMESPACE_MODES[name]!;
  if (v === "" || m.known.includes(v) || (m.container && /^container:./.test(v))) return v;
  throw badOption(m.error, m.hint);
}

/** --blkio-weight: docker's uint16 flag; the daemon says which weights it takes (10-1000, or 0). */
function blkioWeight(flags: FlagValues): number {
  const v = str(flags["blkio-weight"]);
  if (v === undefined) return 0;
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw badOption(`invalid argument "${v}" for "--blkio-weight" flag: strconv.ParseUint: parsing "${v}": invalid syntax`, "give a weight of 10 to 1000, or 0");
  return Number(v);
}
