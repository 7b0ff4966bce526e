// Which subnet a bridge network gets, and whether a user's --subnet/--gateway/--ip-range hold
// together, as dockerd decides them: docker's default pools in order, the first overlapping no host
// route and no other network; a user's subnet checked against the other networks only.
import { SkiffError } from "../../common/errors.ts";
import { contains, containsCidr, firstHost, formatCidr, lastAddress, lastUsable, maskOf, networkInvalid, overlaps, parseCidr, tryParseIp, type Cidr, type Ipv4 } from "./addresses.ts";

/** docker's default local address pools: 172.17.0.0/16 … 172.31.0.0/16, then 192.168.0.0/16 in /20s. */
export const DEFAULT_POOLS: readonly Cidr[] = [
  ...Array.from({ length: 15 }, (_, i) => ({ base: ((172 << 24) | ((17 + i) << 16)) >>> 0, prefix: 16 })),
  ...Array.from({ length: 16 }, (_, i) => ({ base: ((192 << 24) | (168 << 16) | ((i * 16) << 8)) >>> 0, prefix: 20 })),
];

/** "000200C0" (the kernel prints a network-order u32 read on a little-endian host) → 192.0.2.0. */
function procHex(hex: string): Ipv4 | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const n = parseInt(hex, 16);
  return (((n & 0xff) << 24) | (((n >>> 8) & 0xff) << 16) | (((n >>> 16) & 0xff) << 8) | (n >>> 24)) >>> 0;
}

function prefixOfMask(mask: Ipv4): number | undefined {
  for (let p = 0; p <= 32; p++) if (maskOf(p) === mask) return p;
  return undefined; // not contiguous
}

/** The IPv4 routes of /proc/net/route's text as blocks, without the default route (a subnet may
 *  overlap that one: it is only the way out). Lines that do not parse are skipped. */
export function parseRoutes(procNetRoute: string): Cidr[] {
  const out: Cidr[] = [];
  for (const line of procNetRoute.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    const dest = procHex(f[1] ?? "");
    const mask = procHex(f[7] ?? "");
    if (dest === undefined || mask === undefined) continue;
    const prefix = prefixOfMask(mask);
    if (prefix === undefined || prefix === 0) continue;
    out.push({ base: (dest & mask) >>> 0, prefix });
  }
  return out;
}

/** The first pool that overlaps nothing taken (host routes, other networks' subnets). */
export function chooseSubnet(opts: { taken: readonly Cidr[]; pools?: readonly Cidr[] }): Cidr {
  const pools = opts.pools ?? DEFAULT_POOLS;
  const free = pools.find((p) => !opts.taken.some((t) => overlaps(t, p)));
  if (free) return free;
  throw new SkiffError({
    layer: "engine",
    code: "ENGINE_NETWORK_NO_POOL",
    kind: "unavailable",
    message: "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network",
    hint: "give the network a subnet of its own with --subnet, or remove networks you no longer use (network prune)",
  });
}

/** What the user asked for (`network create --subnet --gateway --ip-range`, or --bip for the default network). */
export interface IpamRequest {
  subnet?: string;
  gateway?: string;
  ipRange?: string;
}

/** A network's addressing, decided: what host-local IPAM is given. */
export interface IpamConfig {
  subnet: Cidr;
  gateway: Ipv4;
  ipRange?: Cidr;
  /** The addresses containers get: the range (or subnet) without the subnet's network and broadcast addresses. */
  rangeStart: Ipv4;
  rangeEnd: Ipv4;
}

/** docker's joinError: one error alone, several as a "* " list, under "invalid network config:". */
function configError(errs: string[]): SkiffError {
  const body = errs.length === 1 ? errs[0] : `* ${errs.join("\n* ")}`;
  return networkInvalid(`invalid network config:\n${body}`, "the gateway and --ip-range must lie inside --subnet, and a subnet's host bits are zero (172.18.0.0/16)");
}

const allocateGatewayError = (gw: string) =>
  new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_INVALID", kind: "invalid_argument", message: `failed to allocate gateway (${gw}): Address already in use`, hint: "the subnet's first (network) and last (broadcast) addresses cannot be the gateway" });

export const poolOverlapError = (subnet: Cidr, other?: string) =>
  new SkiffError({
    layer: "engine",
    code: "ENGINE_NETWORK_OVERLAP",
    kind: "conflict",
    message: "invalid pool request: Pool overlaps with other one on this address space",
    hint: `${formatCidr(subnet)} overlaps ${other ? `network ${JSON.stringify(other)}'s subnet` : "another network's subnet"}: choose another --subnet (network ls, network inspect show the others)`,
    details: { subnet: formatCidr(subnet), ...(other ? { network: other } : {}) },
  });

