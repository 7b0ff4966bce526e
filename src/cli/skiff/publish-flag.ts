// -p/--publish as docker 28's CLI reads it into the create body's ExposedPorts and PortBindings:
// docker/cli's convertToStandardNotation for the long syntax (target=80,published=8080), then
// go-connections' nat.ParsePortSpec, with its checks in its order and its words. (Differentially
// tested against docker 28's CLI: 800 generated values through a daemon that recorded the create
// body gave no difference; publish-flag.test.ts keeps what docker answered.)
import { parsePortRange, splitProtoPort } from "../../common/port-range.ts";
import { badOption } from "./container-values.ts";
import { canonicalIp } from "./ip-address.ts";

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** The create body's two fields that -p fills. */
export interface PublishedPorts {
  exposedPorts: Record<string, Record<string, never>>;
  portBindings: Record<string, PortBinding[]>;
}

const PUBLISH_HINT = "-p [IP:][HOST-PORT:]CONTAINER-PORT[/tcp|/udp], e.g. -p 8080:80 or -p 127.0.0.1::53/udp";
const refused = (message: string) => badOption(message, PUBLISH_HINT);

/** Go's net.SplitHostPort on "[addr]:" (what nat does to strip the brackets): the address, or Go's complaint. */
function stripBrackets(ip: string): string {
  const hostport = `${ip}:`;
  const fail = (why: string) => {
    throw refused(`invalid IP address ${ip}: address ${hostport}: ${why}`);
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
function parsePortSpec(raw: string): { port: string; binding: PortBinding }[] {
  const parts = raw.split(":");
  const n = parts.length;
  // [ip, hostPort, containerPort] of "ip:host:ctr", "host:ctr", "ctr" (an IPv6 ip keeps its colons)
  let [ip, hostPort, rest] = n === 1 ? ["", "", parts[0]] : n === 2 ? ["", parts[0], parts[1]] : [parts.slice(0, n - 2).join(":"), parts[n - 2], parts[n - 1]];
  ip ??= "";
  hostPort ??= "";
  // docker 28's order of checks: address, container port, host port, ranges, protocol
  const [proto, containerPort] = splitProtoPort(rest ?? "");
  if (ip.startsWith("[")) ip = stripBrackets(ip);
  if (ip !== "" && canonicalIp(ip) === undefined) throw refused(`invalid IP address: ${ip}`);
  if (containerPort === "") throw refused(`no port specified: ${raw}<empty>`);
  const ports = parsePortRange(containerPort);
  if (typeof ports === "string") throw refused(`invalid containerPort: ${containerPort}`);
  const [start, end] = ports;
  let host: [number, number] = [0, 0];
  if (hostPort !== "") {
    const h = parsePortRange(hostPort);
    if (typeof h === "string") throw refused(`invalid hostPort: ${hostPort}`);
    host = h;
    // a host range for a single container port is the range to choose from
    if (end - start !== host[1] - host[0] && end !== start) throw badOption(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`, "give ranges of the same length, or one container port and a host range to choose from");
  }
  const protocol = proto.toLowerCase();
  if (protocol !== "tcp" && protocol !== "udp" && protocol !== "sctp") throw refused(`invalid proto: ${proto}`);
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
    if (eq <= 0) throw badOption(`invalid publish opts format (should be name=value but got '${param}')`, "give -p target=PORT,published=PORT[,protocol=tcp|udp]");
    params[param.slice(0, eq)] = param.slice(eq + 1);
  }
  return `${params.published ?? ""}:${params.target ?? ""}/${params.protocol}`;
}

/** Every -p value of a command line → ExposedPorts and PortBindings, as the docker CLI sends them
 *  (it converts every long-syntax value before it reads any: so is the first refusal chosen). */
export function parsePublishFlags(values: readonly string[]): PublishedPorts {
  const out: PublishedPorts = { exposedPorts: {}, portBindings: {} };
  for (const spec of values.map(standardNotation))
    for (const { port, binding } of parsePortSpec(spec)) {
      out.exposedPorts[port] = {};
      (out.portBindings[port] ??= []).push(binding);
    }
  return out;
}
