// Go's net.ParseIP and net.IP.String, as far as docker's flags ask them (-p's host address,
// --dns, --add-host). No node:net here: the CLI starts without it (start-up.test.ts).

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** An IPv4 or IPv6 address in Go's canonical form (IPv6 compressed, lower case; IPv4-mapped as
 *  IPv4), or undefined where Go's net.ParseIP refuses it (zones included). */
export function canonicalIp(s: string): string | undefined {
  if (IPV4.test(s)) return s;
  if (!s.includes(":") || /[^0-9a-fA-F:.]/.test(s)) return undefined;
  // Bun's URL parser, which does the rest, lets a lone colon at either end through ("::1:") and
  // refuses some valid dotted tails ("1:2::3:4:5:1.2.3.4"): both settled here first
  if (/^:[^:]|[^:]:$/.test(s)) return undefined;
  const dotted = /^(.*:)([^:]*\.[^:]*)$/.exec(s);
  if (dotted) {
    if (!IPV4.test(dotted[2]!)) return undefined;
    const [a, b, c, d] = dotted[2]!.split(".").map(Number) as [number, number, number, number];
    s = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  try {
    const host = new URL(`http://[${s}]/`).hostname.slice(1, -1);
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
    if (mapped) {
      const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
      return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
    }
    return host;
  } catch {
    return undefined;
  }
}
