// The network part of docker's create body → the engine's container options: NetworkMode, the
// endpoints of NetworkingConfig (and the old Config.MacAddress), published and exposed ports, DNS
// settings and extra hosts, each checked here (a 400 naming the field, in dockerd's words where it
// has some) so the engine gets well-formed values only. Which networks exist is the engine's to say.
import { isIP } from "node:net";
import { SkiffError } from "../../common/errors.ts";
import type { ContainerOptions } from "../../engine/containers/index.ts";
import type { EndpointConfig } from "../../engine/networks/index.ts";
import type { ContainerCreateBody } from "./container-create.ts";
import { endpointConfigOf, endpointLinkOf, macOf } from "./endpoint-settings.ts";

type NetworkOptions = Pick<ContainerOptions, "network" | "endpoints" | "portBindings" | "publishAll" | "exposedPorts" | "dns" | "dnsSearch" | "dnsOptions" | "extraHosts" | "links">;

const bad = (field: string, message: string, hint: string) => new SkiffError({ layer: "api", code: "API_BODY_INVALID", kind: "invalid_argument", message, hint, details: { field } });

/** docker's NetworkMode.IsUserDefined: a network by name or id, not one of the modes. */
export const isUserDefined = (mode: string): boolean => !["", "default", "bridge", "none", "host"].includes(mode) && !mode.startsWith("container:");

/** "80/tcp", "80" (tcp), "53/udp" → "80/tcp"; tcp and udp only (what portmap publishes). */
export function portKey(key: string, field: string): string {
  const [port = "", proto = "tcp", ...rest] = key.split("/");
  const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (rest.length || !(n >= 1 && n <= 65535)) throw bad(field, `invalid port specification: "${key}"`, "a port is NUMBER[/tcp|/udp], from 1 to 65535");
  const p = proto.toLowerCase();
  if (p !== "tcp" && p !== "udp") throw bad(field, `skiffd publishes tcp and udp ports: ${JSON.stringify(key)} is ${proto}`, "give /tcp or /udp");
  return `${n}/${p}`;
}

/** A binding's HostPort: "" or "0" (any), a port, or a range "8000-8010". */
function hostPortOf(v: string, field: string): string {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(v);
  const [lo, hi] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
  if (v !== "" && !(lo >= 0 && hi <= 65535 && lo <= hi)) throw bad(field, `invalid host port: ${JSON.stringify(v)}`, "a host port is a number from 1 to 65535, a range START-END, or empty for any");
  return v;
}

function portBindingsOf(pb: NonNullable<NonNullable<ContainerCreateBody["HostConfig"]>["PortBindings"]>): NonNullable<ContainerOptions["portBindings"]> {
  const out: NonNullable<ContainerOptions["portBindings"]> = {};
  for (const [key, list] of Object.entries(pb)) {
    const field = `HostConfig.PortBindings.${key}`;
    const k = portKey(key, field);
    out[k] = [...(out[k] ?? []), ...(list ?? []).map((b, i) => {
      const hostIp = b.HostIp ?? "";
      if (hostIp !== "" && !isIP(hostIp)) throw bad(`${field}[${i}].HostIp`, `invalid host IP address: ${JSON.stringify(hostIp)}`, "give an IPv4 or IPv6 address of the host, or none for all");
      return { hostIp, hostPort: hostPortOf(b.HostPort ?? "", `${field}[${i}].HostPort`) };
    })];
  }
  return out;
}

/** --add-host NAME:IP (docker 28 turns NAME=IP into that); IP may be host-gateway. */
function extraHostOf(v: string, field: string): string {
  const sep = v.search(/[:=]/);
  const [name, ip] = sep < 0 ? [v, ""] : [v.slice(0, sep), v.slice(sep + 1)];
  if (!name || /\s/.test(name)) throw bad(field, `bad format for add-host: ${JSON.stringify(v)}`, "give NAME:IP");
  const addr = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  if (addr !== "host-gateway" && !isIP(addr)) throw bad(field, `invalid IP address in add-host: ${JSON.stringify(ip)}`, "give NAME:IP, or NAME:host-gateway for the host");
  return `${name}:${addr}`;
}

/** --dns: a name server's address. */
function dnsServerOf(v: string, field: string): string {
  if (!isIP(v)) throw bad(field, `${v} is not an ip address`, "give --dns an IPv4 or IPv6 address");
  return v;
}

/** A word of resolv.conf (search domain, option): no white space, which would break the file. */
function resolvWord(v: string, field: string, what: string): string {
  if (!v || /\s/.test(v)) throw bad(field, `invalid ${what}: ${JSON.stringify(v)}`, `give a ${what} without spaces`);
  return v;
}

