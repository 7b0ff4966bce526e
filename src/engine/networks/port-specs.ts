// Published ports, in two steps:
// - parsePublishFlags: docker 28's CLI reading of `-p/--publish` values into the API's ExposedPorts
//   and PortBindings (docker/cli convertToStandardNotation, go-connections nat.ParsePortSpec), with
//   its messages. It depends on nothing of the engine (node:net's isIP is Go's net.ParseIP but for
//   zones), so the CLI may take it over as it is.
// - portRequests: the daemon's side, PortBindings (+ -P's exposed ports) → the mappings to set up,
//   host ports still to choose where "" / "0" or a range was given (port-reservations.ts chooses).
import { isIP } from "node:net";
import { SkiffError } from "../../common/errors.ts";

export interface ApiPortBinding {
  HostIp: string;
  HostPort: string;
}

/** The create body's two fields that -p fills. */
export interface PublishedPorts {
  exposedPorts: Record<string, Record<string, never>>;
  portBindings: Record<string, ApiPortBinding[]>;
}

const cliError = (message: string, value: string) =>
  new SkiffError({ layer: "cli", code: "CLI_FLAG_VALUE_INVALID", kind: "invalid_argument", message, hint: "-p takes [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], ranges as 8000-8001:80-81, IPv6 addresses in brackets ([::1]:80:80)", details: { value } });

/** Go's net.ParseIP: either family, no zone. */
const goParseIp = (s: string) => !s.includes("%") && isIP(s) !== 0;

/** Go's strconv.ParseUint(s, 10, 16): digits only (leading zeros allowed), at most 65535. */
function parseUint16(s: string): number | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = Number(s.replace(/^0+(?=.)/, ""));
  return n <= 65535 ? n : undefined;
}

/** nat.ParsePortRange as docker 28's CLI has it: "a" or "a-b" (only the first two parts of "a-b-c" count), b ≥ a. */
function parsePortRange(s: string): [number, number] | undefined {
  if (s === "") return undefined;
  if (!s.includes("-")) {
    const n = parseUint16(s);
    return n === undefined ? undefined : [n, n];
  }
  const [a, b] = s.split("-");
  const start = parseUint16(a ?? "");
  const end = parseUint16(b ?? "");
  if (start === undefined || end === undefined || end < start) return undefined;
  return [start, end];
}

/** nat.SplitProtoPort (the CLI's version): "80/udp" → ["udp", "80"]; "80" and "80/" are tcp; "/x" is nothing. */
function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split("/");
  if (raw === "" || parts[0] === "") return ["", ""];
  if (parts.length === 1) return ["tcp", raw];
  if (parts[1] === "") return ["tcp", parts[0] as string];
  return [parts[1] as string, parts[0] as string];
}

/** Go's net.SplitHostPort on "[addr]:" (what nat does to strip the brackets): the address, or Go's complaint. */
function stripBrackets(ip: string): string {
  const hostport = `${ip}:`;
  const fail = (why: string) => {
    throw cliError(`invalid IP address ${ip}: address ${hostport}: ${why}`, ip);
  };
  const last = hostport.length - 1;
  const end = hostport.indexOf("]");
  if (end < 0) fail("missing ']' in address");
  if (end + 1 !== last) fail(hostport[end + 1] === ":" ? "too many colons in address" : "missing port in address");
  if (hostport.indexOf("[", 1) >= 0) fail("unexpected '[' in address");
  if (hostport.indexOf("]", end + 1) >= 0) fail("unexpected ']' in address");
  return hostport.slice(1, end);
}

