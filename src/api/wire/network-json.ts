// Networks as docker's wire types: the Network of GET /networks and GET /networks/{id} (dockerd's
// NetworkResource, with 1.47's EnableIPv4), and a container's EndpointSettings as container inspect
// shows them under NetworkSettings.Networks. An endpoint's id is derived from the network's and the
// container's ids, so both documents name the same endpoint without the engine keeping one.
import { createHash } from "node:crypto";
import { endpointLinkText } from "./endpoint-settings.ts";
import type { EndpointConfig, EndpointState, NetworkRecord, NetworkView } from "../../engine/networks/index.ts";

/** The endpoint of a container on a network: 64 hex digits, the same every time it is asked. */
export const endpointId = (networkId: string, containerId: string): string => createHash("sha256").update(`${networkId}/${containerId}`).digest("hex");

/** A map with its keys in Go's order (sorted by bytes), as a Go client marshals it again. */
const sorted = <T>(m: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The default network's driver options, as dockerd shows its docker0 (the device is skiffd's). */
function defaultBridgeOptions(r: NetworkRecord): Record<string, string> {
  return {
    "com.docker.network.bridge.default_bridge": "true",
    "com.docker.network.bridge.enable_icc": "true",
    "com.docker.network.bridge.enable_ip_masquerade": "true",
    "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
    "com.docker.network.bridge.name": r.bridge,
    "com.docker.network.driver.mtu": "1500",
  };
}

/** IPAM.Config's one entry (Go's omitempty on IPRange). */
const ipamConfig = (r: NetworkRecord) => (r.driver === "bridge" ? [{ Subnet: r.subnet, ...(r.ipRange ? { IPRange: r.ipRange } : {}), Gateway: r.gateway }] : []);

/**
 * A network as dockerd answers it. `Containers` holds the running containers' endpoints (a stopped
 * container connected to the network has none, as in dockerd); a list leaves it empty, as
 * dockerd's GET /networks does.
 */
export function networkJson(v: NetworkView, o: { containers?: boolean } = {}): Record<string, unknown> {
  const r = v.record;
  const containers: Record<string, unknown> = {};
  if (o.containers !== false)
    for (const c of v.containers) {
      if (!c.state) continue;
      containers[c.id] = { Name: c.name, EndpointID: endpointId(r.id, c.id), MacAddress: c.state.mac, IPv4Address: `${c.state.ip}/${c.state.prefixLength}`, IPv6Address: "" };
    }
  return {
    Name: r.name,
    Id: r.id,
    Created: r.created,
    Scope: "local",
    Driver: r.driver,
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: { Driver: "default", Options: r.predefined ? null : {}, Config: ipamConfig(r) },
    Internal: r.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Containers: sorted(containers),
    Options: sorted(r.predefined && r.driver === "bridge" ? defaultBridgeOptions(r) : r.options),
    Labels: sorted(r.labels),
  };
}

/**
 * A container's EndpointSettings on one network (container inspect's NetworkSettings.Networks[NAME]):
 * its configuration always, its addresses while it runs (docker's zero values otherwise).
 */
export function endpointSettingsJson(networkId: string, containerId: string, config: EndpointConfig | undefined, state: EndpointState | undefined, o: { userDefined: boolean; containerName?: string }): Record<string, unknown> {
  // API 1.41's Aliases on a user-defined network end with the container's short id (dockerd adds it
  // for clients before 1.45, which read names there rather than in DNSNames)
  const short = containerId.slice(0, 12);
  const all = [...(config?.aliases ?? []), ...(o.userDefined && config && !config.aliases.includes(short) ? [short] : [])];
  const aliases = all.length ? all : null;
  // dockerd's DNSNames (1.44+): the names the container answers to on a user-defined network
  const dnsNames = o.userDefined && state ? [...(o.containerName ? [o.containerName] : []), ...(config?.aliases ?? []), short] : null;
  return {
    IPAMConfig: config?.ip ? { IPv4Address: config.ip } : null,
    Links: config?.links?.length ? config.links.map(endpointLinkText) : null,
    Aliases: aliases,
    MacAddress: state?.mac ?? config?.mac ?? "",
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: networkId,
    EndpointID: state ? endpointId(networkId, containerId) : "",
    Gateway: state?.gateway ?? "",
    IPAddress: state?.ip ?? "",
    IPPrefixLen: state?.prefixLength ?? 0,
    IPv6Gateway: "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    DNSNames: dnsNames,
  };
}
