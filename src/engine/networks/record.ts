// A network as the engine keeps it (the API maps it to docker's Network), and what a container has
// on one: its endpoint. Only the bridge driver is served: a Linux bridge per network, the standard
// CNI plugins (bridge, host-local, portmap, firewall) attach containers to it.

export interface NetworkRecord {
  /** 64 hex digits. */
  id: string;
  /** "bridge" for the default network; unique. */
  name: string;
  /** "host" and "null": the predefined networks host and none (no device, no addresses: the
   *  container shares the host's namespace, or has one with lo only). */
  driver: "bridge" | "host" | "null";
  /** RFC 3339 with nanoseconds, as dockerd's Created. */
  created: string;
  /** The Linux bridge device (at most 15 bytes): "skiff0" for the default network, "sk-" + 12 hex of the id otherwise ("" for host and none). */
  bridge: string;
  /** IPv4 only: "172.18.0.0/16". */
  subnet: string;
  /** The bridge's address and the containers' default route: "172.18.0.1". */
  gateway: string;
  /** `--ip-range`: the part of the subnet containers' addresses come from. */
  ipRange?: string;
  /** `--internal`: no route out, no NAT. */
  internal: boolean;
  /** Made with --subnet: containers may ask for a fixed address (--ip) in it, as in dockerd. */
  userSubnet?: boolean;
  labels: Record<string, string>;
  /** `-o KEY=VALUE` as given (com.docker.network.bridge.name is the one read). */
  options: Record<string, string>;
  /** The default network ("bridge"): made by the daemon, cannot be removed, has no name resolution. */
  predefined: boolean;
}

/** A container on a network, as configured (create, connect). */
/** A link on a user-defined network (`--link NAME:ALIAS`, `network connect --link`), as dockerd's
 *  endpoint links: the network's name server answers ALIAS, asked by this container only, with the
 *  other container's address. (On the default bridge, links are /etc/hosts records instead.) */
export interface EndpointLink {
  /** The linked container: its id once the engine resolved it (the name or id given before). */
  container: string;
  /** The name it was given by (what inspect shows). */
  name: string;
  alias: string;
}

export interface EndpointConfig {
  /** `--network-alias`, `network connect --alias`. */
  aliases: string[];
  /** `--link` on this network (user-defined ones only). */
  links?: EndpointLink[];
  /** `--ip`, `network connect --ip`: a fixed address in the subnet. */
  ip?: string;
  /** `--mac-address`. */
  mac?: string;
}

/** A container's endpoint while it runs: what CNI ADD gave it. */
export interface EndpointState {
  ip: string;
  prefixLength: number;
  gateway: string;
  mac: string;
  /** Inside the container: eth0, eth1, … in the order of connection. */
  ifName: string;
}

/** A published port as set up for a running container. */
export interface PortMapping {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: "tcp" | "udp";
}

/** What the network engine reads and fills of a container (the containers engine's record has it). */
export interface NetworkedContainer {
  id: string;
  name: string;
  hostname: string;
  options: { network?: string; dns?: string[] };
  state: {
    status: string;
    /** The init's host pid while it runs. */
    pid: number;
    /** While it runs: its endpoint on each network, by network id. */
    networks?: Record<string, EndpointState>;
    ports?: PortMapping[];
  };
}
