// The network engine as the containers engine uses it: the network service (docker network …),
// what a container is on from its create (its endpoints, its /etc/hosts and /etc/resolv.conf), the
// attach at its start and the detach at its exit (attach.ts over the CNI plugins), the host ports
// held for its published ports, and a name server per user-defined network.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../../common/errors.ts";
import { log } from "../../common/log.ts";
import type { MetadataDb } from "../metadata/index.ts";
import { ContainerNetworking, type NetworkPlugins } from "./attach.ts";
import { bridgeConflist, CniNetwork, ensureNetworkRules, removeNetworkRules } from "./cni/index.ts";
import { removeIdleSharedChains } from "./cni/shared-chains.ts";
import { DnsResponder, type NameSource } from "./dns/index.ts";
import { extraHostRecords, hostNetworkHostsFile, hostsFile } from "./hosts-file.ts";
import { PortReservations } from "./port-reservations.ts";
import { portRequests } from "./port-specs.ts";
import type { EndpointConfig, EndpointState, NetworkedContainer, NetworkRecord } from "./record.ts";
import { containerResolvConf, readHostResolvFiles } from "./resolv-conf.ts";
import { DEFAULT_NETWORK, NetworkService } from "./service.ts";
import { parseRoutes } from "./subnets.ts";
import { removeLink, setMaster } from "./links.ts";
import { keepDefaultRoute } from "./default-route.ts";
import { isDeviceName } from "../../common/net-device.ts";

/** What the network engine reads of a container beyond NetworkedContainer. */
export interface ContainerOnNetworks extends NetworkedContainer {
  options: NetworkedContainer["options"] & {
    domainname?: string;
    portBindings?: Record<string, { hostIp: string; hostPort: string }[]>;
    publishAll?: boolean;
    exposedPorts?: string[];
    dnsSearch?: string[];
    dnsOptions?: string[];
    extraHosts?: string[];
    links?: { container: string; name?: string; alias: string }[];
  };
  files: { hostsPath: string; resolvConfPath: string };
}

export interface NetworkingOptions {
  metadata: MetadataDb;
  dataRoot: string;
  defaultBridge: { device: string; bip?: string };
  /** Where the CNI plugins are looked for; cni/exec-plugin.ts's defaults when absent. */
  pluginDirs?: readonly string[];
  containers: {
    resolve(ref: string): ContainerOnNetworks;
    get(id: string): ContainerOnNetworks | undefined;
    all(): ContainerOnNetworks[];
    /** Writes the container's changed run state (a connect or disconnect while it runs). */
    update(r: ContainerOnNetworks): void;
  };
  emit(action: string, n: NetworkRecord, attributes?: Record<string, string>): void;
}

const readText = (path: string): string => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};

const isRunning = (r: NetworkedContainer) => r.state.status === "running" || r.state.status === "paused" || r.state.status === "restarting";

export class Networking {
  readonly service: NetworkService;
  private readonly attach: ContainerNetworking;
  private readonly ports = new PortReservations();
  private readonly responders = new Map<string, DnsResponder>();
  private readonly dir: string;

