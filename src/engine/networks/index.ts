// The network engine's public surface. Other folders import this file only.
export type { EndpointConfig, EndpointState, NetworkRecord, PortMapping } from "./record.ts";
