// skiff network create, ls, inspect, rm, prune, connect and disconnect: docker 28's flags, request
// bodies, output and exit codes.
import { invalid } from "../../../common/errors.ts";
import { writeErr, writeOut } from "../../../common/stdio.ts";
import { NetworkClient, type EndpointSettingsBody, type NetworkCreateBody, type NetworkJson } from "../../../api/client-networks.ts";
import { str, strs, type CommandContext } from "../command.ts";
import { confirm } from "../confirm.ts";
import { renderRows, withLabel, withLabelHeader } from "../render.ts";
import { refused } from "../report-error.ts";
import { naturalCompare } from "../natural-order.ts";
import { inspectEach, removeEach } from "./each-named.ts";
import { parseFilterFlags } from "./images.ts";

/** "k=v" flags (--label, -o, --ipam-opt, --aux-address) as a map; a bare key is "" (docker's MapOpts). */
function keyValues(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    out[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? "" : v.slice(eq + 1);
  }
  return out;
}

/** A pflag StringSlice's values: each given value split at its commas. */
const slice = (v: unknown): string[] => strs(v).flatMap((x) => x.split(","));

// ---- IPAM: docker's createIPAMConfig (subnets, ranges and gateways matched up on the client)

/** An IPv4 CIDR or address as [address as a number, prefix length], or undefined. */
function ipv4(s: string): [number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(s);
  if (!m || [m[1], m[2], m[3], m[4]].some((x) => Number(x) > 255) || Number(m[5] ?? 32) > 32) return undefined;
  return [((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0, Number(m[5] ?? 32)];
}

/** docker's subnetMatches: `data` (an address or CIDR) lies in `subnet` (IPv4; an IPv6 one is left to the daemon). */
function subnetMatches(subnet: string, data: string): boolean {
  const s = ipv4(subnet);
  const d = ipv4(data);
  if (!s || !d) return false;
  const mask = s[1] === 0 ? 0 : (0xffffffff << (32 - s[1])) >>> 0;
  return ((s[0] & mask) >>> 0) === ((d[0] & mask) >>> 0);
}

type IpamConfig = { Subnet: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> };

export function ipamConfig(subnets: string[], ranges: string[], gateways: string[], aux: Record<string, string>): IpamConfig[] {
  const fail = (message: string) => refused("CLI_NETWORK_IPAM_INVALID", message, "give each --ip-range, --gateway and --aux-address inside one of the --subnet values");
  if (subnets.length < ranges.length || subnets.length < gateways.length) throw fail("every ip-range or gateway must have a corresponding subnet");
  const byId = new Map<string, IpamConfig>();
  for (const s of subnets) {
    for (const k of byId.keys()) if (subnetMatches(s, k) || subnetMatches(k, s)) throw fail("multiple overlapping subnet configuration is not supported");
    byId.set(s, { Subnet: s });
  }
  const place = (what: "IPRange" | "Gateway", v: string, word: string) => {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, v)) continue;
      const c = byId.get(s)!;
      if (c[what]) throw fail(`cannot configure multiple ${word}s (${v}, ${c[what]}) ${what === "IPRange" ? "on" : "for"} the same subnet (${s})`);
      c[what] = v;
      match = true;
    }
    if (!match) throw fail(`no matching subnet for ${what === "IPRange" ? "range" : "gateway"} ${v}`);
  };
  for (const r of ranges) place("IPRange", r, "range");
  for (const g of gateways) place("Gateway", g, "gateway");
  for (const [key, addr] of Object.entries(aux)) {
    const s = subnets.find((x) => subnetMatches(x, addr));
    if (!s) throw fail(`no matching subnet for aux-address ${addr}`);
    (byId.get(s)!.AuxiliaryAddresses ??= {})[key] = addr;
  }
  return [...byId.values()];
}

export async function createNetwork({ client, flags, args }: CommandContext): Promise<number> {
  const configFrom = str(flags["config-from"]);
  const body: NetworkCreateBody = {
    Driver: str(flags.driver) ?? "bridge",
    Scope: str(flags.scope) ?? "",
    ...(flags.ipv6 !== undefined ? { EnableIPv6: !!flags.ipv6 } : {}),
    IPAM: { Driver: str(flags["ipam-driver"]) ?? "default", Options: keyValues(strs(flags["ipam-opt"])), Config: ipamConfig(slice(flags.subnet), slice(flags["ip-range"]), slice(flags.gateway), keyValues(strs(flags["aux-address"]))) },
    Internal: !!flags.internal,
    Attachable: !!flags.attachable,
    Ingress: !!flags.ingress,
    ConfigOnly: !!flags["config-only"],
    ConfigFrom: configFrom ? { Network: configFrom } : null,
    Options: keyValues(strs(flags.opt)),
    Labels: keyValues(strs(flags.label)),
    Name: args[0]!,
    CheckDuplicate: true,
  };
  const res = await new NetworkClient(client).create(body);
  if (res.Warning) writeErr(`${res.Warning}\n`);
  writeOut(`${res.Id}\n`);
  return 0;
}

