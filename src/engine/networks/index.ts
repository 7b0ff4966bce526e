// The network engine's public surface. Other folders import this file only.
export type { EndpointConfig, EndpointLink, EndpointState, NetworkedContainer, NetworkRecord, PortMapping } from "./record.ts";
export type { NetworkCreateRequest, NetworkServiceApi, NetworkView } from "./service-api.ts";
export { Networking, type ContainerOnNetworks } from "./networking.ts";
export { DEFAULT_BRIDGE_DEVICE, DEFAULT_NETWORK } from "./service.ts";
