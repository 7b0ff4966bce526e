// The files docker bind-mounts on /etc/hostname, /etc/hosts and /etc/resolv.conf. Without a
// network of its own (none) a container gets localhost and its own name; on the host's network it
// gets the host's files. (Bridge networks come with the networking issue.)
import { readFileSync } from "node:fs";

export interface NetworkFiles {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/** docker's fallback when the host names only local resolvers (a container cannot reach them). */
const DEFAULT_RESOLV = "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";

/** resolv.conf without the nameservers a container cannot reach (127.0.0.0/8, ::1), as docker filters it. */
export function containerResolvConf(host: string | undefined): string {
  if (host === undefined) return DEFAULT_RESOLV;
  const kept = host.split("\n").filter((l) => !/^\s*nameserver\s+(127\.|::1\s*$|::1$)/.test(l));
  const text = kept.join("\n").trimEnd() + "\n";
  return /^\s*nameserver\s/m.test(text) ? text : text.replace(/^\n$/, "") + DEFAULT_RESOLV;
}

export function networkFiles(hostname: string, network: "none" | "host", hostFiles: { hosts?: string; resolvConf?: string } = { hosts: read("/etc/hosts"), resolvConf: read("/etc/resolv.conf") }): NetworkFiles {
  if (network === "host") return { hostname: `${hostname}\n`, hosts: hostFiles.hosts ?? "127.0.0.1\tlocalhost\n", resolvConf: hostFiles.resolvConf ?? DEFAULT_RESOLV };
  const hosts = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet", "ff00::0\tip6-mcastprefix", "ff02::1\tip6-allnodes", "ff02::2\tip6-allrouters", ""].join("\n");
  return { hostname: `${hostname}\n`, hosts, resolvConf: containerResolvConf(hostFiles.resolvConf) };
}