/** One -p value in the short syntax → its (container port, binding) pairs, as nat.ParsePortSpec. */
export function parsePortSpec(raw: string): { port: string; binding: ApiPortBinding }[] {
  const parts = raw.split(":");
  const n = parts.length;
  let [ip, hostPort, rest] = n === 1 ? ["", "", parts[0]] : n === 2 ? ["", parts[0], parts[1]] : [parts.slice(0, n - 2).join(":"), parts[n - 2], parts[n - 1]];
  ip ??= "";
  hostPort ??= "";
  // docker 28's order of checks: address, container port, host port, ranges, protocol
  const [proto, containerPort] = splitProtoPort(rest ?? "");
  if (ip.startsWith("[")) ip = stripBrackets(ip);
  if (ip !== "" && !goParseIp(ip)) throw cliError(`invalid IP address: ${ip}`, raw);
  if (containerPort === "") throw cliError(`no port specified: ${raw}<empty>`, raw);
  const ports = parsePortRange(containerPort);
  if (!ports) throw cliError(`invalid containerPort: ${containerPort}`, raw);
  const [start, end] = ports;
  let host: [number, number] = [0, 0];
  if (hostPort !== "") {
    const h = parsePortRange(hostPort);
    if (!h) throw cliError(`invalid hostPort: ${hostPort}`, raw);
    host = h;
    // a host range for a single container port is the range to choose from
    if (end - start !== host[1] - host[0] && end !== start) throw cliError(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`, raw);
  }
  const protocol = proto.toLowerCase();
  if (protocol !== "tcp" && protocol !== "udp" && protocol !== "sctp") throw cliError(`invalid proto: ${proto}`, raw);
  const count = end - start + 1;
  return Array.from({ length: count }, (_, i) => {
    let hPort = "";
    if (hostPort !== "") {
      hPort = String(host[0] + i);
      if (count === 1 && host[0] !== host[1]) hPort += `-${host[1]}`;
    }
    return { port: `${start + i}/${protocol}`, binding: { HostIp: ip as string, HostPort: hPort } };
  });
}

/** The long syntax (target=80,published=8080,protocol=udp) as docker 28's CLI turns it into the short
 *  one: keys other than these three are ignored, a field without "=" or with an empty key refused. */
function standardNotation(value: string): string {
  if (!value.includes("=")) return value;
  const params: Record<string, string> = { protocol: "tcp" };
  for (const param of value.split(",")) {
    const eq = param.indexOf("=");
    if (eq <= 0) throw cliError(`invalid publish opts format (should be name=value but got '${param}')`, value);
    params[param.slice(0, eq)] = param.slice(eq + 1);
  }
  return `${params.published ?? ""}:${params.target ?? ""}/${params.protocol}`;
}

/** Every -p value of a command line → ExposedPorts and PortBindings, as the docker CLI sends them. */
export function parsePublishFlags(values: readonly string[]): PublishedPorts {
  const out: PublishedPorts = { exposedPorts: {}, portBindings: {} };
  for (const value of values)
    for (const { port, binding } of parsePortSpec(standardNotation(value))) {
      out.exposedPorts[port] = {};
      (out.portBindings[port] ??= []).push(binding);
    }
  return out;
}

// --- the daemon's side

/** A published port to set up: hostPort 0 is any free port; hostPort..hostPortEnd any free one in it. */
export interface PortRequest {
  hostIp: string;
  hostPort: number;
  hostPortEnd?: number;
  containerPort: number;
  protocol: "tcp" | "udp";
}

/** The engine's form of a binding (containers/spec/options.ts), or the API's. */
export type PortBindingInput = { hostIp?: string; hostPort?: string } | { HostIp?: string; HostPort?: string };

const specError = (message: string, hint: string, value: string) => new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_INVALID", kind: "invalid_argument", message, hint, details: { value } });

/** "80/tcp", "80" → port and protocol; dockerd's "invalid port specification" otherwise; sctp refused. */
function containerPortOf(key: string): { port: number; protocol: "tcp" | "udp" } {
  const [proto, portText] = splitProtoPort(key);
  const port = parseUint16(portText);
  if (port === undefined || port === 0) throw specError(`invalid port specification: ${JSON.stringify(portText)}`, "a container port is a number from 1 to 65535, with /tcp or /udp", key);
  const protocol = proto.toLowerCase();
  if (protocol === "sctp") throw specError(`cannot publish ${key}: sctp ports are not supported`, "skiff publishes tcp and udp ports (-p 80/tcp, -p 53/udp)", key);
  if (protocol !== "tcp" && protocol !== "udp") throw specError(`invalid proto: ${protocol}`, "a published port's protocol is tcp or udp", key);
  return { port, protocol };
}

function requestOf(container: { port: number; protocol: "tcp" | "udp" }, b: PortBindingInput | null | undefined): PortRequest {
  const hostIpText = (b && ("hostIp" in b ? b.hostIp : (b as { HostIp?: string }).HostIp)) || "";
  const hostPortText = (b && ("hostPort" in b ? b.hostPort : (b as { HostPort?: string }).HostPort)) || "";
  const family = isIP(hostIpText);
  if (hostIpText !== "" && family === 0) throw specError(`invalid IP address: ${hostIpText}`, "a published port's host address is an IPv4 address of this host, or empty for all of them", hostIpText);
  if (family === 6) throw specError(`cannot publish on ${hostIpText}: IPv6 host addresses are not supported`, "skiff's networks are IPv4 only: publish on an IPv4 address, or on all (-p 8080:80)", hostIpText);
  const range = hostPortText === "" ? ([0, 0] as [number, number]) : parsePortRange(hostPortText);
  if (!range) throw specError(`invalid port specification: ${JSON.stringify(hostPortText)}`, "a host port is a number from 1 to 65535, a range such as 8000-8010, or empty for any free port", hostPortText);
  const req: PortRequest = { hostIp: hostIpText || "0.0.0.0", hostPort: range[0], containerPort: container.port, protocol: container.protocol };
  if (range[1] !== range[0]) req.hostPortEnd = range[1];
  return req;
}

/**
 * PortBindings ({"80/tcp": [{hostIp, hostPort}]}) and, for -P, the exposed ports ("80/tcp") →
 * the mappings to set up, in the order given. An exposed port with no binding of its own gets one
 * on all addresses with a host port chosen at start (docker's PublishAllPorts); an empty or null
 * binding list publishes nothing unless -P does (dockerd's buildCreateEndpointOptions).
 */
export function portRequests(bindings: Readonly<Record<string, readonly PortBindingInput[] | null | undefined>>, publishAll: readonly string[] = []): PortRequest[] {
  const out: PortRequest[] = [];
  const seen = new Set<string>();
  for (const [key, list] of Object.entries(bindings)) {
    const container = containerPortOf(key);
    if (!list?.length) continue;
    seen.add(`${container.port}/${container.protocol}`);
    for (const b of list) out.push(requestOf(container, b));
  }
  for (const key of publishAll) {
    const container = containerPortOf(key);
    if (seen.has(`${container.port}/${container.protocol}`)) continue;
    seen.add(`${container.port}/${container.protocol}`);
    out.push(requestOf(container, null));
  }
  return out;
}
