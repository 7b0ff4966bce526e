// Published ports, the daemon's side: PortBindings (+ -P's exposed ports) → the mappings to set
// up, host ports still to choose where "" / "0" or a range was given (port-reservations.ts
// chooses). (The CLI's reading of -p into PortBindings is cli/skiff/publish-flag.ts; both read
// ports and ranges with common/port-range.ts.)
import { isIP } from "node:net";
import { SkiffError } from "../../common/errors.ts";
import { parsePortRange, parseUint16, splitProtoPort } from "../../common/port-range.ts";

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
  if (typeof port === "string" || port === 0) throw specError(`invalid port specification: ${JSON.stringify(portText)}`, "a container port is a number from 1 to 65535, with /tcp or /udp", key);
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
  if (typeof range === "string") throw specError(`invalid port specification: ${JSON.stringify(hostPortText)}`, "a host port is a number from 1 to 65535, a range such as 8000-8010, or empty for any free port", hostPortText);
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
