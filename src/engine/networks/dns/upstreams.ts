// The resolvers the responder forwards to, as the network engine names them (resolv-conf.ts picks
// them: the container's --dns, else the host's, systemd-resolved's stub replaced by its upstreams):
// "IP", "IP:PORT" or "[IPv6]:PORT", at most MAX_UPSTREAMS used.
import { isIP, isIPv4, isIPv6 } from "node:net";

/** glibc reads at most three nameserver lines (MAXNS). */
export const MAX_UPSTREAMS = 3;

export interface Upstream {
  host: string;
  port: number;
}

/** "IP", "IP:PORT" or "[IPv6]:PORT" (or a bare IPv6 address); undefined for anything else. */
export function parseUpstream(text: string): Upstream | undefined {
  const s = text.trim();
  if (isIP(s)) return { host: s, port: 53 };
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(s);
  if (!m) return undefined;
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  if (m[1] !== undefined ? !isIPv6(host) : !isIPv4(host)) return undefined;
  return { host, port };
}
