// IP addresses and CIDR blocks for the bridge networks. IPv4 addresses are unsigned 32-bit numbers
// (networks are IPv4 only); IPv6 is parsed and formatted only where docker accepts it from users
// (--add-host, -p's host address, resolv.conf nameservers), with Go's rules, because docker's
// messages and files follow Go's net/netip: no leading zeros in IPv4 ("01.2.3.4" is refused since
// Go 1.17), IPv6 written as RFC 5952 (lower case, the longest run of zero groups as "::").
import { SkiffError, type ErrorDetails } from "../../common/errors.ts";
import { formatIpv4, tryParseIpv4, type Ipv4 } from "../../common/ip.ts";

export { formatIp, formatIpv4, formatIpv6, isIp, isLoopback, tryParseIp, tryParseIpv4, tryParseIpv6, type IpAddress, type Ipv4, type Ipv6 } from "../../common/ip.ts";

/** A CIDR block: `base` has no host bits set. */
export interface Cidr {
  base: Ipv4;
  prefix: number;
}

export const INVALID = "ENGINE_NETWORK_INVALID";

/** The network engine's refusal of a value a user gave (docker's 400). */
export const networkInvalid = (message: string, hint?: string, details?: ErrorDetails) => new SkiffError({ layer: "engine", code: INVALID, kind: "invalid_argument", message, hint, details });

export function parseIpv4(text: string, what = "IP address"): Ipv4 {
  const addr = tryParseIpv4(text);
  if (addr === undefined) throw networkInvalid(`invalid ${what}: ${JSON.stringify(text)}`, "give a dotted IPv4 address such as 172.18.0.2", { value: text });
  return addr;
}


/** The netmask of a prefix length, as a number. */
export const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** The number of addresses in the block (2^(32-prefix)). */
export const blockSize = (c: Cidr): number => 2 ** (32 - c.prefix);

/** The block's last address (the broadcast address of a subnet). */
export const lastAddress = (c: Cidr): Ipv4 => c.base + blockSize(c) - 1;

export const contains = (c: Cidr, addr: Ipv4): boolean => addr >= c.base && addr <= lastAddress(c);

export const containsCidr = (outer: Cidr, inner: Cidr): boolean => inner.prefix >= outer.prefix && contains(outer, inner.base);

/** Two blocks overlap when either contains the other's base (CIDR blocks nest or are disjoint). */
export const overlaps = (a: Cidr, b: Cidr): boolean => contains(a, b.base) || contains(b, a.base);

/** The first host address: the default gateway of a subnet. */
export const firstHost = (c: Cidr): Ipv4 => (c.prefix >= 31 ? c.base : c.base + 1);

/** The last address a container may get: the one before the broadcast address. */
export const lastUsable = (c: Cidr): Ipv4 => (c.prefix >= 31 ? lastAddress(c) : lastAddress(c) - 1);

/** The n-th address of the block (0 is its base); an error past its end. */
export function nthAddress(c: Cidr, n: number): Ipv4 {
  if (!Number.isSafeInteger(n) || n < 0 || n >= blockSize(c)) throw networkInvalid(`address ${n} is outside ${formatCidr(c)}`, undefined, { subnet: formatCidr(c) });
  return c.base + n;
}

export const formatCidr = (c: Cidr): string => `${formatIpv4(c.base)}/${c.prefix}`;

/** "a.b.c.d/n" into its address and prefix length, host bits kept (undefined when malformed). */
export function tryParsePrefix(text: string): { addr: Ipv4; prefix: number } | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const addr = tryParseIpv4(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  // Go's netip.ParsePrefix: decimal, no sign, no leading zero
  if (addr === undefined || !/^(0|[1-9][0-9]?)$/.test(bits) || Number(bits) > 32) return undefined;
  return { addr, prefix: Number(bits) };
}

/** A strict CIDR block, as dockerd checks --subnet and --ip-range: malformed text is "invalid CIDR
 *  block notation", host bits set are "it should be <the block>". `what` names the flag in the
 *  message ("subnet", "ip-range"). */
export function parseCidr(text: string, what = "subnet"): Cidr {
  const p = tryParsePrefix(text);
  if (!p) throw networkInvalid(`invalid ${what} ${text}: invalid CIDR block notation`, "give an IPv4 block such as 172.18.0.0/16", { value: text });
  const base = (p.addr & maskOf(p.prefix)) >>> 0;
  if (base !== p.addr) throw networkInvalid(`invalid ${what} ${text}: it should be ${formatCidr({ base, prefix: p.prefix })}`, "a block's host bits are zero: give its first address", { value: text });
  return { base, prefix: p.prefix };
}

/** The block an address with a prefix length is in ("172.18.0.5/16" → 172.18.0.0/16). */
export const blockOf = (addr: Ipv4, prefix: number): Cidr => ({ base: (addr & maskOf(prefix)) >>> 0, prefix });

