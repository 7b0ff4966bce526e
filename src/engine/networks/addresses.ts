// IP addresses and CIDR blocks for the bridge networks. IPv4 addresses are unsigned 32-bit numbers
// (networks are IPv4 only); IPv6 is parsed and formatted only where docker accepts it from users
// (--add-host, -p's host address, resolv.conf nameservers), with Go's rules, because docker's
// messages and files follow Go's net/netip: no leading zeros in IPv4 ("01.2.3.4" is refused since
// Go 1.17), IPv6 written as RFC 5952 (lower case, the longest run of zero groups as "::").
import { SkiffError, type ErrorDetails } from "../../common/errors.ts";

export type Ipv4 = number;

/** A CIDR block: `base` has no host bits set. */
export interface Cidr {
  base: Ipv4;
  prefix: number;
}

export const INVALID = "ENGINE_NETWORK_INVALID";

/** The network engine's refusal of a value a user gave (docker's 400). */
export const networkInvalid = (message: string, hint?: string, details?: ErrorDetails) => new SkiffError({ layer: "engine", code: INVALID, kind: "invalid_argument", message, hint, details });

/** Go's IPv4 rules: four decimal fields of 1–3 digits, 0–255, no leading zero. */
export function tryParseIpv4(text: string): Ipv4 | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let addr = 0;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === "0")) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    addr = addr * 256 + n;
  }
  return addr;
}

export function parseIpv4(text: string, what = "IP address"): Ipv4 {
  const addr = tryParseIpv4(text);
  if (addr === undefined) throw networkInvalid(`invalid ${what}: ${JSON.stringify(text)}`, "give a dotted IPv4 address such as 172.18.0.2", { value: text });
  return addr;
}

export const formatIpv4 = (addr: Ipv4): string => [addr >>> 24, (addr >>> 16) & 255, (addr >>> 8) & 255, addr & 255].join(".");

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

// --- IPv6 (Go's netip rules)

/** Eight 16-bit groups and the zone ("eth0" in "fe80::1%eth0"), if any. */
export interface Ipv6 {
  groups: number[];
  zone?: string;
}

export function tryParseIpv6(text: string, allowZone = false): Ipv6 | undefined {
  let zone: string | undefined;
  const pct = text.indexOf("%");
  if (pct >= 0) {
    zone = text.slice(pct + 1);
    text = text.slice(0, pct);
    if (!allowZone || zone === "") return undefined;
  }
  const head: number[] = [];
  const tail: number[] = [];
  let ellipsis = false;
  let rest = text;
  if (rest.startsWith("::")) {
    ellipsis = true;
    rest = rest.slice(2);
    if (rest === "") return { groups: [0, 0, 0, 0, 0, 0, 0, 0], zone };
  }
  const fields = rest.split(":");
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as string;
    const out = ellipsis ? tail : head;
    if (f === "") {
      // "a::b" has one empty field between two others, once; "a::" ends with two empty fields
      if (ellipsis || i === 0 || i === fields.length - 1) return undefined;
      ellipsis = true;
      if (fields[i + 1] === "") {
        if (i !== fields.length - 2) return undefined;
        break;
      }
      continue;
    }
    if (i === fields.length - 1 && f.includes(".")) {
      const v4 = tryParseIpv4(f);
      if (v4 === undefined) return undefined;
      out.push(v4 >>> 16, v4 & 0xffff);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(f)) return undefined;
    out.push(parseInt(f, 16));
  }
  const n = head.length + tail.length;
  if (ellipsis ? n > 7 : n !== 8) return undefined;
  return { groups: [...head, ...new Array<number>(8 - n).fill(0), ...tail], zone };
}

const isV4Mapped = (g: number[]) => g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;

/** RFC 5952 as Go's netip writes it; an IPv4-mapped address keeps its dotted tail (::ffff:1.2.3.4). */
export function formatIpv6(a: Ipv6): string {
  const g = a.groups;
  const zone = a.zone ? `%${a.zone}` : "";
  if (isV4Mapped(g)) return `::ffff:${formatIpv4((g[6] as number) * 65536 + (g[7] as number))}${zone}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(g) + zone;
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}${zone}`;
}

/** An address in either family, as Go's netip.ParseAddr takes it (zones allowed on IPv6). */
export type IpAddress = { family: 4; v4: Ipv4 } | { family: 6; v6: Ipv6 };

export function tryParseIp(text: string, allowZone = false): IpAddress | undefined {
  const v4 = tryParseIpv4(text);
  if (v4 !== undefined) return { family: 4, v4 };
  const v6 = text.includes(":") ? tryParseIpv6(text, allowZone) : undefined;
  return v6 ? { family: 6, v6 } : undefined;
}

export const formatIp = (a: IpAddress): string => (a.family === 4 ? formatIpv4(a.v4) : formatIpv6(a.v6));

/** Go's netip IsLoopback: 127.0.0.0/8 and ::1 (an IPv4-mapped address counts as its IPv4 form). */
export function isLoopback(a: IpAddress): boolean {
  if (a.family === 4) return a.v4 >>> 24 === 127;
  const g = a.v6.groups;
  if (isV4Mapped(g)) return (g[6] as number) >>> 8 === 127;
  return g.slice(0, 7).every((x) => x === 0) && g[7] === 1;
}

/** Go's net.ParseIP: either family, no zone; true when `text` is one. */
export const isIp = (text: string): boolean => tryParseIp(text) !== undefined;