  constructor(private readonly o: NetworkingOptions) {
    this.dir = join(o.dataRoot, "networks");
    this.service = new NetworkService({
      metadata: o.metadata,
      defaultBridge: o.defaultBridge,
      containers: o.containers,
      hostRoutes: () => parseRoutes(readText("/proc/net/route")),
      live: {
        connect: (r, n, config) => this.connectRunning(o.containers.get(r.id)!, n, config),
        disconnect: (r, n) => this.disconnectRunning(o.containers.get(r.id)!, n),
      },
      removed: (n) => this.networkRemoved(n),
      emit: o.emit,
    });
    this.attach = new ContainerNetworking({
      endpointsOf: (id) => this.service.store.endpointsOfContainer(id).flatMap((e) => {
        const network = this.service.store.get(e.networkId);
        return network ? [{ network, config: e.config }] : [];
      }),
      network: (id) => this.service.store.get(id),
      plugins: (n, first) => this.plugins(n, first),
      ports: this.ports,
      portRequests: (r) => {
        const c = r as ContainerOnNetworks;
        // as dockerd: a container only on --internal networks has no way in from outside: nothing is published
        const networks = this.service.store.endpointsOfContainer(r.id).map((e) => this.service.store.get(e.networkId));
        if (networks.every((n) => n?.internal)) return [];
        return portRequests(c.options.portBindings ?? {}, c.options.publishAll ? (c.options.exposedPorts ?? []) : []);
      },
      attached: async (r, states) => {
        const c = r as ContainerOnNetworks;
        this.writeHosts(c, states.map((s) => s.state));
        for (const s of states) {
          await this.serveNames(s.network);
          o.emit("connect", s.network, { container: r.id });
        }
      },
      detached: (r, networks) => networks.forEach((n) => o.emit("disconnect", n, { container: r.id })),
      markerDir: join(this.dir, "attached"),
      linkPresent: (name) => isDeviceName(name) && existsSync(`/sys/class/net/${name}`),
      removeLink: (name) => removeLink(name),
      keepDefaultRoute: (pid, via) => keepDefaultRoute(pid, via),
    });
  }

  /**
   * A network's CNI chain: bridge (with host-local) and, for published ports, portmap. Outbound NAT
   * and forwarding are the network's own rules, made once before its first attach in this daemon's
   * life (as dockerd's), not the bridge plugin's ipMasq and the firewall plugin per container: those
   * cost ~18 iptables runs per ADD (two whole-table listings among them) and as many per DEL.
   */
  private plugins(n: NetworkRecord, first = true): NetworkPlugins {
    const cni = new CniNetwork(bridgeConflist(n, { ipamDataDir: join(this.dir, "ipam"), defaultRoute: first }), { cacheDir: join(this.dir, "cni-cache"), ...(this.o.pluginDirs ? { pluginDirs: this.o.pluginDirs } : {}) });
    return {
      add: async (a) => {
        await this.networkRules(n);
        const bridgeWasThere = existsSync(`/sys/class/net/${n.bridge}`);
        // host-local hands out addresses round-robin after its last one; docker gives the lowest
        // free, so that a container restarted (or reconnected) keeps its address when nothing took
        // it meanwhile (a new-user trial: each restart moved it, and --link's /etc/hosts lines went
        // stale). Its note of the last one is let go: it then searches from the range's start, under its lock.
        if (!a.ip) rmSync(join(this.dir, "ipam", n.id, "last_reserved_ip.0"), { force: true });
        const state = await cni.add(a);
        if (!bridgeWasThere) this.bridgeMadeAnew(n, a.containerId);
        return state;
      },
      hostInterface: (a) => cni.hostInterface(a),
      del: (a) => cni.del(a),
      check: (a) => cni.check(a),
    };
  }

  /**
   * A network's bridge the plugin had to make again (deleted behind skiff's back while containers
   * ran on it): their veths, left without a bridge, are put on the new one, and it is said.
   */
  private bridgeMadeAnew(n: NetworkRecord, by: string): void {
    const running = this.service.store.endpointsOf(n.id).flatMap((e) => {
      const r = e.containerId === by ? undefined : this.o.containers.get(e.containerId);
      return r?.state.networks?.[n.id] ? [r] : [];
    });
    if (!running.length) return;
    const mended = this.attach.hostInterfacesOn(n, running).filter(({ veth }) => setMaster(veth, n.bridge));
    log.warn(`network ${n.name}: its bridge ${n.bridge} was gone and has been made again; ${mended.length} of ${running.length} running containers put back on it${mended.length < running.length ? " (restart the others to attach them again)" : ""}`);
  }

  private readonly ruled = new Map<string, Promise<void>>();

  /** The network's rules, checked (and made if missing) once per daemon life; a failure is tried again next time. */
  private networkRules(n: NetworkRecord): Promise<void> {
    let done = this.ruled.get(n.id);
    if (!done) {
      done = ensureNetworkRules(n).catch((e: unknown) => {
        this.ruled.delete(n.id);
        throw e;
      });
      this.ruled.set(n.id, done);
    }
    return done;
  }