/**
 * A network's addressing from the user's flags, checked as dockerd does (api/types/network
 * ValidateIPAM, then the IPAM allocator): the subnet strict (no host bits), the ip-range a block
 * inside it, the gateway an address inside it and not its network or broadcast address; a subnet
 * overlapping another network's is refused. Without --subnet the first free default pool is taken
 * (`taken` then includes the host's routes). The gateway defaults to the subnet's first host, or,
 * with --ip-range, to the range's first address that a container could have (docker's allocator
 * gives the gateway from the range).
 */
export function decideIpam(req: IpamRequest, opts: { otherNetworks: readonly { name: string; subnet: Cidr }[]; hostRoutes?: readonly Cidr[]; pools?: readonly Cidr[] }): IpamConfig {
  if (req.subnet === undefined || req.subnet === "") {
    if (req.gateway || req.ipRange) throw networkInvalid("every ip-range or gateway must have a corresponding subnet", "add --subnet with the block the gateway or ip-range belong to");
    const subnet = chooseSubnet({ taken: [...opts.otherNetworks.map((n) => n.subnet), ...(opts.hostRoutes ?? [])], pools: opts.pools });
    return { subnet, gateway: firstHost(subnet), rangeStart: firstHost(subnet), rangeEnd: lastUsable(subnet) };
  }
  const errs: string[] = [];
  let subnet: Cidr | undefined;
  try {
    subnet = parseCidr(req.subnet, "subnet");
  } catch (e) {
    // a block with host bits set still has a family and extent for the checks that follow (as dockerd)
    errs.push((e as Error).message);
    if (!(e as Error).message.endsWith("invalid CIDR block notation")) {
      const [a, p] = req.subnet.split("/");
      subnet = { base: (tryParseIpv4Loose(a ?? "") & maskOf(Number(p))) >>> 0, prefix: Number(p) };
    }
  }
  if (!subnet) throw configError(errs);
  let ipRange: Cidr | undefined;
  if (req.ipRange) {
    try {
      ipRange = parseCidr(req.ipRange, "ip-range");
    } catch (e) {
      errs.push((e as Error).message);
    }
    if (ipRange && ipRange.prefix < subnet.prefix) errs.push(`invalid ip-range ${req.ipRange}: CIDR block is bigger than its parent subnet ${formatCidr(subnet)}`);
    if (ipRange && !overlaps(subnet, ipRange)) errs.push(`invalid ip-range ${req.ipRange}: parent subnet ${formatCidr(subnet)} doesn't contain ip-range`);
  }
  let gateway: Ipv4 | undefined;
  if (req.gateway) {
    const ip = tryParseIp(req.gateway);
    if (!ip) errs.push(`invalid gateway ${req.gateway}: invalid address`);
    else if (ip.family === 6) errs.push(`invalid gateway ${req.gateway}: parent subnet is an IPv4 block`);
    else if (!contains(subnet, ip.v4)) errs.push(`invalid gateway ${req.gateway}: parent subnet ${formatCidr(subnet)} doesn't contain this address`);
    else gateway = ip.v4;
  }
  if (errs.length) throw configError(errs);
  if (subnet.prefix > 30) throw networkInvalid(`invalid subnet ${req.subnet}: too small for a bridge network`, "a bridge network needs a /30 or larger: a gateway, a container, the network and broadcast addresses");
  if (gateway !== undefined && (gateway === subnet.base || gateway === lastAddress(subnet))) throw allocateGatewayError(req.gateway as string);
  const within = ipRange && containsCidr(subnet, ipRange) ? ipRange : subnet;
  const rangeStart = Math.max(within.base, firstHost(subnet));
  const rangeEnd = Math.min(lastAddress(within), lastUsable(subnet));
  if (rangeStart > rangeEnd) throw networkInvalid(`invalid ip-range ${req.ipRange}: no address in it can be given to a container`, "the subnet's network and broadcast addresses are not given out: use a larger --ip-range");
  const clash = opts.otherNetworks.find((n) => overlaps(n.subnet, subnet));
  if (clash) throw poolOverlapError(subnet, clash.name);
  return { subnet, gateway: gateway ?? rangeStart, ...(ipRange ? { ipRange } : {}), rangeStart, rangeEnd };
}

/** For an address already parsed as part of a prefix: never fails (0 when malformed). */
const tryParseIpv4Loose = (a: string): number => {
  const ip = tryParseIp(a);
  return ip?.family === 4 ? ip.v4 : 0;
};

