// Where the responder's names come from: the engine's records of one network. Every call names the
// client (the address the query came from) so that answers can depend on who asks (a container's
// own --dns upstreams; later, per-container views).
export interface NameSource {
  /** The IPv4 addresses of `name` if this network owns it, else undefined ([] is a name owned without an address).
   *  `name` comes lowercased, without a trailing dot (DNS compares names case-insensitively). */
  lookup(client: string, name: string): string[] | undefined;
  /** The name (text form, no trailing dot) of `ip` ("172.18.0.2") if it is one of this network's, else undefined. */
  reverse(client: string, ip: string): string | undefined;
  /** Resolvers to forward other names to, in order: "IP", "IP:PORT" or "[IPv6]:PORT". */
  upstreams(client: string): string[];
  /** Whether `client` may ask at all (a container on this network, or the host on its bridge):
   *  others are refused, as docker's resolver is reachable from inside the network only. */
  serves?(client: string): boolean;
}
