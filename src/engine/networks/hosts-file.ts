// A container's /etc/hosts as docker 28 writes it (libnetwork sandbox_dns_unix.go buildHostsFile,
// etchosts.Build): the localhost records, then the --add-host records in the order given, then one
// record per address the container has on its networks, "IP\tFQDN HOSTNAME" (the FQDN alone when
// it has no dot). Aliases and the container's name are not written: on user-defined networks the
// DNS responder answers for them, as docker's embedded DNS does.
// --network host: the host's file as it is, unless there are --add-host entries: then (docker 28,
// moby#48823) the localhost records and the entries, so an entry can override a host name.
import { HOST_GATEWAY, splitExtraHost } from "../../common/extra-host.ts";
import { formatIp, isIp, networkInvalid, tryParseIp } from "./addresses.ts";

export interface HostsRecord {
  /** Canonical address text (netip's: "::1", "172.18.0.2"). */
  ip: string;
  /** One name or several separated by spaces, as written after the tab. */
  names: string;
}

const LOCALHOST_V4: HostsRecord[] = [{ ip: "127.0.0.1", names: "localhost" }];
const LOCALHOST_V6: HostsRecord[] = [
  { ip: "::1", names: "localhost ip6-localhost ip6-loopback" },
  { ip: "fe00::", names: "ip6-localnet" },
  { ip: "ff00::", names: "ip6-mcastprefix" },
  { ip: "ff02::1", names: "ip6-allnodes" },
  { ip: "ff02::2", names: "ip6-allrouters" },
];

/** An ExtraHosts entry checked as dockerd checks what the API brings (docker's ValidateExtraHost,
 *  common/extra-host.ts); a line break in the name would add records of its own to the file:
 *  refused too (docker lets it through). */
function splitEntry(entry: string): { name: string; ip: string } {
  const r = splitExtraHost(entry, { isIp, nameOk: (name) => !/[\n\r\0]/.test(name) });
  if ("refusal" in r) throw networkInvalid(r.refusal, "give --add-host NAME:IP, NAME=IP, or NAME:host-gateway", { value: entry });
  return r;
}

/** ExtraHosts (the API's "NAME:IP" entries) as records, "host-gateway" replaced by `hostGateway`
 *  (the default network's gateway in skiff, the host's address on docker0 in docker). */
export function extraHostRecords(entries: readonly string[], hostGateway?: string): HostsRecord[] {
  return entries.map((entry) => {
    const { name, ip } = splitEntry(entry);
    if (ip === HOST_GATEWAY) {
      if (!hostGateway) throw networkInvalid("unable to derive the IP value for host-gateway", "start skiffd with its default bridge network, or give the address itself", { value: entry });
      return { ip: hostGateway, names: name };
    }
    return { ip: formatIp(tryParseIp(ip.trim())!), names: name };
  });
}

/** The record of the container itself: "FQDN HOSTNAME" (just FQDN when the name has no dot). */
export function ownNames(hostname: string, domainname?: string): string {
  const fqdn = domainname ? `${hostname}.${domainname}` : hostname;
  const dot = fqdn.indexOf(".");
  return dot < 0 ? fqdn : `${fqdn} ${fqdn.slice(0, dot)}`;
}

const isV6 = (r: HostsRecord) => r.ip.includes(":");
const write = (records: readonly HostsRecord[]) => records.map((r) => `${r.ip}\t${r.names}\n`).join("");

export interface HostsFileOptions {
  hostname: string;
  domainname?: string;
  /** The container's addresses on its networks, in the order it joined them (none for --network none). */
  addresses: readonly string[];
  /** From extraHostRecords(). */
  extraHosts: readonly HostsRecord[];
  /** False when IPv6 is off in the container: no IPv6 records at all (docker's BuildNoIPv6). */
  ipv6?: boolean;
}

/** /etc/hosts for a container with a network namespace of its own (bridge networks, none). */
export function containerHostsFile(o: HostsFileOptions): string {
  const own = o.addresses.map((text) => {
    const ip = tryParseIp(text);
    if (!ip) throw new Error(`containerHostsFile: not an address: ${JSON.stringify(text)}`);
    return { ip: formatIp(ip), names: ownNames(o.hostname, o.domainname) };
  });
  const records = [...LOCALHOST_V4, ...LOCALHOST_V6, ...o.extraHosts, ...own];
  return write(o.ipv6 === false ? records.filter((r) => !isV6(r)) : records);
}

/** /etc/hosts for --network host: the host's (`hostHosts`, undefined when it has none) unless
 *  --add-host gives entries (a host without one gets the localhost record, as network-files.ts did). */
export function hostNetworkHostsFile(hostHosts: string | undefined, extraHosts: readonly HostsRecord[]): string {
  if (extraHosts.length === 0) return hostHosts ?? write(LOCALHOST_V4);
  return write([...LOCALHOST_V4, ...LOCALHOST_V6, ...extraHosts]);
}

/** A container's /etc/hosts from what its options and endpoints hold (the API's ExtraHosts entries). */
export function hostsFile(o: { hostname: string; domainname?: string; addresses?: readonly string[]; extraHosts: readonly string[]; hostGateway?: string; ipv6?: boolean; links?: readonly HostsRecord[] }): string {
  return containerHostsFile({ hostname: o.hostname, domainname: o.domainname, addresses: o.addresses ?? [], extraHosts: [...extraHostRecords(o.extraHosts, o.hostGateway), ...(o.links ?? [])], ipv6: o.ipv6 });
}
