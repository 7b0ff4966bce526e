// IP addresses with Go's rules, as docker's CLI and dockerd read them (net/netip): IPv4 as an
// unsigned 32-bit number, no leading zeros ("01.2.3.4" is refused since Go 1.17); IPv6 as eight
// groups, written as RFC 5952 (lower case, the longest run of zero groups as "::"). Shared by the
// CLI's flags (-p's host address, --dns, --add-host) and the network engine; no node:net (the CLI
// starts without it).

export type Ipv4 = number;

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

export const formatIpv4 = (addr: Ipv4): string => [addr >>> 24, (addr >>> 16) & 255, (addr >>> 8) & 255, addr & 255].join(".");

// --- IPv6

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
