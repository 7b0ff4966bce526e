// A NetworkServiceApi in memory, for tests of the network routes and their clients: networks by
// name, id or id prefix, the predefined "bridge", subnets handed out from 172.18.0.0/16 up, and
// endpoints recorded by connect (with an address, as a running container's). Its refusals carry
// dockerd's words. Test code only.
import { createHash } from "node:crypto";
import { SkiffError, type ErrorKind } from "../../common/errors.ts";
import type { EndpointConfig, EndpointState, NetworkCreateRequest, NetworkRecord, NetworkServiceApi, NetworkView } from "../../engine/networks/index.ts";

const err = (kind: ErrorKind, code: string, message: string) => new SkiffError({ layer: "engine", kind, code, message, hint: "(fake)" });

const forbidden = (e: SkiffError): SkiffError => new SkiffError({ layer: e.layer, code: e.code, kind: e.kind, message: e.message, details: { ...e.details, httpStatus: 403 } });

export class FakeNetworks implements NetworkServiceApi {
  readonly networks: NetworkRecord[] = [];
  readonly endpoints = new Map<string, { id: string; name: string; config: EndpointConfig; state?: EndpointState }[]>();
  /** Container names by id, for connect (any other container is "No such container"). */
  readonly knownContainers = new Map<string, string>();
  private next = 18;

  constructor() {
    this.add({ name: "bridge", subnet: "172.17.0.0/16", gateway: "172.17.0.1", predefined: true, bridge: "skiff0" });
  }

  private add(o: Partial<NetworkRecord> & { name: string; subnet: string; gateway: string }): NetworkRecord {
    const id = createHash("sha256").update(`net:${o.name}:${this.networks.length}`).digest("hex");
    const r: NetworkRecord = { id, driver: "bridge", created: "2026-12-05T17:00:00.123456789Z", bridge: `sk-${id.slice(0, 12)}`, internal: false, labels: {}, options: {}, predefined: false, ...o };
    this.networks.push(r);
    this.endpoints.set(id, []);
    return r;
  }

  private find(ref: string): NetworkRecord {
    const r = this.networks.find((n) => n.id === ref || n.name === ref) ?? this.networks.filter((n) => n.id.startsWith(ref)).at(0);
    if (!r) throw err("not_found", "ENGINE_NETWORK_NOT_FOUND", `network ${ref} not found`);
    return r;
  }

  private view(r: NetworkRecord): NetworkView {
    return { record: r, containers: this.endpoints.get(r.id) ?? [] };
  }

  list(filters: Record<string, string[]> = {}): NetworkView[] {
    return this.networks
      .filter((n) => !filters.name || filters.name.some((x) => n.name.includes(x)))
      .filter((n) => !filters.id || filters.id.some((x) => n.id.startsWith(x)))
      .filter((n) => !filters.driver || filters.driver.includes(n.driver))
      .filter((n) => !filters.type || filters.type.includes(n.predefined ? "builtin" : "custom"))
      .filter((n) => !filters.label || filters.label.every((l) => (l.includes("=") ? n.labels[l.split("=")[0]!] === l.slice(l.indexOf("=") + 1) : l in n.labels)))
      .map((n) => this.view(n));
  }

  inspect(ref: string): NetworkView {
    return this.view(this.find(ref));
  }

  create(req: NetworkCreateRequest): NetworkRecord {
    if (this.networks.some((n) => n.name === req.name)) throw err("already_exists", "ENGINE_NETWORK_EXISTS", `network with name ${req.name} already exists`);
    if (req.driver && req.driver !== "bridge") throw err("invalid_argument", "ENGINE_NETWORK_DRIVER", `could not find plugin ${req.driver} in v1 plugin registry: plugin not found`);
    const subnet = req.subnet ?? `172.${this.next++}.0.0/16`;
    if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(subnet)) throw err("invalid_argument", "ENGINE_NETWORK_SUBNET_INVALID", `invalid CIDR address: ${subnet}`);
    const gateway = req.gateway ?? subnet.replace(/\.0\/\d+$/, ".1");
    return this.add({ name: req.name, subnet, gateway, ...(req.ipRange ? { ipRange: req.ipRange } : {}), internal: req.internal ?? false, labels: req.labels ?? {}, options: req.options ?? {}, ...(req.options?.["com.docker.network.bridge.name"] ? { bridge: req.options["com.docker.network.bridge.name"] } : {}) });
  }

  async remove(ref: string): Promise<void> {
    const r = this.find(ref);
    // (dockerd's 403, as the engine's errors name it)
    if (r.predefined) throw forbidden(err("failed_precondition", "ENGINE_NETWORK_PREDEFINED", `${r.name} is a pre-defined network and cannot be removed`));
    if (this.endpoints.get(r.id)!.length) throw forbidden(err("failed_precondition", "ENGINE_NETWORK_IN_USE", `error while removing network: network ${r.name} id ${r.id} has active endpoints`));
    this.networks.splice(this.networks.indexOf(r), 1);
    this.endpoints.delete(r.id);
  }

  async prune(filters: Record<string, string[]> = {}): Promise<{ deleted: string[] }> {
    const gone = this.list({ ...(filters.label ? { label: filters.label } : {}) }).filter((v) => !v.record.predefined && !v.containers.length);
    for (const v of gone) await this.remove(v.record.id);
    return { deleted: gone.map((v) => v.record.name) };
  }

  async connect(network: string, container: string, config: EndpointConfig): Promise<void> {
    const r = this.find(network);
    const id = [...this.knownContainers.keys()].find((k) => k === container || this.knownContainers.get(k) === container);
    if (!id) throw err("not_found", "ENGINE_CONTAINER_NOT_FOUND", `No such container: ${container}`);
    const list = this.endpoints.get(r.id)!;
    if (list.some((e) => e.id === id)) throw err("conflict", "ENGINE_NETWORK_ALREADY_CONNECTED", `endpoint with name ${this.knownContainers.get(id)} already exists in network ${r.name}`);
    const ip = config.ip ?? r.subnet.replace(/\.0\/\d+$/, `.${list.length + 2}`);
    list.push({ id, name: this.knownContainers.get(id)!, config, state: { ip, prefixLength: Number(r.subnet.split("/")[1]), gateway: r.gateway, mac: config.mac ?? "02:42:ac:12:00:02", ifName: "eth0" } });
  }

  async disconnect(network: string, container: string): Promise<void> {
    const r = this.find(network);
    const list = this.endpoints.get(r.id)!;
    const i = list.findIndex((e) => e.id === container || e.name === container);
    if (i < 0) throw err("conflict", "ENGINE_NETWORK_NOT_CONNECTED", `container ${container} is not connected to network ${r.name}`);
    list.splice(i, 1);
  }
}