  /** At create: the networks the container is on (refused now if one is not there or an option does not fit it). */
  endpointsFor(options: { network?: string; endpoints?: Record<string, EndpointConfig> }): { network: NetworkRecord; config: EndpointConfig }[] {
    // (an engine used before its restore(), as tests do, makes the default network here)
    if (!this.service.store.byName(DEFAULT_NETWORK)) this.service.ensureDefault();
    return this.service.endpointsFor(options);
  }

  /** At create, once its row is there: the container is on these networks. */
  use(containerId: string, endpoints: { network: NetworkRecord; config: EndpointConfig }[]): void {
    for (const e of endpoints) this.service.store.addEndpoint(e.network.id, containerId, e.config);
  }

  /**
   * At create: /etc/hosts and /etc/resolv.conf by docker 28's rules. On bridge networks its
   * addresses are added at each start (and a user-defined network's name server is its resolver);
   * --network host gets the host's files, none its own localhost (both with --add-host and --dns*).
   */
  files(c: { hostname: string; options: ContainerOnNetworks["options"] }, endpoints: { network: NetworkRecord }[]): { hosts: string; resolvConf: string } {
    const mode = c.options.network;
    const dns = { host: this.hostResolvFiles(), dns: c.options.dns, dnsSearch: c.options.dnsSearch, dnsOptions: c.options.dnsOptions };
    if (mode === "host") return { hosts: hostNetworkHostsFile(readText("/etc/hosts") || undefined, extraHostRecords(c.options.extraHosts ?? [], this.hostGateway())), resolvConf: containerResolvConf({ ...dns, mode: "host" }).text };
    const first = endpoints[0]?.network;
    // none (and container:…, whose files are the other's from its start): docker 28 transforms nothing
    const own = first ? (first.predefined ? {} : { embedded: first.gateway }) : { mode: "none" as const };
    return {
      hosts: hostsFile({ hostname: c.hostname, domainname: c.options.domainname, extraHosts: c.options.extraHosts ?? [], hostGateway: this.hostGateway() }),
      resolvConf: containerResolvConf({ ...dns, ...own }).text,
    };
  }

  /** docker's host-gateway: the default network's gateway. */
  private hostGateway(): string | undefined {
    return this.service.store.byName(DEFAULT_NETWORK)?.gateway;
  }

  private writeHosts(c: ContainerOnNetworks, states: EndpointState[]): void {
    // written in place: the running container's /etc/hosts is a bind mount of this file
    writeFileSync(c.files.hostsPath, hostsFile({ hostname: c.hostname, domainname: c.options.domainname, extraHosts: c.options.extraHosts ?? [], hostGateway: this.hostGateway(), addresses: states.map((s) => s.ip), links: this.linkRecords(c) }));
  }

  /** dockerd's legacy links: "IP ALIAS ID NAME" for each linked container, on the default bridge, which must be running. */
  private linkRecords(c: ContainerOnNetworks): { ip: string; names: string }[] {
    const bridge = this.service.store.byName(DEFAULT_NETWORK);
    return (c.options.links ?? []).map((l) => {
      const target = this.o.containers.get(l.container);
      const ip = bridge && target?.state.networks?.[bridge.id]?.ip;
      if (!target || !ip)
        throw new SkiffError({ layer: "engine", code: "ENGINE_LINK_TARGET_NOT_RUNNING", kind: "failed_precondition", message: `Cannot link to a non running container: /${target?.name ?? l.name ?? l.container} AS /${c.name}/${l.alias}`, hint: `start ${target?.name ?? l.name ?? l.container} first (on the default bridge network)`, details: { container: l.container } });
      return { ip, names: `${l.alias} ${target.id.slice(0, 12)} ${target.name}` };
    });
  }

  up(r: ContainerOnNetworks, initPid: number): Promise<void> {
    for (const e of this.service.store.endpointsOfContainer(r.id)) {
      const n = this.service.store.get(e.networkId);
      if (n && e.config.ip) this.addressFree(n, e.config.ip, r.id);
    }
    return this.attach.up(r, initPid);
  }

