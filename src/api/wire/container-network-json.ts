// A container's network parts as docker's wire types: inspect's NetworkSettings (Networks per
// network, Ports, and the default network's address at the top level, as dockerd fills them), the
// network fields of its HostConfig, and the containers list's Ports and NetworkSettings. Which
// networks a container is on is the network service's to say: the handler passes them in.
import { exposedPorts, type ContainerRecord } from "../../engine/containers/index.ts";
import type { EndpointConfig, NetworkView } from "../../engine/networks/index.ts";
import { endpointSettingsJson } from "./network-json.ts";

/** A network a container is on (connected or given at create), with its endpoint's configuration. */
export interface ContainerNetwork {
  /** The network's id (64 hex digits). */
  id: string;
  name: string;
  config: EndpointConfig;
  /** Not the predefined network: names resolve on it. */
  userDefined: boolean;
}

/** The networks of every container, from the service's networks: container id → its networks, in the order given. */
export function containerNetworksIndex(views: readonly NetworkView[]): Map<string, ContainerNetwork[]> {
  const out = new Map<string, ContainerNetwork[]>();
  for (const v of views)
    for (const c of v.containers) {
      const list = out.get(c.id) ?? [];
      list.push({ id: v.record.id, name: v.record.name, config: c.config, userDefined: !v.record.predefined });
      out.set(c.id, list);
    }
  return out;
}

const mode = (r: ContainerRecord) => r.options.network ?? "bridge";

/** A map with its keys in Go's order (sorted by bytes), as Go clients marshal what they decoded: their templates' {{json}} then reads as ours. */
export function goMap<T>(m: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** NetworkSettings.Networks: each network's EndpointSettings; "host" and "none" as dockerd lists them; none for container:X. */
function networksJson(r: ContainerRecord, networks: readonly ContainerNetwork[]): Record<string, Record<string, unknown>> {
  const m = mode(r);
  if (m.startsWith("container:")) return {};
  if (m === "host" || m === "none") return { [m]: endpointSettingsJson("", r.id, undefined, undefined, { userDefined: false }) };
  const running = r.state.status === "running" || r.state.status === "paused" || r.state.status === "restarting";
  const out: Record<string, Record<string, unknown>> = {};
  for (const n of networks) out[n.name] = endpointSettingsJson(n.id, r.id, n.config, running ? r.state.networks?.[n.id] : undefined, { userDefined: n.userDefined, containerName: r.name });
  return goMap(out);
}

const isRunning = (r: ContainerRecord) => r.state.status === "running" || r.state.status === "paused" || r.state.status === "restarting";


/** NetworkSettings.Ports while running: each published port's bindings, an exposed port no one publishes as null ({} otherwise). */
export function portsJson(r: ContainerRecord): Record<string, { HostIp: string; HostPort: string }[] | null> {
  if (!isRunning(r) || mode(r) === "host" || mode(r).startsWith("container:")) return {};
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const p of exposedPorts(r)) out[p] = null;
  for (const p of r.state.ports ?? []) {
    const key = `${p.containerPort}/${p.protocol}`;
    out[key] = [...(out[key] ?? []), { HostIp: p.hostIp, HostPort: String(p.hostPort) }];
  }
  return goMap(out);
}

/** inspect's NetworkSettings. */
export function networkSettingsJson(r: ContainerRecord, networks: readonly ContainerNetwork[]): Record<string, unknown> {
  const all = networksJson(r, networks);
  // the default network's endpoint at the top level, as dockerd (empty on a user-defined network)
  const bridge = networks.some((n) => n.name === "bridge" && !n.userDefined) ? all.bridge : undefined;
  const running = isRunning(r);
  return {
    Bridge: "",
    SandboxID: "",
    HairpinMode: false,
    LinkLocalIPv6Address: "",
    LinkLocalIPv6PrefixLen: 0,
    Ports: portsJson(r),
    SandboxKey: running && r.state.pid > 0 && mode(r) !== "host" ? `/proc/${r.state.pid}/ns/net` : "",
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.EndpointID ?? "",
    Gateway: bridge?.Gateway ?? "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    IPAddress: bridge?.IPAddress ?? "",
    IPPrefixLen: bridge?.IPPrefixLen ?? 0,
    IPv6Gateway: "",
    MacAddress: bridge?.MacAddress ?? "",
    Networks: all,
  };
}

/** HostConfig's network fields, as the client gave them (dockerd's zero values otherwise). */
export function hostConfigNetworkJson(r: ContainerRecord): Record<string, unknown> {
  const o = r.options;
  return {
    NetworkMode: mode(r),
    PortBindings: goMap(Object.fromEntries(Object.entries(o.portBindings ?? {}).map(([k, list]) => [k, list.map((b) => ({ HostIp: b.hostIp, HostPort: b.hostPort }))]))),
    PublishAllPorts: o.publishAll ?? false,
    Dns: o.dns ?? [],
    DnsOptions: o.dnsOptions ?? [],
    DnsSearch: o.dnsSearch ?? [],
    ExtraHosts: o.extraHosts?.length ? o.extraHosts : null,
  };
}

/** Config.ExposedPorts: the image's, --expose's and -p's ports (omitted when none, as dockerd). */
export function configExposedPortsJson(r: ContainerRecord): Record<string, unknown> {
  const ports = exposedPorts(r);
  return ports.length ? { ExposedPorts: goMap(Object.fromEntries(ports.map((p) => [p, {}]))) } : {};
}

/** The containers list's Ports: each binding (IP, PublicPort), then the exposed ports no one publishes (PrivatePort and Type only). */
export function summaryPortsJson(r: ContainerRecord): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [key, bindings] of Object.entries(portsJson(r))) {
    const [port, type] = key.split("/") as [string, string];
    if (!bindings) out.push({ PrivatePort: Number(port), Type: type });
    else for (const b of bindings) out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: type });
  }
  return out;
}

/** The containers list's NetworkSettings. */
export const summaryNetworkSettingsJson = (r: ContainerRecord, networks: readonly ContainerNetwork[]): Record<string, unknown> => ({ Networks: networksJson(r, networks) });
