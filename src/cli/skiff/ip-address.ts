// Go's net.ParseIP and net.IP.String, as far as docker's flags ask them (-p's host address,
// --dns, --add-host), over the address parser the engine uses too (common/ip.ts).
import { formatIp, formatIpv4, tryParseIp } from "../../common/ip.ts";

/** An IPv4 or IPv6 address in Go's canonical form (IPv6 compressed, lower case; IPv4-mapped as
 *  IPv4, as net.IP.String writes it), or undefined where Go's net.ParseIP refuses it (zones included). */
export function canonicalIp(s: string): string | undefined {
  const a = tryParseIp(s);
  if (!a) return undefined;
  if (a.family === 6) {
    const g = a.v6.groups;
    if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return formatIpv4((g[6]! * 65536 + g[7]!) >>> 0);
  }
  return formatIp(a);
}