  /** A fixed address another running container has on the network: dockerd's refusal, before CNI's. */
  private addressFree(n: NetworkRecord, ip: string, self: string): void {
    const holder = this.entriesOn(n).find((x) => x.ip === ip && x.r.id !== self);
    if (holder)
      throw new SkiffError({ layer: "engine", code: "ENGINE_NETWORK_ADDRESS_IN_USE", kind: "conflict", message: `Address already in use: ${ip} on network ${n.name} is container ${holder.r.name}'s`, hint: "give another --ip, or stop that container", details: { network: n.name, address: ip } });
  }

  down(r: ContainerOnNetworks): Promise<void> {
    return this.attach.down(r);
  }

  private async connectRunning(r: ContainerOnNetworks, n: NetworkRecord, config: EndpointConfig): Promise<void> {
    if (config.ip) this.addressFree(n, config.ip, r.id);
    const hadResolver = Object.keys(r.state.networks ?? {}).some((id) => !this.service.store.get(id)?.predefined);
    await this.attach.connect(r, n, config);
    this.o.containers.update(r);
    this.writeHosts(r, Object.values(r.state.networks ?? {}));
    await this.serveNames(n);
    // as dockerd: a container that had no network with a name server (the default bridge only) now
    // asks the new network's, which answers for all its user-defined networks (written in place: a bind mount)
    if (!hadResolver && !n.predefined)
      writeFileSync(r.files.resolvConfPath, containerResolvConf({ host: this.hostResolvFiles(), dns: r.options.dns, dnsSearch: r.options.dnsSearch, dnsOptions: r.options.dnsOptions, embedded: n.gateway }).text);
  }

  private async disconnectRunning(r: ContainerOnNetworks, n: NetworkRecord): Promise<void> {
    await this.attach.disconnect(r, n);
    this.o.containers.update(r);
    this.writeHosts(r, Object.values(r.state.networks ?? {}));
  }

  /** A user-defined network's name server, on its gateway address (there once its bridge is). */
  private async serveNames(n: NetworkRecord): Promise<void> {
    if (n.predefined || this.responders.has(n.id)) return;
    if (!existsSync(`/sys/class/net/${n.bridge}`)) return;
    try {
      const responder = await DnsResponder.start({ address: n.gateway, names: this.names(n) });
      this.responders.set(n.id, responder);
    } catch (e) {
      log.warn(`network ${n.name}: its name server could not start: ${(e as Error).message}`);
    }
  }

  /** Names on network n: each running container's name, aliases and short id. */
  /** The running containers on user-defined network m, each with its address there and its names. */
  private entriesOn(m: NetworkRecord) {
    return this.service.store.endpointsOf(m.id).flatMap((e) => {
      const r = this.o.containers.get(e.containerId);
      const ip = r?.state.networks?.[m.id]?.ip;
      return r && ip ? [{ ip, names: [r.name, r.id.slice(0, 12), ...e.config.aliases].map((x) => x.toLowerCase()), r }] : [];
    });
  }

