// The network flags of `skiff create` and `skiff run`, read as docker 28's CLI reads them: -p
// (publish-flag.ts) and --expose, --network in its short and long forms with --network-alias,
// --ip and --mac-address (its parseNetworkOpts), --dns, --dns-search and --add-host (its flag
// validators; --add-host's split is common/extra-host.ts, which the daemon checks ExtraHosts
// with). Same parts of the body, same words for a refusal. No node:net here: the CLI starts
// without it.
import { splitExtraHost } from "../../common/extra-host.ts";
import { parsePortRange, splitProtoPort } from "../../common/port-range.ts";
import { badOption, badValue } from "./container-values.ts";
import { canonicalIp } from "./ip-address.ts";
import { parsePublishFlags, type PortBinding } from "./publish-flag.ts";

const isLoopback = (ip: string) => ip.startsWith("127.") || ip === "::1";

// ---- ports

const EXPOSE_HINT = "--expose PORT[/PROTO] or START-END[/PROTO]";

/** -p and --expose → Config.ExposedPorts and HostConfig.PortBindings, as docker 28 builds them. */
export function publishedPorts(publish: readonly string[], expose: readonly string[]): { exposed: Record<string, Record<string, never>>; bindings: Record<string, PortBinding[]> } {
  const { exposedPorts: exposed, portBindings: bindings } = parsePublishFlags(publish);
  for (const e of expose) {
    if (e.includes(":")) throw badOption(`invalid port format for --expose: ${e}`, EXPOSE_HINT);
    const [proto, port] = splitProtoPort(e);
    const range = parsePortRange(port);
    if (typeof range === "string") throw badOption(`invalid range format for --expose: ${e}, error: ${range}`, EXPOSE_HINT);
    for (let p = range[0]; p <= range[1]; p++) exposed[`${p}/${proto}`] = {};
  }
  return { exposed, bindings };
}

// ---- DNS and hosts

/** --dns: an address, in Go's canonical form; a loopback one gets docker's warning. */
export function dnsServer(v: string, warn: (line: string) => void): string {
  const ip = canonicalIp(v.trim());
  if (ip === undefined) throw badValue(v, "--dns", `IP address is not correctly formatted: ${v}`, "give --dns an IPv4 or IPv6 address");
  if (isLoopback(ip)) warn(`WARNING: Localhost DNS (${ip}) may fail in containers.`);
  return ip;
}

