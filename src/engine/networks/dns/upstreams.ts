// The resolvers the responder forwards to: the host's, as /etc/resolv.conf names them, with a
// loopback stub (systemd-resolved's 127.0.0.53, a local dnsmasq) replaced by the upstreams
// systemd-resolved lists in /run/systemd/resolve/resolv.conf, as docker does for containers.
// (skiffd runs the responder in the host's namespace, where a loopback stub is reachable: a stub
// with no such file is kept.)
import { readFileSync } from "node:fs";
import { isIP, isIPv4, isIPv6 } from "node:net";

export const HOST_RESOLV_CONF = "/etc/resolv.conf";
export const SYSTEMD_RESOLV_CONF = "/run/systemd/resolve/resolv.conf";
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

/** The nameserver addresses of a resolv.conf, in order (a zone index "%eth0" is dropped; invalid lines are skipped). */
export function nameserversOf(resolvConf: string): string[] {
  const out: string[] = [];
  for (const line of resolvConf.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const ip = m[1]!.split("%")[0]!;
    if (isIP(ip)) out.push(ip);
  }
  return out;
}

export const isLoopback = (ip: string): boolean => (isIPv4(ip) && ip.startsWith("127.")) || (isIPv6(ip) && new URL(`http://[${ip}]/`).hostname === "[::1]");

const readOrUndefined = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/** The host's resolvers for forwarding, at most MAX_UPSTREAMS. `read` returns a file's text or undefined (tests inject it). */
export function hostUpstreams(read: (path: string) => string | undefined = readOrUndefined): string[] {
  const host = nameserversOf(read(HOST_RESOLV_CONF) ?? "");
  if (host.length === 0 || host.every(isLoopback)) {
    const systemd = nameserversOf(read(SYSTEMD_RESOLV_CONF) ?? "").filter((ip) => !isLoopback(ip));
    if (systemd.length) return systemd.slice(0, MAX_UPSTREAMS);
  }
  return host.slice(0, MAX_UPSTREAMS);
}
