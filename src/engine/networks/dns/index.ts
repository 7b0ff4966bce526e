// The per-network DNS responder: the surface the rest of the engine uses.
export { DnsResponder, type DnsResponderOptions } from "./responder.ts";
export type { NameSource } from "./name-source.ts";
