// The CNI network configuration list of a bridge network (CNI spec 1.0.0): the bridge plugin with
// host-local IPAM, then portmap. Outbound NAT and forwarding are the network's own rules, made once
// (network-rules.ts), not the bridge plugin's ipMasq and the firewall plugin's per container: those
// ran ~18 iptables commands per ADD (whole-table listings among them) and as many per DEL, and
// bridge 1.1.1's DEL without a namespace left its masquerade chain behind. What each option does
// was checked against Debian's containernetworking-plugins 1.1.1 (/usr/lib/cni):
// - isDefaultGateway makes the bridge plugin add the default route itself; a default route in the
//   IPAM "routes" as well fails ADD with "failed to add route ... file exists", so there is none.
// - runtimeConfig "ips" (capability ips) picks a fixed address through host-local; runtimeConfig
//   "mac" (capability mac) sets the container side's MAC in the bridge plugin itself (no tuning).
// - portmap sets route_localnet on the bridge, so 127.0.0.1:HOSTPORT reaches the container; snat
//   masquerades hairpin and localhost connections so that the answer comes back through the host.
import type { NetworkRecord } from "../record.ts";
import { formatIpv4, lastAddress, parseCidr } from "../addresses.ts";

export const CNI_VERSION = "1.0.0";

/** One plugin's configuration: its type (the binary's name), capabilities and its own keys. */
export interface CniPluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface CniConflist {
  cniVersion: string;
  /** The network's name in CNI: host-local's directory under dataDir, iptables comments, chain names. */
  name: string;
  plugins: CniPluginConf[];
}

export interface ConflistOptions {
  /** host-local keeps its reservations in DIR/<name>/ (one file per address): they outlive the daemon. */
  ipamDataDir: string;
  /** False for a container's second and later networks: one default route, its first network's (as dockerd). */
  defaultRoute?: boolean;
}

/** docker's `-o com.docker.network.driver.mtu=N` (68 … 65535), else the plugin's default (the host's). */
function mtuOf(record: NetworkRecord): number | undefined {
  const v = record.options["com.docker.network.driver.mtu"];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) && n >= 68 && n <= 65535 ? n : undefined;
}

/** host-local's range: the subnet, the gateway (never handed out), and the --ip-range's bounds. */
function ipamRange(record: NetworkRecord): Record<string, string> {
  const range: Record<string, string> = { subnet: record.subnet, gateway: record.gateway };
  if (!record.ipRange) return range;
  // (a record's subnet and range were checked when it was made: a bad one here is a programming error)
  const subnet = parseCidr(record.subnet);
  const part = parseCidr(record.ipRange, "ip-range");
  // the range's own network and broadcast addresses are usable unless they are the subnet's
  range.rangeStart = formatIpv4(Math.max(part.base, subnet.base + 1));
  range.rangeEnd = formatIpv4(Math.min(lastAddress(part), lastAddress(subnet) - 1));
  return range;
}

/**
 * The conflist of a bridge network. The CNI name is the network's id: a network removed and made
 * again under the same name must not find the old one's address reservations or iptables chains.
 */
export function bridgeConflist(record: NetworkRecord, options: ConflistOptions): CniConflist {
  const outbound = !record.internal;
  return {
    cniVersion: CNI_VERSION,
    name: record.id,
    plugins: [
      {
        type: "bridge",
        bridge: record.bridge,
        // the bridge holds the gateway address even when internal: the DNS responder listens there
        isGateway: true,
        isDefaultGateway: outbound && options.defaultRoute !== false,
        ipMasq: false,
        hairpinMode: true,
        // docker's -o com.docker.network.driver.mtu
        ...(mtuOf(record) ? { mtu: mtuOf(record) } : {}),
        ipam: { type: "host-local", ranges: [[ipamRange(record)]], dataDir: options.ipamDataDir },
        capabilities: { ips: true, mac: true },
      },
      { type: "portmap", snat: true, capabilities: { portMappings: true } },
    ],
  };
}
