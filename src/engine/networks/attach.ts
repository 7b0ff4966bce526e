// What happens to a container's networks while it runs: between the runtime's create (the init
// waits in its new network namespace) and its start, each of its networks is attached by CNI ADD
// (eth0, eth1 … in connection order) and its published ports are reserved and mapped on the
// first; once its process has ended (the namespace and the veths are gone with it), CNI DEL frees
// the addresses and removes the rules. A marker per container, written before the first ADD and
// removed after the last DEL, lets a daemon that died in between finish the DEL at its next start.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { log } from "../../common/log.ts";
import type { PortRequest } from "./port-specs.ts";
import type { EndpointState, NetworkedContainer, NetworkRecord, PortMapping } from "./record.ts";

/** A network's CNI chain (cni/). */
export interface NetworkPlugins {
  add(a: { containerId: string; netns: string; ifName: string; ip?: string; mac?: string; portMappings?: PortMapping[] }): Promise<EndpointState>;
  del(a: { containerId: string; netns: string; ifName: string; portMappings?: PortMapping[] }): Promise<void>;
  /** CNI CHECK: the attachment is still as ADD made it (throws what is wrong). */
  check(a: { containerId: string; netns: string; ifName: string }): Promise<void>;
  /** The host's side of an attachment (its veth), from the ADD result. */
  hostInterface(a: { containerId: string; netns: string; ifName: string }): string | undefined;
}

/** Host ports held for published ports (port-reservations.ts). */
export interface PortHolder {
  /** Chooses the free ports the requests leave open and holds every host port; throws when one is taken. */
  reserve(containerId: string, requests: readonly PortRequest[]): Promise<PortMapping[]>;
  release(containerId: string): void;
}

export interface AttachDeps {
  /** The container's networks in connection order, with its endpoint config on each. */
  endpointsOf(containerId: string): { network: NetworkRecord; config: { ip?: string; mac?: string; aliases: string[] } }[];
  network(id: string): NetworkRecord | undefined;
  /** `first`: the container's first network, the one its default route goes through. */
  plugins(n: NetworkRecord, first?: boolean): NetworkPlugins;
  ports: PortHolder;
  /** The container's published ports, as requested (port-specs.ts over its options). */
  portRequests(r: NetworkedContainer): PortRequest[];
  /** After the attach: its /etc/hosts with its addresses, the network's name server started. */
  attached(r: NetworkedContainer, states: { network: NetworkRecord; state: EndpointState }[]): Promise<void>;
  /** When a container has left these networks, its plugins' DEL just begun (docker's network disconnect events). */
  detached(r: NetworkedContainer, networks: NetworkRecord[]): void;
  /** Where the markers are (under the data root: they must outlive a reboot's /run). */
  markerDir: string;
  /** Whether a network device of the host is there (/sys/class/net/NAME). */
  linkPresent(name: string): boolean;
  /** Removes a device of the host (a veth's host end: its peer goes with it). */
  removeLink?(name: string): void;
  /** How long a detach waits for the host's veths to go with the container's namespace (ms). */
  vethGoneWait?: number;
  /** A default route in the running container's network namespace through this endpoint, if it has none. */
  keepDefaultRoute?(pid: number, via: EndpointState): void;
}

/** The kernel tears an ended namespace down in the background: its veths go some ms later, longer
 *  under load. A detach waits this long for the host's side to go, so that `rm` leaves nothing. */
const VETH_GONE_WAIT = 3000;

interface Marker {
  /** Network id → interface name, for each attach begun. */
  endpoints: Record<string, string>;
  ports: PortMapping[];
  /** The network the ports are mapped on (and the default route goes through); the first when absent (markers written before it). */
  portsOn?: string;
}

/** The network a container's ports and default route go through: its first that is not
 *  --internal (dockerd's gateway endpoint), else its first. A new-user trial: a container whose
 *  first network was internal had no route out through its others, and its ports led to the internal one. */
