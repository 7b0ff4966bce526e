// The network engine's public surface. Other folders import this file only.
export type { EndpointConfig, EndpointState, NetworkedContainer, NetworkRecord, PortMapping } from "./record.ts";
export type { NetworkCreateRequest, NetworkServiceApi, NetworkView } from "./service-api.ts";