/** Go's time.Time.String() of an RFC 3339 time: "2026-12-05 17:00:00.123456789 +0000 UTC". */
function goTimeString(rfc3339: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339);
  if (!m) return rfc3339;
  const frac = (m[3] ?? "").replace(/0+$/, "").replace(/^\.$/, "");
  const zone = m[4] === "Z" ? "+0000 UTC" : `${m[4]!.replace(":", "")} ${m[4]!.replace(":", "")}`;
  return `${m[1]} ${m[2]}${frac} ${zone}`;
}

/** A row of network ls, as docker's networkContext shows a network (fields in Go's order, as its {{json .}} prints them; its
 *  {{.Label "KEY"}} method is not served: skiff's templates call no methods with arguments). */
function row(n: NetworkJson, noTrunc: boolean) {
  const labels = n.Labels ?? {};
  return withLabel({
    CreatedAt: goTimeString(n.Created),
    Driver: n.Driver,
    ID: noTrunc ? n.Id : n.Id.slice(0, 12),
    IPv4: String(n.EnableIPv4 ?? true),
    IPv6: String(n.EnableIPv6),
    Internal: String(n.Internal),
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).sort().join(","),
    Name: n.Name,
    Scope: n.Scope,
  }, labels);
}

const HEADERS = withLabelHeader({ ID: "NETWORK ID", Name: "NAME", Driver: "DRIVER", Scope: "SCOPE", IPv4: "IPV4", IPv6: "IPV6", Internal: "INTERNAL", Labels: "LABELS", CreatedAt: "CREATED AT" });

export async function listNetworks({ client, flags }: CommandContext): Promise<number> {
  const networks = (await new NetworkClient(client).list(parseFilterFlags(strs(flags.filter), "driver=bridge"))).sort((a, b) => naturalCompare(a.Name, b.Name));
  const given = str(flags.format);
  const format = given === "table" ? undefined : given;
  const rows = networks.map((n) => row(n, !!flags["no-trunc"]));
  if (flags.quiet && !format) {
    writeOut(rows.map((r) => `${r.ID}\n`).join(""));
    return 0;
  }
  writeOut(renderRows(rows, format || "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}", HEADERS));
  return 0;
}

export const inspectNetworks = ({ client, flags, args }: CommandContext): Promise<number> => {
  const api = new NetworkClient(client);
  return inspectEach(args, (name): Promise<NetworkJson> => api.inspect(name), str(flags.format));
};

// -f: a network that is not there is no error
export const removeNetworks = ({ client, flags, args }: CommandContext): Promise<number> => {
  const api = new NetworkClient(client);
  return removeEach(args, (name) => api.remove(name), (e) => !!flags.force && (e as { kind?: string }).kind === "not_found");
};

export async function pruneNetworks({ client, flags }: CommandContext): Promise<number> {
  const filters = parseFilterFlags(strs(flags.filter), "until=24h");
  if (!flags.force && !confirm("WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?")) return 0;
  const deleted = (await new NetworkClient(client).prune(filters)).NetworksDeleted ?? [];
  if (deleted.length) writeOut(`Deleted Networks:\n${deleted.map((d) => `${d}\n`).join("")}\n`);
  return 0;
}

export async function connectNetwork({ client, flags, args }: CommandContext): Promise<number> {
  const [network, container] = args as [string, string];
  const driverOpts: Record<string, string> = {};
  for (const o of slice(flags["driver-opt"])) {
    const eq = o.indexOf("=");
    if (eq < 0) throw invalid("cli", "CLI_FLAG_VALUE_INVALID", `invalid key value pair format in driver options`, "give --driver-opt KEY=VALUE");
    driverOpts[o.slice(0, eq)] = o.slice(eq + 1);
  }
  const ip = str(flags.ip);
  const ip6 = str(flags.ip6);
  const linkLocal = slice(flags["link-local-ip"]);
  const endpoint: EndpointSettingsBody = {
    IPAMConfig: { ...(ip ? { IPv4Address: ip } : {}), ...(ip6 ? { IPv6Address: ip6 } : {}), ...(linkLocal.length ? { LinkLocalIPs: linkLocal } : {}) },
    Links: strs(flags.link).length ? strs(flags.link) : null,
    Aliases: slice(flags.alias),
    MacAddress: "",
    DriverOpts: driverOpts,
    GwPriority: 0,
    NetworkID: "",
    EndpointID: "",
    Gateway: "",
    IPAddress: "",
    IPPrefixLen: 0,
    IPv6Gateway: "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  };
  await new NetworkClient(client).connect(network, container, endpoint);
  return 0;
}

export async function disconnectNetwork({ client, flags, args }: CommandContext): Promise<number> {
  const [network, container] = args as [string, string];
  await new NetworkClient(client).disconnect(network, container, !!flags.force);
  return 0;
}