function gatewayIndex(networks: readonly { internal: boolean }[]): number {
  const i = networks.findIndex((n) => !n.internal);
  return i < 0 ? 0 : i;
}

const portsNetwork = (marker: Marker): string | undefined => marker.portsOn ?? Object.keys(marker.endpoints)[0];

export class ContainerNetworking {
  constructor(private readonly d: AttachDeps) {}

  private markerPath(id: string): string {
    return join(this.d.markerDir, id);
  }

  private readMarker(id: string): Marker | undefined {
    try {
      return JSON.parse(readFileSync(this.markerPath(id), "utf8")) as Marker;
    } catch {
      return undefined;
    }
  }

  private writeMarker(id: string, m: Marker): void {
    mkdirSync(this.d.markerDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.markerPath(id)}.tmp`;
    writeFileSync(tmp, JSON.stringify(m));
    renameSync(tmp, this.markerPath(id));
  }

  /** The networks some container is attached to (a marker names it: attached and not yet detached). */
  attachedNetworks(): Set<string> {
    const out = new Set<string>();
    let names: string[] = [];
    try {
      names = readdirSync(this.d.markerDir);
    } catch {}
    for (const name of names) for (const id of Object.keys(this.readMarker(name)?.endpoints ?? {})) out.add(id);
    return out;
  }

  /** Attaches a container whose init waits (pid) in its new network namespace; fills r.state.networks and r.state.ports. */
  async up(r: NetworkedContainer, initPid: number): Promise<void> {
    const endpoints = this.d.endpointsOf(r.id);
    if (!endpoints.length) return;
    const marker: Marker = { endpoints: {}, ports: [] };
    const requests = this.d.portRequests(r);
    marker.ports = requests.length ? await this.d.ports.reserve(r.id, requests) : [];
    const states: { network: NetworkRecord; state: EndpointState }[] = [];
    const gateway = gatewayIndex(endpoints.map((e) => e.network));
    marker.portsOn = endpoints[gateway]!.network.id;
    try {
      for (const [i, e] of endpoints.entries()) {
        const ifName = `eth${i}`;
        marker.endpoints[e.network.id] = ifName;
        this.writeMarker(r.id, marker);
        const state = await this.d.plugins(e.network, i === gateway).add({
          containerId: r.id,
          netns: `/proc/${initPid}/ns/net`,
          ifName,
          ...(e.config.ip ? { ip: e.config.ip } : {}),
          ...(e.config.mac ? { mac: e.config.mac } : {}),
          ...(i === gateway && marker.ports.length ? { portMappings: marker.ports } : {}),
        });
        states.push({ network: e.network, state });
      }
      r.state.networks = Object.fromEntries(states.map((s) => [s.network.id, s.state]));
      r.state.ports = marker.ports;
      await this.d.attached(r, states);
    } catch (e) {
      await this.down(r);
      throw e;
    }
  }

  /** Attaches a running container to one more network (docker network connect): the next free ethN. */
  async connect(r: NetworkedContainer, n: NetworkRecord, config: { ip?: string; mac?: string }): Promise<void> {
    const used = new Set(Object.values(r.state.networks ?? {}).map((s) => s.ifName));
    let i = 0;
    while (used.has(`eth${i}`)) i++;
    const marker = this.readMarker(r.id) ?? { endpoints: {}, ports: [] };
    marker.endpoints[n.id] = `eth${i}`;
    this.writeMarker(r.id, marker);
    try {
      // the default route comes with it when none of the container's networks gives one (all --internal)
      const routed = Object.keys(r.state.networks ?? {}).some((id) => this.d.network(id)?.internal === false);
      const state = await this.d.plugins(n, !routed && !n.internal).add({ containerId: r.id, netns: `/proc/${r.state.pid}/ns/net`, ifName: `eth${i}`, ...(config.ip ? { ip: config.ip } : {}), ...(config.mac ? { mac: config.mac } : {}) });
      r.state.networks = { ...r.state.networks, [n.id]: state };
    } catch (e) {
      await this.disconnect(r, n).catch(() => undefined);
      throw e;
    }
  }

  /** Detaches a running container from one network (docker network disconnect): its interface goes. */
  async disconnect(r: NetworkedContainer, n: NetworkRecord): Promise<void> {
    const marker = this.readMarker(r.id);
    const ifName = marker?.endpoints[n.id];
    if (!marker || !ifName) return;
    const mapped = portsNetwork(marker) === n.id;
    await this.d.plugins(n).del({ containerId: r.id, netns: r.state.pid ? `/proc/${r.state.pid}/ns/net` : "", ifName, ...(mapped && marker.ports.length ? { portMappings: marker.ports } : {}) });
    delete marker.endpoints[n.id];
    this.writeMarker(r.id, marker);
    if (r.state.networks) delete r.state.networks[n.id];
    // as dockerd: when the network that held the default route goes, the route moves to one the
    // container is still on (an --internal network gives none); it had none left (a new-user trial)
    const via = Object.entries(r.state.networks ?? {}).find(([id]) => {
      const left = this.d.network(id);
      return left !== undefined && !left.internal;
    })?.[1];
    if (r.state.pid && via?.gateway) this.d.keepDefaultRoute?.(r.state.pid, via);
  }

  /** Detaches a container whose process has ended (or never started): DEL on every network it was attached to. */
  async down(r: NetworkedContainer): Promise<void> {
    const marker = this.readMarker(r.id);
    this.d.ports.release(r.id);
    r.state.networks = undefined;
    r.state.ports = undefined;
    if (!marker) return;
    // the container has left its networks now (its namespace went with its processes): said at
    // once, as dockerd's disconnect events come, not once the plugins' DEL has ended
    this.d.detached(r, Object.keys(marker.endpoints).flatMap((id) => this.d.network(id) ?? []));
    const done = this.delAll(r.id, marker);
    for (const id of Object.keys(marker.endpoints)) this.pending.set(id, [...(this.pending.get(id) ?? []), done]);
    try {
      await done;
    } finally {
      for (const id of Object.keys(marker.endpoints)) {
        const left = (this.pending.get(id) ?? []).filter((p) => p !== done);
        if (left.length) this.pending.set(id, left);
        else this.pending.delete(id);
      }
    }
  }

  /** Per network: the detaches under way (a network is removed only once they are done). */
  private readonly pending = new Map<string, Promise<unknown>[]>();

  /** Resolves once no detach from the network is under way. */
  async settled(networkId: string): Promise<void> {
    await Promise.allSettled(this.pending.get(networkId) ?? []);
  }

  /** DEL on each network of the marker. */
  private async delAll(id: string, marker: Marker): Promise<void> {
    const ids = Object.keys(marker.endpoints);
    let failed = false;
    const veths: string[] = [];
    for (const networkId of ids) {
      const n = this.d.network(networkId);
      if (!n) continue; // (a network removed meanwhile took its plugins' state with it)
      const plugins = this.d.plugins(n);
      // (named by the ADD result, which DEL removes)
      const veth = plugins.hostInterface({ containerId: id, netns: "", ifName: marker.endpoints[networkId]! });
      if (veth) veths.push(veth);
      try {
        await plugins.del({ containerId: id, netns: "", ifName: marker.endpoints[networkId]!, ...(portsNetwork(marker) === networkId && marker.ports.length ? { portMappings: marker.ports } : {}) });
      } catch (e) {
        failed = true;
        log.warn(`container ${id}: detach from network ${n.name}: ${(e as Error).message}`);
      }
    }
    // a DEL that failed is tried again at the next daemon start
    if (!failed) rmSync(this.markerPath(id), { force: true });
    await this.vethsGone(id, veths);
  }

  /** Resolves once the host's side of each veth has gone with the ended namespace (DEL, given no
   *  namespace, leaves them to the kernel), or says which is still there after the wait. */
  private async vethsGone(id: string, veths: string[]): Promise<void> {
    const wait = this.d.vethGoneWait ?? VETH_GONE_WAIT;
    const end = Date.now() + wait;
    let left = veths.filter((v) => this.d.linkPresent(v));
    while (left.length && Date.now() < end) {
      await Bun.sleep(10);
      left = left.filter((v) => this.d.linkPresent(v));
    }
    // A namespace another container shares (--network container:) outlives this container's init:
    // its interface would stay there with the address DEL freed (a new-user trial: the owner's next
    // start got the same address and MAC twice). As dockerd takes the owner's interfaces out of the
    // sandbox, the veth goes now: its container end with it.
    for (const v of left) {
      try {
        this.d.removeLink?.(v);
      } catch (e) {
        log.warn(`container ${id}: remove its host interface ${v}: ${(e as Error).message}`);
      }
    }
    for (const v of left.filter((x) => this.d.linkPresent(x))) log.warn(`container ${id}: its host interface ${v} is still there ${Math.round(wait / 1000)} s after its network namespace ended; see it with \`ip link show ${v}\``);
  }

  /** The host-side veths of the running containers attached to network n (for a bridge made anew). */
  hostInterfacesOn(n: NetworkRecord, running: NetworkedContainer[]): { container: NetworkedContainer; veth: string }[] {
    const out: { container: NetworkedContainer; veth: string }[] = [];
    for (const r of running) {
      const ifName = this.readMarker(r.id)?.endpoints[n.id];
      const veth = ifName ? this.d.plugins(n).hostInterface({ containerId: r.id, netns: "", ifName }) : undefined;
      if (veth) out.push({ container: r, veth });
    }
    return out;
  }

  /** CHECK of each attachment of a running container; what fails is logged (the next start attaches it anew). */
  private async check(r: NetworkedContainer, marker: Marker): Promise<void> {
    const netns = `/proc/${r.state.pid}/ns/net`;
    for (const [networkId, ifName] of Object.entries(marker.endpoints)) {
      const n = this.d.network(networkId);
      // (a container that died meanwhile is the supervisor's: its exit detaches it)
      if (!n || !existsSync(netns)) continue;
      await this.d
        .plugins(n)
        .check({ containerId: r.id, netns, ifName })
        // portmap 1.1.1's CHECK looks for the IPv6 chains that IPv4-only mappings never get
        .catch((e: unknown) => (/portmap/.test((e as Error).message) && /ipv6/i.test((e as Error).message) ? undefined : Promise.reject(e)))
        .catch((e: unknown) => log.warn(`container ${r.name} (${r.id.slice(0, 12)}): its attachment to network ${n.name} is broken: ${(e as Error).message}; restart the container to attach it again`));
    }
  }

  /** At daemon start: ports held again for running containers; DEL for those that ended while no daemon ran. */
  async restore(records: NetworkedContainer[], isRunning: (r: NetworkedContainer) => boolean): Promise<void> {
    const byId = new Map(records.map((r) => [r.id, r]));
    let names: string[] = [];
    try {
      names = readdirSync(this.d.markerDir).filter((n) => /^[0-9a-f]{64}$/.test(n));
    } catch {
      return;
    }
    for (const id of names) {
      const r = byId.get(id);
      const marker = this.readMarker(id);
      if (!marker) continue;
      if (r && isRunning(r)) {
        try {
          if (marker.ports.length) await this.d.ports.reserve(id, marker.ports);
        } catch (e) {
          log.warn(`container ${id}: its published ports could not be held again: ${(e as Error).message}`);
        }
        // (in the background: a daemon's start does not wait for the plugins) a bridge deleted
        // meanwhile, a veth gone: reported, as the container is no longer reachable there
        void this.check(r, marker);
        continue;
      }
      await this.delAll(id, marker);
    }
  }
}
