// What the API and the containers engine ask of the network service (service.ts implements it).
import type { EndpointConfig, EndpointState, NetworkRecord } from "./record.ts";

/** A network with the containers on it (running or not). */
export interface NetworkView {
  record: NetworkRecord;
  containers: { id: string; name: string; config: EndpointConfig; state?: EndpointState }[];
}

/** docker network create's options (POST /networks/create). */
export interface NetworkCreateRequest {
  name: string;
  /** Only "bridge" (the default) is served. */
  driver?: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  labels?: Record<string, string>;
  /** `-o KEY=VALUE`: com.docker.network.bridge.name names the bridge device. */
  options?: Record<string, string>;
}

export interface NetworkServiceApi {
  /** docker network ls's filters: driver, id, label, name, scope, type (custom|builtin), dangling. */
  list(filters?: Record<string, string[]>): NetworkView[];
  /** By full name, full id or unique id prefix; 404 "network NAME not found". */
  inspect(ref: string): NetworkView;
  /** 409 for a name in use; 400 for a bad subnet, an overlap, an unknown driver. */
  create(req: NetworkCreateRequest): NetworkRecord;
  /** 403 for the predefined network; 403 "error while removing network: network NAME id ID has active endpoints" while containers are on it. */
  remove(ref: string): Promise<void>;
  /** Removes the user-defined networks no container is on (filters: until, label, label!). */
  prune(filters?: Record<string, string[]>): Promise<{ deleted: string[] }>;
  /** docker network connect: recorded; a running container is attached at once (CNI ADD). */
  connect(network: string, container: string, config: EndpointConfig): Promise<void>;
  /** docker network disconnect [-f]. */
  disconnect(network: string, container: string, force?: boolean): Promise<void>;
}
