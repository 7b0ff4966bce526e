// The container and exec endpoints of the Docker Engine API (v1.41) as a typed client over
// ApiClient: the same requests, queries and bodies the docker CLI sends (each method names its
// request). Streams: logs come back as the response body (framed unless the container has a
// tty); attach and exec start take the connection over (hijack-client.ts). Errors are the
// daemon's SkiffError, with its status, code, layer and hint.
import { connectionLost, encodeName, type ApiClient } from "./client.ts";
import type { HijackedStream } from "./hijack-client.ts";

/** container.Config as docker's CLI sends it in a create body (and inspect returns it). */
export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, Record<string, never>>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Healthcheck?: Record<string, unknown>;
  Image: string;
  Volumes: Record<string, Record<string, never>> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  MacAddress?: string;
  OnBuild: string[] | null;
  Labels: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number;
}

export interface Ulimit {
  Name: string;
  Hard: number;
  Soft: number;
}

export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

/** The HostConfig of a create body: every field docker 28 sends (the values of resources at their zero). */
export interface HostConfig {
  Binds: string[] | null;
  ContainerIDFile: string;
  LogConfig: { Type: string; Config: Record<string, string> };
  NetworkMode: string;
  PortBindings: Record<string, unknown>;
  RestartPolicy: { Name: string; MaximumRetryCount: number };
  AutoRemove: boolean;
  VolumeDriver: string;
  VolumesFrom: string[] | null;
  ConsoleSize: [number, number];
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  CgroupnsMode: string;
  Dns: string[];
  DnsOptions: string[];
  DnsSearch: string[];
  ExtraHosts: string[] | null;
  GroupAdd: string[] | null;
  IpcMode: string;
  Cgroup: string;
  Links: string[] | null;
  OomScoreAdj: number;
  PidMode: string;
  Privileged: boolean;
  PublishAllPorts: boolean;
  ReadonlyRootfs: boolean;
  SecurityOpt: string[] | null;
  Tmpfs?: Record<string, string>;
  /** --mount (see cli/skiff/mount-flag.ts), docker's mount.Mount. */
  Mounts?: object[];
  UTSMode: string;
  UsernsMode: string;
  ShmSize: number;
  Runtime?: string;
  Isolation: string;
  CpuShares: number;
  Memory: number;
  NanoCpus: number;
  CgroupParent: string;
  BlkioWeight: number;
  BlkioWeightDevice: unknown[];
  BlkioDeviceReadBps: unknown[];
  BlkioDeviceWriteBps: unknown[];
  BlkioDeviceReadIOps: unknown[];
  BlkioDeviceWriteIOps: unknown[];
  CpuPeriod: number;
  CpuQuota: number;
  CpuRealtimePeriod: number;
  CpuRealtimeRuntime: number;
  CpusetCpus: string;
  CpusetMems: string;
  Devices: DeviceMapping[];
  DeviceCgroupRules: string[] | null;
  DeviceRequests: unknown[] | null;
  MemoryReservation: number;
  MemorySwap: number;
  MemorySwappiness: number;
  OomKillDisable: boolean;
  PidsLimit: number;
  Ulimits: Ulimit[];
  CpuCount: number;
  CpuPercent: number;
  IOMaximumIOps: number;
  IOMaximumBandwidth: number;
  MaskedPaths: string[] | null;
  ReadonlyPaths: string[] | null;
  Init?: boolean;
}

export interface ContainerCreateBody extends ContainerConfig {
  HostConfig: HostConfig;
  NetworkingConfig: { EndpointsConfig: Record<string, unknown> };
}

/** GET /containers/json's items (the fields the CLI reads). */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string> | null;
  State: string;
  Status: string;
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, unknown> } | null;
  Mounts?: { Name?: string; Source?: string; Driver?: string }[];
}

/** GET /containers/{id}/json (the fields the CLI reads; the rest is passed through to `inspect`). */
export interface ContainerInspect {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; Paused: boolean; Restarting: boolean; ExitCode: number };
  Config: ContainerConfig;
  HostConfig: { AutoRemove?: boolean } & Record<string, unknown>;
  NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> | null } & Record<string, unknown>;
  [field: string]: unknown;
}