export function networkOptionsOf(b: ContainerCreateBody, warnings: string[]): NetworkOptions {
  const h = b.HostConfig ?? {};
  const given = h.NetworkMode || "default";
  const mode = given === "default" ? "bridge" : given;
  if (mode === "container:") throw bad("HostConfig.NetworkMode", `invalid network mode: ${given}`, "give --network container:NAME");
  // dockerd's first conflict: the container takes the joined one's hostname
  if (mode.startsWith("container:") && b.Hostname) throw bad("Hostname", "conflicting options: hostname and the network mode", "leave --hostname out: the container takes the hostname of the container whose network it shares");
  const userDefined = isUserDefined(mode);
  const shared = mode === "host" || mode.startsWith("container:");

  const endpoints: Record<string, EndpointConfig> = {};
  for (const [name, e] of Object.entries(b.NetworkingConfig?.EndpointsConfig ?? {})) {
    const field = `NetworkingConfig.EndpointsConfig.${name}`;
    const config = endpointConfigOf(e ?? undefined, field);
    const key = name === "default" ? "bridge" : name;
    // dockerd's refusals for what only a user-defined network can give
    if (!isUserDefined(key) && config.ip) throw bad(`${field}.IPAMConfig.IPv4Address`, "user specified IP address is supported on user defined networks only", "create a network with --subnet and run on it with --network NAME --ip ADDRESS");
    if (!isUserDefined(key) && config.aliases.length) throw bad(`${field}.Aliases`, "network-scoped alias is supported only for containers in user defined networks", "run on a user-defined network (skiff network create) to give aliases");
    if (key === "none" || shared) continue;
    // (the default bridge's links are HostConfig.Links's /etc/hosts records, which the docker CLI
    // sends beside these for --network bridge --link)
    if (!isUserDefined(key)) delete config.links;
    endpoints[key] = config;
  }
  // docker 20.10's --mac-address (Config.MacAddress): the first network's
  if (b.MacAddress) {
    const mac = macOf(b.MacAddress, "MacAddress");
    if (shared) throw bad("MacAddress", "conflicting options: mac-address and the network mode", "leave --mac-address out with --network host or container:…");
    if (mode !== "none") endpoints[mode] = { ...(endpoints[mode] ?? { aliases: [] }), mac };
  }

  const exposed = Object.keys(b.ExposedPorts ?? {}).map((k) => portKey(k, `ExposedPorts.${k}`));
  let portBindings = portBindingsOf(h.PortBindings ?? {});
  const publishing = Object.values(portBindings).some((l) => l.length) || !!h.PublishAllPorts;
  if (mode.startsWith("container:")) {
    if (publishing || exposed.length) throw bad("HostConfig.PortBindings", "conflicting options: port publishing and the container type network mode", "publish the ports on the container whose network this one shares");
    if (h.Dns?.length || h.DnsSearch?.length || h.DnsOptions?.length) throw bad("HostConfig.Dns", "conflicting options: dns and the network mode", "set --dns on the container whose network this one shares");
    if (h.ExtraHosts?.length) throw bad("HostConfig.ExtraHosts", "conflicting options: custom host-to-IP mapping and the network mode", "set --add-host on the container whose network this one shares");
  }
  // links, as dockerd: records of /etc/hosts on the default bridge (legacy links); on a
  // user-defined network, names its name server answers for this container (endpoint links: the
  // docker CLI sends them both in HostConfig.Links and in the network's EndpointsConfig)
  const asked = (h.Links ?? []).map((l, i) => endpointLinkOf(l, `HostConfig.Links[${i}]`));
  if (asked.length && mode === "host") throw bad("HostConfig.Links", "conflicting options: host type networking can't be used with links. This would result in undefined behavior", "drop --link: with --network host the container uses the host's names");
  if (asked.length && userDefined) {
    const e = endpoints[mode] ?? { aliases: [] };
    const had = e.links ?? [];
    endpoints[mode] = { ...e, links: [...had, ...asked.filter((l) => !had.some((x) => x.alias === l.alias))] };
  } else if (asked.length && mode !== "bridge") warnings.push(`links are served on the default bridge and user-defined networks only: on ${mode}, ${asked.map((l) => l.container).join(", ")} cannot be reached`);
  const links = mode === "bridge" ? asked.map(({ container, alias }) => ({ container, alias })) : [];
  if ((mode === "host" || mode === "none") && publishing) {
    // as dockerd: taken, said, and not applied
    warnings.push(mode === "host" ? "Published ports are discarded when using host network mode" : "Published ports are discarded when using the none network mode");
    portBindings = {};
  }

  return {
    network: mode,
    ...(Object.keys(endpoints).length ? { endpoints } : {}),
    ...(Object.keys(portBindings).length ? { portBindings } : {}),
    ...(h.PublishAllPorts && mode !== "host" && mode !== "none" ? { publishAll: true } : {}),
    ...(exposed.length ? { exposedPorts: [...new Set(exposed)].sort((a, x) => a.localeCompare(x, "en", { numeric: true })) } : {}),
    ...(h.Dns?.length ? { dns: h.Dns.map((d, i) => dnsServerOf(d, `HostConfig.Dns[${i}]`)) } : {}),
    ...(h.DnsSearch?.length ? { dnsSearch: h.DnsSearch.map((d, i) => resolvWord(d, `HostConfig.DnsSearch[${i}]`, "DNS search domain")) } : {}),
    ...(h.DnsOptions?.length ? { dnsOptions: h.DnsOptions.map((d, i) => resolvWord(d, `HostConfig.DnsOptions[${i}]`, "DNS option")) } : {}),
    ...(h.ExtraHosts?.length ? { extraHosts: h.ExtraHosts.map((x, i) => extraHostOf(x, `HostConfig.ExtraHosts[${i}]`)) } : {}),
    ...(links.length ? { links } : {}),
  };
}
