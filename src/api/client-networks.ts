// The network endpoints as a typed client (docker's Network shapes): list, inspect, create,
// connect, disconnect, remove, prune.
import type { ApiClient } from "./client.ts";
import { filtersParam } from "./client-containers.ts";

export interface NetworkContainerJson {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

export interface NetworkJson {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv4?: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: { Subnet?: string; IPRange?: string; Gateway?: string }[] | null };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, NetworkContainerJson> | null;
  Options: Record<string, string> | null;
  Labels: Record<string, string> | null;
}

/** docker's NetworkCreateRequest, as its CLI sends it. */
export interface NetworkCreateBody {
  Name: string;
  CheckDuplicate?: boolean;
  Driver: string;
  Scope: string;
  EnableIPv6?: boolean;
  IPAM: { Driver: string; Options: Record<string, string>; Config: { Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigOnly: boolean;
  ConfigFrom: { Network: string } | null;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** docker's EndpointSettings as a client sends it (connect's EndpointConfig, create's EndpointsConfig). */
export interface EndpointSettingsBody {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: Record<string, string> | null;
  GwPriority: number;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

const json = { "Content-Type": "application/json" };
const filtersQuery = (filters: Record<string, string[]>) => ({ filters: filtersParam(filters) });

export class NetworkClient {
  constructor(readonly api: ApiClient) {}

  async list(filters: Record<string, string[]> = {}): Promise<NetworkJson[]> {
    return ((await (await this.api.request("GET", "/networks", { query: filtersQuery(filters) })).json()) as NetworkJson[] | null) ?? [];
  }

  async inspect(ref: string): Promise<NetworkJson> {
    return (await (await this.api.request("GET", `/networks/${encodeURIComponent(ref)}`)).json()) as NetworkJson;
  }

  async create(body: NetworkCreateBody): Promise<{ Id: string; Warning: string }> {
    return (await (await this.api.request("POST", "/networks/create", { body: JSON.stringify(body), headers: json })).json()) as { Id: string; Warning: string };
  }

  async connect(network: string, container: string, endpoint: EndpointSettingsBody): Promise<void> {
    await (await this.api.request("POST", `/networks/${encodeURIComponent(network)}/connect`, { body: JSON.stringify({ Container: container, EndpointConfig: endpoint }), headers: json })).arrayBuffer();
  }

  async disconnect(network: string, container: string, force: boolean): Promise<void> {
    await (await this.api.request("POST", `/networks/${encodeURIComponent(network)}/disconnect`, { body: JSON.stringify({ Container: container, Force: force }), headers: json })).arrayBuffer();
  }

  async remove(ref: string): Promise<void> {
    await (await this.api.request("DELETE", `/networks/${encodeURIComponent(ref)}`)).arrayBuffer();
  }

  async prune(filters: Record<string, string[]>): Promise<{ NetworksDeleted: string[] | null }> {
    return (await (await this.api.request("POST", "/networks/prune", { query: filtersQuery(filters) })).json()) as { NetworksDeleted: string[] | null };
  }
}
