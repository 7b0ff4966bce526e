// docker network's verbs over the engine's records: create (a subnet of its own: given, or the
// first free of docker's pools), ls with filters, inspect, rm, prune, connect and disconnect. The
// default network "bridge" is made by the daemon and cannot go. What a container does with its
// networks while it runs (CNI ADD and DEL) is attach.ts's; connect and disconnect of a running
// container go through it (the `live` port).
import { randomBytes } from "node:crypto";
import { SkiffError } from "../../common/errors.ts";
import { isDeviceName } from "../../common/net-device.ts";
import type { MetadataDb } from "../metadata/index.ts";
import { filterNetworks, pruneSelection } from "./filters.ts";
import type { EndpointConfig, EndpointLink, NetworkedContainer, NetworkRecord } from "./record.ts";
import type { NetworkCreateRequest, NetworkServiceApi, NetworkView } from "./service-api.ts";
import { NetworkStore } from "./store.ts";
import { blockOf, contains, formatCidr, formatIpv4, networkInvalid, parseCidr, tryParseIp, tryParsePrefix, type Cidr } from "./addresses.ts";
import { decideIpam, type IpamConfig } from "./subnets.ts";

export const DEFAULT_NETWORK = "bridge";
export const DEFAULT_BRIDGE_DEVICE = "skiff0";

export interface NetworkServiceOptions {
  metadata: MetadataDb;
  /** The default network's bridge device (skiffd --bridge) and its address and subnet (--bip "172.17.0.1/16"). */
  defaultBridge: { device: string; bip?: string };
  containers: {
    /** By name, id or id prefix; throws the containers engine's 404. */
    resolve(ref: string): NetworkedContainer;
    get(id: string): NetworkedContainer | undefined;
  };
  /** A running container attached to or detached from a network now. */
  live: {
    connect(r: NetworkedContainer, n: NetworkRecord, config: EndpointConfig): Promise<void>;
    disconnect(r: NetworkedContainer, n: NetworkRecord): Promise<void>;
  };
  /** The subnets the host routes to now (other than its default route). */
  hostRoutes(): Cidr[];
  /** The bridge device of a removed network goes (and its name server and rules). */
  removed(n: NetworkRecord): Promise<void>;
  emit(action: string, n: NetworkRecord, attributes?: Record<string, string>): void;
}

const errors = {
  notFound: (ref: string) => new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_NOT_FOUND", kind: "not_found", message: `network ${ref} not found`, hint: "list networks with `skiff network ls`", details: { network: ref } }),
  invalid: (message: string, hint: string, field?: string) => new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_INVALID", kind: "invalid_argument", message, hint, ...(field ? { details: { field } } : {}) }),
};