const DOMAIN = /^(:?(?:[a-zA-Z0-9]|(?:[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))(:?\.(?:[a-zA-Z0-9]|(?:[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])))*)\.?\s*$/;

/** --dns-search: a domain without its final dot, or "." (docker's ValidateDNSSearch). */
export function dnsSearchDomain(v: string): string {
  if (v === ".") return v;
  const m = DOMAIN.exec(v);
  if (!m || m[1]!.length > 255) throw badValue(v, "--dns-search", `${v} is not a valid domain`, "give a domain name such as example.org");
  return m[1]!;
}

/** --add-host NAME:IP or NAME=IP (IP may be [v6] or host-gateway) → "NAME:IP" (docker's ValidateExtraHost). */
export function extraHost(v: string): string {
  const r = splitExtraHost(v, { isIp: (ip) => canonicalIp(ip) !== undefined });
  if ("refusal" in r) throw badValue(v, "--add-host", r.refusal, "give --add-host NAME:IP (or NAME:host-gateway)");
  return `${r.name}:${r.ip}`;
}

// ---- networks and endpoints

/** What --network gives for one network (docker's NetworkAttachmentOpts). */
interface Attachment {
  target: string;
  aliases: string[];
  ipv4?: string;
  ipv6?: string;
  mac?: string;
  linkLocalIps: string[];
  driverOpts: Record<string, string>;
  /** --link, given to the first network (docker's per-network links). */
  links?: string[];
}

/** A --network value: NAME, or the long form name=…,alias=…,ip=…,ip6=…,mac-address=…,link-local-ip=…,driver-opt=K=V. */
function attachment(value: string): Attachment {
  const a: Attachment = { target: "", aliases: [], linkLocalIps: [], driverOpts: {} };
  if (!value.includes("=") && !value.includes(",")) return { ...a, target: value };
  for (const field of value.split(",")) {
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const v = eq < 0 ? "" : field.slice(eq + 1);
    if (eq < 0) throw badValue(value, "--network", `invalid field '${field}' must be a key=value pair`, "give --network NAME or name=NAME,alias=A,ip=ADDRESS");
    if (key === "name") a.target = v;
    else if (key === "alias") a.aliases.push(v);
    else if (key === "ip") a.ipv4 = v;
    else if (key === "ip6") a.ipv6 = v;
    else if (key === "mac-address") a.mac = v;
    else if (key === "link-local-ip") a.linkLocalIps.push(v);
    else if (key === "driver-opt") {
      const deq = v.indexOf("=");
      if (deq < 0) throw badValue(value, "--network", `invalid key value pair format in driver options`, "give driver-opt=KEY=VALUE");
      a.driverOpts[v.slice(0, deq)] = v.slice(deq + 1);
    } else throw badValue(value, "--network", `invalid field key ${key}`, "the fields are name, alias, ip, ip6, mac-address, link-local-ip and driver-opt");
  }
  return a;
}

/** docker's NetworkMode.IsUserDefined. */
const isUserDefined = (n: string) => !["default", "bridge", "host", "none"].includes(n) && !n.startsWith("container:");

const MAC = /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/;

/** An endpoint's zero value, as docker 28 sends it. */
const ZERO_ENDPOINT = {
  IPAMConfig: null, Links: null, Aliases: null, MacAddress: "", DriverOpts: null, GwPriority: 0, NetworkID: "", EndpointID: "", Gateway: "", IPAddress: "", IPPrefixLen: 0,
  IPv6Gateway: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0, DNSNames: null,
};

type EndpointBody = Record<string, unknown>;

/** The flags of the first network (--network-alias, --ip, --ip6, --mac-address) applied to it; both ways at once is docker's conflict. */
function withFlags(a: Attachment, f: NetworkFlagValues): Attachment {
  const conflict = (what: string) => badOption(`conflicting options: cannot specify both ${what}`, "give it once: with the flag or in --network's fields");
  if (a.aliases.length && f.aliases.length) throw conflict("--network-alias and per-network alias");
  if (a.ipv4 && f.ip) throw conflict("--ip and per-network IPv4 address");
  if (a.mac && f.mac) throw conflict("--mac-address and per-network MAC address");
  return { ...a, aliases: f.aliases.length ? [...f.aliases] : a.aliases, ...(f.ip ? { ipv4: f.ip } : {}), ...(f.mac ? { mac: f.mac } : {}), ...(f.links?.length ? { links: [...f.links] } : {}) };
}

function endpointOf(a: Attachment): EndpointBody {
  if (a.target.trim() === "") throw badOption("no name set for network", "give --network NAME");
  if (!isUserDefined(a.target) && a.aliases.length) throw badOption("network-scoped aliases are only supported for user-defined networks", "create a network (skiff network create NAME) and run with --network NAME");
  const ep: EndpointBody = { ...ZERO_ENDPOINT };
  if (a.aliases.length) ep.Aliases = [...a.aliases];
  if (a.links?.length) ep.Links = [...a.links];
  if (Object.keys(a.driverOpts).length) ep.DriverOpts = a.driverOpts;
  if (a.ipv4 || a.ipv6 || a.linkLocalIps.length) ep.IPAMConfig = { ...(a.ipv4 ? { IPv4Address: a.ipv4 } : {}), ...(a.ipv6 ? { IPv6Address: a.ipv6 } : {}), ...(a.linkLocalIps.length ? { LinkLocalIPs: a.linkLocalIps } : {}) };
  if (a.mac) {
    if (!MAC.test(a.mac.trim())) throw badOption(`${a.mac} is not a valid mac address`, "give six hex octets: 02:42:ac:11:00:02");
    ep.MacAddress = a.mac;
  }
  return ep;
}

const isZero = (ep: EndpointBody) => JSON.stringify(ep) === JSON.stringify(ZERO_ENDPOINT);

export interface NetworkFlagValues {
  networks: string[];
  aliases: string[];
  /** --link: HostConfig.Links, and the first network's endpoint links (docker 28's parseNetworkOpts). */
  links?: string[];
  ip?: string;
  mac?: string;
}

/**
 * --network (any number), --network-alias, --ip, --mac-address → HostConfig.NetworkMode and
 * NetworkingConfig.EndpointsConfig, as docker 28's parseNetworkOpts. The MAC address goes as
 * docker 20.10 sends it too, in Config.MacAddress: skiffd speaks API 1.41, where docker 28 refuses
 * a per-network one.
 */
export function networking(f: NetworkFlagValues): { mode: string; endpoints: Record<string, EndpointBody>; macAddress?: string } {
  const { mac, ...rest } = f;
  const endpoints: Record<string, EndpointBody> = {};
  const attachments = f.networks.map(attachment);
  if (mac !== undefined && !MAC.test(mac.trim())) throw badOption(`${mac} is not a valid mac address`, "give six hex octets: 02:42:ac:11:00:02");
  // (without --network, docker 28 sends the links in HostConfig.Links only)
  if (!attachments.length) endpoints.default = endpointOf(withFlags({ target: "default", aliases: [], linkLocalIps: [], driverOpts: {} }, { ...rest, links: [] }));
  let userDefined = false;
  let other = false;
  attachments.forEach((a0, i) => {
    if (isUserDefined(a0.target)) userDefined = true;
    else other = true;
    const a = i === 0 ? withFlags(a0, rest) : a0;
    const ep = endpointOf(a);
    if (Object.hasOwn(endpoints, a.target)) throw badOption(`network ${JSON.stringify(a.target)} is specified multiple times`, "give each --network once");
    // one network and nothing set for it: no endpoint sent (the daemon makes it), as docker
    if (i === 0 && attachments.length === 1 && isZero(ep)) return;
    endpoints[a.target] = ep;
  });
  if (userDefined && other) throw badOption("conflicting options: cannot attach both user-defined and non-user-defined network-modes", "give either user-defined networks or one of bridge, host, none, container:NAME");
  return { mode: attachments[0]?.target ?? "default", endpoints, ...(mac ? { macAddress: mac } : {}) };
}