export interface WaitResponse {
  StatusCode: number;
  Error?: { Message: string } | null;
}

/** POST /containers/{id}/exec's body, as docker's CLI sends it (API 1.41: no ConsoleSize). */
export interface ExecCreateBody {
  User: string;
  Privileged: boolean;
  Tty: boolean;
  AttachStdin: boolean;
  AttachStderr: boolean;
  AttachStdout: boolean;
  Detach: boolean;
  DetachKeys: string;
  Env: string[] | null;
  WorkingDir: string;
  Cmd: string[];
}

export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ContainerID: string;
  Pid?: number;
  [field: string]: unknown;
}

export type WaitCondition = "not-running" | "next-exit" | "removed";

export interface LogsQuery {
  follow?: boolean;
  since?: string;
  until?: string;
  timestamps?: boolean;
  tail?: string;
  details?: boolean;
}

export interface AttachQuery {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  logs?: boolean;
  detachKeys?: string;
}

const path = (id: string) => `/containers/${encodeURIComponent(id)}`;
const JSON_BODY = { "Content-Type": "application/json" };

/** The hijacking client, loaded by the calls that take a connection over (run -d and create make none). */
const hijacking = () => import("./hijack-client.ts");

export class ContainerClient {
  constructor(readonly api: ApiClient) {}

  private async json<T>(method: string, p: string, opts?: Parameters<ApiClient["request"]>[2]): Promise<T> {
    const res = await this.api.request(method, p, opts);
    try {
      return (await res.json()) as T;
    } catch (e) {
      throw connectionLost(this.api.socketPath, e);
    }
  }

  private async empty(method: string, p: string, opts?: Parameters<ApiClient["request"]>[2]): Promise<void> {
    await (await this.api.request(method, p, opts)).arrayBuffer();
  }

  /** POST /containers/create?name=NAME with the whole create body. */
  create = (body: ContainerCreateBody, q: { name?: string; platform?: string } = {}) =>
    this.json<{ Id: string; Warnings: string[] | null }>("POST", "/containers/create", { query: q, body: JSON.stringify(body), headers: JSON_BODY });
  /** GET /containers/{id}/json?size= */
  inspect = (id: string, q: { size?: boolean } = {}) => this.json<ContainerInspect>("GET", `${path(id)}/json`, { query: q });
  /** GET /containers/json?all&limit&size&filters */
  list = (q: { all?: boolean; limit?: number; size?: boolean; filters?: Record<string, string[]> } = {}) =>
    this.json<ContainerSummary[]>("GET", "/containers/json", {
      query: { all: q.all, limit: q.limit !== undefined && q.limit > 0 ? q.limit : undefined, size: q.size, filters: filtersParam(q.filters) },
    });
  /** POST /containers/{id}/start */
  start = (id: string) => this.empty("POST", `${path(id)}/start`);
  /** POST /containers/{id}/stop?t=&signal= (t only when given: the daemon then uses the container's StopTimeout) */
  stop = (id: string, q: { t?: number; signal?: string } = {}) => this.empty("POST", `${path(id)}/stop`, { query: { t: q.t, signal: q.signal } });
  /** POST /containers/{id}/restart?t=&signal= */
  restart = (id: string, q: { t?: number; signal?: string } = {}) => this.empty("POST", `${path(id)}/restart`, { query: { t: q.t, signal: q.signal } });
  /** POST /containers/{id}/kill?signal= (none: the daemon's default, SIGKILL) */
  kill = (id: string, signal?: string) => this.empty("POST", `${path(id)}/kill`, { query: { signal } });
  /** POST /containers/{id}/update with docker's UpdateConfig (resources and RestartPolicy) */
  update = (id: string, body: Record<string, unknown>) => this.json<{ Warnings: string[] | null }>("POST", `${path(id)}/update`, { body: JSON.stringify(body), headers: JSON_BODY });
  /** POST /containers/{id}/pause */
  pause = (id: string) => this.empty("POST", `${path(id)}/pause`);
  /** POST /containers/{id}/unpause */
  unpause = (id: string) => this.empty("POST", `${path(id)}/unpause`);
  /** DELETE /containers/{id}?force&v&link */
  remove = (id: string, q: { force?: boolean; v?: boolean; link?: boolean } = {}) => this.empty("DELETE", path(id), { query: q });
  /** POST /containers/{id}/resize?h=&w= */
  resize = (id: string, h: number, w: number) => this.empty("POST", `${path(id)}/resize`, { query: { h, w } });
  /** GET /containers/{id}/top?ps_args= */
  top = (id: string, psArgs?: string) => this.json<{ Titles: string[]; Processes: string[][] | null }>("GET", `${path(id)}/top`, { query: { ps_args: psArgs } });
  /** POST /containers/{id}/rename?name= */
  rename = (id: string, name: string) => this.empty("POST", `${path(id)}/rename`, { query: { name } });
  /** POST /containers/prune?filters= */
  prune = (filters: Record<string, string[]> = {}) =>
    this.json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>("POST", "/containers/prune", { query: { filters: filtersParam(filters) } });