/** docker's network name rule (as for containers, without the leading slash). */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class NetworkService implements NetworkServiceApi {
  readonly store: NetworkStore;

  constructor(private readonly o: NetworkServiceOptions) {
    this.store = new NetworkStore(o.metadata);
  }

  /** The default network, made at the first daemon start (its subnet from --bip or docker's pools), and host and none. */
  ensureDefault(): NetworkRecord {
    for (const [name, driver] of [["host", "host"], ["none", "null"]] as const)
      if (!this.store.byName(name))
        this.store.insert({ id: randomBytes(32).toString("hex"), name, driver, created: new Date().toISOString(), bridge: "", subnet: "", gateway: "", internal: false, labels: {}, options: {}, predefined: true });
    const { device, bip } = this.o.defaultBridge;
    const had = this.store.byName(DEFAULT_NETWORK);
    // --bridge and --bip may change between daemon starts, as dockerd's do (not under running containers)
    if (had) {
      const wanted = bip ? this.bipAddresses(bip, had.id) : undefined;
      if (had.bridge === device && (!wanted || (had.subnet === wanted.subnet && had.gateway === wanted.gateway))) return had;
      if (this.store.endpointsOf(had.id).some((e) => this.o.containers.get(e.containerId)?.state.networks?.[had.id])) return had;
      const changed = { ...had, bridge: device, ...wanted, options: { ...had.options, "com.docker.network.bridge.name": device } };
      this.store.update(changed);
      return changed;
    }
    const addresses = bip ? this.bipAddresses(bip) : addressesOf(decideIpam({}, { otherNetworks: this.others(), hostRoutes: this.o.hostRoutes() }));
    const record: NetworkRecord = {
      id: randomBytes(32).toString("hex"),
      name: DEFAULT_NETWORK,
      driver: "bridge",
      created: new Date().toISOString(),
      bridge: device,
      ...addresses,
      internal: false,
      labels: {},
      options: { "com.docker.network.bridge.default_bridge": "true", "com.docker.network.bridge.name": device },
      predefined: true,
    };
    this.store.insert(record);
    return this.store.byName(DEFAULT_NETWORK)!;
  }

  /** --bip "172.17.0.1/16": the gateway and the block it is in. */
  private bipAddresses(bip: string, except?: string): { subnet: string; gateway: string } {
    const p = tryParsePrefix(bip);
    if (!p || p.prefix > 30) throw networkInvalid(`--bip ${bip}: not an address with a prefix length of at most 30`, "give the bridge's address and its subnet's length, e.g. --bip 172.17.0.1/16");
    return addressesOf(decideIpam({ subnet: formatCidr(blockOf(p.addr, p.prefix)), gateway: formatIpv4(p.addr) }, { otherNetworks: this.others(except) }));
  }

  /** Every network's subnet but one. */
  private others(except?: string): { name: string; subnet: Cidr }[] {
    return this.store.all().filter((n) => n.id !== except && n.driver === "bridge").map((n) => ({ name: n.name, subnet: parseCidr(n.subnet) }));
  }

  get(ref: string): NetworkRecord {
    const n = this.find(ref);
    if (!n) throw errors.notFound(ref);
    return n;
  }

  /** By full id, full name, then unique id prefix (docker's order). */
  find(ref: string): NetworkRecord | undefined {
    if (!ref) return undefined;
    const byId = /^[0-9a-f]{64}$/.test(ref) ? this.store.get(ref) : undefined;
    if (byId) return byId;
    const byName = this.store.byName(ref);
    if (byName) return byName;
    const ids = this.store.idsWithPrefix(ref);
    if (ids.length > 1) throw errors.invalid(`network ${ref} is ambiguous (${ids.length} matches found based on ID prefix)`, "give more of its id, or its name");
    return ids.length ? this.store.get(ids[0]!) : undefined;
  }

  private view(n: NetworkRecord): NetworkView {
    const containers = this.store.endpointsOf(n.id).flatMap((e) => {
      const r = this.o.containers.get(e.containerId);
      if (!r) return [];
      const state = r.state.networks?.[n.id];
      return [{ id: r.id, name: r.name, config: e.config, ...(state ? { state } : {}) }];
    });
    return { record: n, containers };
  }

  list(filters: Record<string, string[]> = {}): NetworkView[] {
    return filterNetworks(this.store.all(), filters, (id) => this.store.endpointsOf(id).length > 0).map((n) => this.view(n));
  }

  inspect(ref: string): NetworkView {
    return this.view(this.get(ref));
  }

  create(req: NetworkCreateRequest): NetworkRecord {
    const name = req.name;
    if (!name || !NAME.test(name) || name.length > 255) throw errors.invalid(`invalid network name ${JSON.stringify(name)}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, "give a name of letters, digits, _ . -", "Name");
    const driver = req.driver || "bridge";
    if (driver !== "bridge") throw new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_DRIVER_NOT_FOUND", kind: "not_found", message: `could not find plugin ${driver} in v1 plugin registry: plugin not found`, hint: "skiffd serves the bridge driver only: leave -d out (or give bridge)", details: { field: "Driver" } });
    if (this.store.byName(name)) throw new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_EXISTS", kind: "conflict", message: `network with name ${name} already exists`, hint: "choose another name, or remove that network first", details: { network: name } });
    const options = req.options ?? {};
    const id = randomBytes(32).toString("hex");
    const device = options["com.docker.network.bridge.name"] ?? `sk-${id.slice(0, 12)}`;
    if (!isDeviceName(device)) throw errors.invalid(`invalid bridge name ${JSON.stringify(device)}: at most 15 letters, digits, _ . -`, "give com.docker.network.bridge.name a shorter name", "Options");
    if (this.store.all().some((n) => n.bridge === device)) throw errors.invalid(`bridge ${device} is used by another network`, "give com.docker.network.bridge.name another name", "Options");
    const addresses = addressesOf(decideIpam({ subnet: req.subnet, gateway: req.gateway, ipRange: req.ipRange }, { otherNetworks: this.others(), hostRoutes: this.o.hostRoutes() }));
    const record: NetworkRecord = {
      id,
      name,
      driver: "bridge",
      created: new Date().toISOString(),
      bridge: device,
      ...addresses,
      internal: req.internal ?? false,
      ...(req.subnet ? { userSubnet: true } : {}),
      labels: req.labels ?? {},
      options,
      predefined: false,
    };
    if (!this.store.insert(record)) throw new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_EXISTS", kind: "conflict", message: `network with name ${name} already exists`, hint: "choose another name", details: { network: name } });
    this.o.emit("create", record);
    return record;
  }

  async remove(ref: string): Promise<void> {
    const n = this.get(ref);
    if (n.predefined) throw new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_PREDEFINED", kind: "failed_precondition", message: `${n.name} is a pre-defined network and cannot be removed`, hint: "the default network stays; remove user-defined networks only", details: { network: n.name, httpStatus: 403 } });
    const users = this.store.deleteUnused(n.id);
    if (users.length) {
      // dockerd's words while a container on it runs; a network only created containers name stays
      // too (dockerd would let it go and fail their start): said as it is
      const running = users.filter((id) => this.o.containers.get(id)?.state.pid);
      const names = users.map((id) => this.o.containers.get(id)?.name ?? id.slice(0, 12));
      const message = running.length ? `error while removing network: network ${n.name} id ${n.id} has active endpoints` : `error while removing network: network ${n.name} is named by containers that are not running: ${names.join(", ")}`;
      throw new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_IN_USE", kind: "failed_precondition", message, hint: `disconnect or remove them first (skiff network disconnect ${n.name} ${names[0]})`, details: { network: n.name, httpStatus: 403 } });
    }
    await this.o.removed(n);
    this.o.emit("destroy", n);
  }

  async prune(filters: Record<string, string[]> = {}): Promise<{ deleted: string[] }> {
    const deleted: string[] = [];
    for (const n of pruneSelection(this.store.all().filter((x) => !x.predefined), filters)) {
      if (this.store.deleteUnused(n.id).length) continue;
      await this.o.removed(n);
      this.o.emit("destroy", n);
      deleted.push(n.name);
    }
    return { deleted };
  }

  async connect(networkRef: string, containerRef: string, config: EndpointConfig): Promise<void> {
    const n = this.get(networkRef);
    const r = this.o.containers.resolve(containerRef);
    if (n.driver !== "bridge") throw sharedStack(n);
    const mode = r.options.network ?? DEFAULT_NETWORK;
    if (mode === "host" || mode === "none" || mode.startsWith("container:"))
      throw new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_MODE", kind: "failed_precondition", message: `container sharing network namespace with another container or host cannot be connected to any other network`, hint: "a container on --network host, none or container:… has no endpoints of its own", details: { container: r.name } });
    checkEndpoint(n, config);
    if (config.links?.length) config = { ...config, links: this.linkTargets(config.links) };
    if (!this.store.addEndpoint(n.id, r.id, config)) throw new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_ALREADY_CONNECTED", kind: "conflict", message: `endpoint with name ${r.name} already exists in network ${n.name}`, hint: "it is connected already", details: { network: n.name } });
    if (r.state.status === "running" || r.state.status === "paused") {
      try {
        await this.o.live.connect(r, n, config);
      } catch (e) {
        this.store.removeEndpoint(n.id, r.id);
        throw e;
      }
    }
    this.o.emit("connect", n, { container: r.id });
  }

  async disconnect(networkRef: string, containerRef: string, force = false): Promise<void> {
    const n = this.find(networkRef);
    if (!n) {
      if (force) return;
      throw errors.notFound(networkRef);
    }
    const r = this.o.containers.resolve(containerRef);
    if (n.driver !== "bridge") throw sharedStack(n);
    const on = this.store.endpointsOfContainer(r.id).some((e) => e.networkId === n.id);
    if (!on) {
      if (force) return;
      throw new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_NOT_CONNECTED", kind: "failed_precondition", message: `container ${r.id} is not connected to network ${n.name}`, hint: "see its networks with `skiff inspect --format '{{json .NetworkSettings.Networks}}' " + r.name + "`", details: { network: n.name } });
    }
    if (r.state.networks?.[n.id]) await this.o.live.disconnect(r, n);
    this.store.removeEndpoint(n.id, r.id);
    this.o.emit("disconnect", n, { container: r.id });
  }

  /** The container's networks as create resolves them: NetworkMode's first, then the other EndpointsConfig entries. */
  /** The containers links name (by name, id or id prefix), by id: dockerd's 400 for one not there. */
  private linkTargets(links: readonly EndpointLink[]): EndpointLink[] {
    return links.map((l) => {
      let id: string;
      try {
        id = this.o.containers.resolve(l.container).id;
      } catch {
        throw errors.invalid(`could not get container for ${l.container}`, `create ${l.container} first, or drop --link ${l.container}`, "Links");
      }
      return { container: id, name: l.name, alias: l.alias };
    });
  }

  endpointsFor(options: { network?: string; endpoints?: Record<string, EndpointConfig> }): { network: NetworkRecord; config: EndpointConfig }[] {
    const mode = options.network ?? DEFAULT_NETWORK;
    if (mode === "none" || mode === "host" || mode.startsWith("container:")) return [];
    const primary = mode === "default" ? DEFAULT_NETWORK : mode;
    const out: { network: NetworkRecord; config: EndpointConfig }[] = [];
    const given = options.endpoints ?? {};
    const add = (ref: string, cfg: EndpointConfig | undefined) => {
      const n = this.get(ref);
      if (n.driver !== "bridge") throw errors.invalid(`container cannot be connected to network ${n.name} along with others, or by its id`, `give --network ${n.name} by name, and no other network`, "NetworkMode");
      if (out.some((x) => x.network.id === n.id)) return;
      const config: EndpointConfig = { aliases: cfg?.aliases ?? [], ...(cfg?.links?.length ? { links: cfg.links } : {}), ...(cfg?.ip ? { ip: cfg.ip } : {}), ...(cfg?.mac ? { mac: cfg.mac } : {}) };
      checkEndpoint(n, config);
      if (config.links) config.links = this.linkTargets(config.links);
      out.push({ network: n, config });
    };
    add(primary, given[mode] ?? given[primary]);
    for (const [ref, cfg] of Object.entries(given)) if (ref !== mode && ref !== primary) add(ref, cfg);
    return out;
  }
}

const addressesOf = (c: IpamConfig) => ({ subnet: formatCidr(c.subnet), gateway: formatIpv4(c.gateway), ...(c.ipRange ? { ipRange: formatCidr(c.ipRange) } : {}) });

/** dockerd's refusal to connect or disconnect a container to or from host or none. */
const sharedStack = (n: NetworkRecord) =>
  new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_MODE", kind: "failed_precondition", message: `container cannot be disconnected from ${n.name} network or connected to ${n.name} network`, hint: `--network ${n.name} is chosen when a container is created: make a new one with it`, details: { network: n.name, httpStatus: 403 } });

/** What a container asks of a network (at create and connect), refused in dockerd's words. */
function checkEndpoint(n: NetworkRecord, config: EndpointConfig): void {
  if (config.ip) {
    if (n.predefined) throw errors.invalid("user specified IP address is supported on user defined networks only", "create a network (skiff network create --subnet …) and run on it", "IPAMConfig");
    if (!n.userSubnet) throw errors.invalid("user specified IP address is supported only when connecting to networks with user configured subnets", `create the network with --subnet to choose addresses in it`, "IPAMConfig");
    checkEndpointAddress(n, config.ip);
  }
  config.aliases.forEach(checkAlias);
  if (config.aliases.length && n.predefined) throw errors.invalid("network-scoped alias is supported only for containers in user defined networks", "run the container on a network made with skiff network create", "Aliases");
  if (config.links?.length && n.predefined) throw errors.invalid("links are only supported for user-defined networks", "on the default bridge, give --link when the container is created", "Links");
}

/** A DNS label: 1-63 letters, digits, _ or -, not starting or ending with -. */
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** --network-alias: a name the network's name server answers for, so a DNS name (labels joined by dots). */
function checkAlias(alias: string): void {
  if (alias.length > 253 || !alias.split(".").every((l) => LABEL.test(l)))
    throw networkInvalid(`invalid network alias ${JSON.stringify(alias)}: not a valid DNS name`, "an alias is DNS labels of letters, digits, _ and - (at most 63 each) joined by dots", { field: "Aliases" });
}

/** --ip on a network: an IPv4 address in its subnet (and --ip-range), not its gateway. */
function checkEndpointAddress(n: NetworkRecord, ip: string): void {
  const a = tryParseIp(ip);
  if (!a || a.family !== 4) throw networkInvalid(`invalid IPv4 address: ${ip}`, "give an IPv4 address such as 172.18.0.10", { field: "IPAMConfig.IPv4Address" });
  const within = parseCidr(n.ipRange ?? n.subnet);
  if (!contains(within, a.v4)) throw networkInvalid(`no configured subnet or ip-range contain the IP address ${ip}`, `give an address in ${n.ipRange ?? n.subnet}`, { field: "IPAMConfig.IPv4Address" });
  if (ip === n.gateway) throw new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_ADDRESS_IN_USE", kind: "conflict", message: `Address already in use: ${ip} is the gateway of network ${n.name}`, hint: "give another address" });
}