  /**
   * What network n's name server answers. As docker's resolver in each container knows all of that
   * container's networks, a query is answered from every user-defined network the asker (found by
   * its address on n) is on, n's first, with the addresses there; a container only on --internal
   * networks gets nothing from outside (docker 26's rule); the rest goes to the asker's --dns, else
   * the host's resolvers (systemd-resolved's upstreams for its stub), as its resolv.conf was made.
   */
  private names(n: NetworkRecord): NameSource {
    const asker = (client: string) => this.entriesOn(n).find((x) => x.ip === client)?.r;
    const scope = (client: string): NetworkRecord[] => {
      const others = Object.keys(asker(client)?.state.networks ?? {}).filter((id) => id !== n.id);
      return [n, ...others.map((id) => this.service.store.get(id)).filter((m): m is NetworkRecord => !!m && !m.predefined && m.driver === "bridge")];
    };
    const match = (m: NetworkRecord, name: string) => this.entriesOn(m).filter((e) => e.names.includes(name) || e.names.some((x) => name === `${x}.${m.name.toLowerCase()}`));
    /** The asker's links on its networks: ALIAS → the linked container's address (dockerd's endpoint links, a name for this container only). */
    const linked = (client: string, name: string): string[] | undefined => {
      const r = asker(client);
      if (!r) return undefined;
      for (const m of scope(client))
        for (const l of this.service.store.endpointsOf(m.id).find((e) => e.containerId === r.id)?.config.links ?? []) {
          if (l.alias.toLowerCase() !== name) continue;
          const target = this.o.containers.get(l.container);
          for (const on of scope(client)) {
            const ip = target?.state.networks?.[on.id]?.ip;
            if (ip) return [ip];
          }
        }
      return undefined;
    };
    return {
      lookup: (client, name) => {
        const link = linked(client, name);
        if (link) return link;
        for (const m of scope(client)) {
          const hits = match(m, name);
          if (hits.length) return hits.map((h) => h.ip);
        }
        return undefined;
      },
      reverse: (client, ip) => {
        for (const m of scope(client)) {
          const e = this.entriesOn(m).find((x) => x.ip === ip);
          if (e) return `${e.r.name}.${m.name}`;
        }
        return undefined;
      },
      serves: (client) => client === n.gateway || asker(client) !== undefined,
      upstreams: (client) => {
        if (scope(client).every((m) => m.internal)) return [];
        return containerResolvConf({ host: this.hostResolvFiles(), dns: asker(client)?.options.dns, embedded: n.gateway }).upstreams.map((u) => u.address);
      },
    };
  }

  private resolvFiles?: { at: number; files: ReturnType<typeof readHostResolvFiles> };

  /** The host's resolv.conf files, read at most once a second (every forwarded query asks). */
  private hostResolvFiles(): ReturnType<typeof readHostResolvFiles> {
    const now = performance.now();
    if (!this.resolvFiles || now - this.resolvFiles.at > 1000) this.resolvFiles = { at: now, files: readHostResolvFiles() };
    return this.resolvFiles.files;
  }

  private async networkRemoved(n: NetworkRecord): Promise<void> {
    // (a container's DEL from it may still run after the container went: it finishes first)
    await this.attach.settled(n.id);
    this.responders.get(n.id)?.close();
    this.responders.delete(n.id);
    this.ruled.delete(n.id);
    await removeNetworkRules(n).catch((e: unknown) => log.warn(`network ${n.name}: its iptables rules stay: ${(e as Error).message}`));
    try {
      removeLink(n.bridge);
    } catch (e) {
      log.warn(`network ${n.name}: its bridge ${n.bridge} stays: ${(e as Error).message}`);
    }
    rmSync(join(this.dir, "ipam", n.id), { recursive: true, force: true });
  }

  /** At daemon start: the default network; ports held again and DEL done for what ended meanwhile; name servers up. */
  async restore(): Promise<void> {
    this.service.ensureDefault();
    const all = this.o.containers.all();
    await this.attach.restore(all, isRunning);
    const live = new Set(all.filter(isRunning).flatMap((r) => Object.keys(r.state.networks ?? {})));
    for (const id of live) {
      const n = this.service.store.get(id);
      if (n) await this.serveNames(n);
    }
  }

  /** At a clean stop: each network no container is attached to any more gives its rules and bridge
   *  back, then the shared chains go if nothing uses them; a running container's (live restore)
   *  stay. The next daemon makes them again when it needs them. */
  async standDown(): Promise<void> {
    const inUse = this.attach.attachedNetworks();
    for (const id of [...this.ruled.keys()]) {
      const n = this.service.store.get(id);
      if (!n || inUse.has(id)) continue;
      this.ruled.delete(id);
      await removeNetworkRules(n).catch((e: unknown) => log.warn(`network ${n.name}: its iptables rules stay: ${(e as Error).message}`));
      if (existsSync(`/sys/class/net/${n.bridge}`)) {
        try {
          removeLink(n.bridge);
        } catch (e) {
          log.warn(`network ${n.name}: its bridge ${n.bridge} stays: ${(e as Error).message}`);
        }
      }
    }
    await removeIdleSharedChains().catch((e: unknown) => log.warn(`the shared iptables chains stay: ${(e as Error).message}`));
  }

  close(): void {
    for (const r of this.responders.values()) r.close();
    this.responders.clear();
    this.ports.releaseAll();
  }
}