  /**
   * POST /containers/{id}/wait?condition=. Resolves once the daemon has answered the head (so the
   * wait is registered: a start after it cannot be missed), with the result to come.
   */
  async wait(id: string, condition?: WaitCondition): Promise<{ result: Promise<WaitResponse> }> {
    const res = await this.api.request("POST", `${path(id)}/wait`, { query: { condition } });
    const result = res.json().then(
      (r) => r as WaitResponse,
      (e) => Promise.reject(connectionLost(this.api.socketPath, e)),
    );
    result.catch(() => {});
    return { result };
  }

  /** GET /containers/{id}/logs?stdout=1&stderr=1&…: the body (framed unless the container has a tty). */
  async logs(id: string, q: LogsQuery): Promise<ReadableStream<Uint8Array>> {
    const res = await this.api.request("GET", `${path(id)}/logs`, { query: { stdout: true, stderr: true, ...q } });
    return res.body ?? new ReadableStream({ start: (c) => c.close() });
  }

  /** POST /containers/{id}/attach?stream=1&stdin&stdout&stderr&logs&detachKeys, hijacked. */
  attach = async (id: string, q: AttachQuery): Promise<HijackedStream> => (await hijacking()).hijack(this.api.socketPath, { path: `${path(id)}/attach`, query: { stream: true, ...q } });

  /** POST /containers/{id}/exec */
  execCreate = (id: string, body: ExecCreateBody) => this.json<{ Id: string }>("POST", `${path(id)}/exec`, { body: JSON.stringify(body), headers: JSON_BODY });
  /** POST /exec/{id}/start {"Detach":true,"Tty":…}: starts it and returns at once. */
  execStartDetached = (execId: string, tty: boolean) => this.empty("POST", `/exec/${encodeURIComponent(execId)}/start`, { body: JSON.stringify({ Detach: true, Tty: tty }), headers: JSON_BODY });
  /** POST /exec/{id}/start {"Detach":false,"Tty":…}, hijacked. */
  execAttach = async (execId: string, tty: boolean): Promise<HijackedStream> => (await hijacking()).hijack(this.api.socketPath, { path: `/exec/${encodeURIComponent(execId)}/start`, body: { Detach: false, Tty: tty } });
  /** GET /exec/{id}/json */
  execInspect = (execId: string) => this.json<ExecInspect>("GET", `/exec/${encodeURIComponent(execId)}/json`);
  /** POST /exec/{id}/resize?h=&w= */
  execResize = (execId: string, h: number, w: number) => this.empty("POST", `/exec/${encodeURIComponent(execId)}/resize`, { query: { h, w } });

  /** GET /images/{name}/json, for `inspect` of what is no container. */
  inspectImage = (name: string) => this.json<Record<string, unknown>>("GET", `/images/${encodeName(name)}/json`);
}

/** docker's filters query: {"key":{"value":true}} (the map form every daemon reads), keys sorted as Go marshals maps; or nothing. */
export function filtersParam(filters?: Record<string, string[]>): string | undefined {
  if (!filters || !Object.keys(filters).length) return undefined;
  const sorted = <T>(entries: [string, T][]) => entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const obj = (entries: [string, unknown][]) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    return o;
  };
  return JSON.stringify(obj(sorted(Object.entries(filters)).map(([k, vs]) => [k, obj(sorted(vs.map((v) => [v, true])))])));
}
