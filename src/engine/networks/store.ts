// Network records in the engine's metadata database (schema version 5): a row per network holding
// its record as JSON, and network_endpoints, the containers on each (their configured endpoint:
// aliases, a fixed address), in the order they were connected; an endpoint goes with its
// container's row, and a network with endpoints is not removed.
import type { MetadataDb } from "../metadata/index.ts";
import type { EndpointConfig, NetworkRecord } from "./record.ts";

export interface StoredEndpoint {
  networkId: string;
  containerId: string;
  /** Connection order: the container's interfaces are eth0, eth1 … in this order. */
  seq: number;
  config: EndpointConfig;
}

interface EndpointRow {
  network_id: string;
  container_id: string;
  seq: number;
  config: string;
}

const endpoint = (r: EndpointRow): StoredEndpoint => ({ networkId: r.network_id, containerId: r.container_id, seq: r.seq, config: JSON.parse(r.config) as EndpointConfig });

export class NetworkStore {
  constructor(private readonly meta: MetadataDb) {}

  /** Adds the record unless its name is taken; false when taken. */
  insert(n: NetworkRecord): boolean {
    return this.meta.tx("engine", `record network ${n.name}`, () => {
      if (this.byName(n.name)) return false;
      this.meta.db.query("INSERT INTO networks (id, name, created, record) VALUES (?, ?, ?, ?)").run(n.id, n.name, n.created, JSON.stringify(n));
      return true;
    });
  }

  /** Writes a changed record (its id and name stay). */
  update(n: NetworkRecord): void {
    this.meta.tx("engine", `update network ${n.name}`, () => void this.meta.db.query("UPDATE networks SET record = ? WHERE id = ?").run(JSON.stringify(n), n.id));
  }

  get(id: string): NetworkRecord | undefined {
    const row = this.meta.db.query("SELECT record FROM networks WHERE id = ?").get(id) as { record: string } | null;
    return row ? (JSON.parse(row.record) as NetworkRecord) : undefined;
  }

  byName(name: string): NetworkRecord | undefined {
    const row = this.meta.db.query("SELECT record FROM networks WHERE name = ?").get(name) as { record: string } | null;
    return row ? (JSON.parse(row.record) as NetworkRecord) : undefined;
  }

  /** Ids starting with `prefix` (a prefix of a full id is one form of reference, as in docker). */
  idsWithPrefix(prefix: string): string[] {
    if (!/^[0-9a-f]+$/.test(prefix)) return [];
    return (this.meta.db.query("SELECT id FROM networks WHERE id >= ? AND id < ? ORDER BY id").all(prefix, `${prefix}g`) as { id: string }[]).map((r) => r.id);
  }

  all(): NetworkRecord[] {
    return (this.meta.db.query("SELECT record FROM networks ORDER BY created, name").all() as { record: string }[]).map((r) => JSON.parse(r.record) as NetworkRecord);
  }

  /** Removes the network unless containers are on it; returns those that kept it. */
  deleteUnused(id: string): string[] {
    return this.meta.tx("engine", `remove network ${id}`, () => {
      const users = this.endpointsOf(id).map((e) => e.containerId);
      if (!users.length) this.meta.db.query("DELETE FROM networks WHERE id = ?").run(id);
      return users;
    });
  }

  endpointsOf(networkId: string): StoredEndpoint[] {
    return (this.meta.db.query("SELECT * FROM network_endpoints WHERE network_id = ? ORDER BY seq").all(networkId) as EndpointRow[]).map(endpoint);
  }

  /** The container's endpoints in connection order. */
  endpointsOfContainer(containerId: string): StoredEndpoint[] {
    return (this.meta.db.query("SELECT * FROM network_endpoints WHERE container_id = ? ORDER BY seq").all(containerId) as EndpointRow[]).map(endpoint);
  }

  /** Every endpoint, in connection order per container. */
  allEndpoints(): StoredEndpoint[] {
    return (this.meta.db.query("SELECT * FROM network_endpoints ORDER BY container_id, seq").all() as EndpointRow[]).map(endpoint);
  }

  /** Connects the container (its row must exist); false when it is on the network already. */
  addEndpoint(networkId: string, containerId: string, config: EndpointConfig): boolean {
    return this.meta.tx("engine", `connect container ${containerId} to network ${networkId}`, () => {
      const had = this.meta.db.query("SELECT 1 FROM network_endpoints WHERE network_id = ? AND container_id = ?").get(networkId, containerId);
      if (had) return false;
      const next = (this.meta.db.query("SELECT coalesce(max(seq), -1) + 1 AS n FROM network_endpoints WHERE container_id = ?").get(containerId) as { n: number }).n;
      this.meta.db.query("INSERT INTO network_endpoints (network_id, container_id, seq, config) VALUES (?, ?, ?, ?)").run(networkId, containerId, next, JSON.stringify(config));
      return true;
    });
  }

  removeEndpoint(networkId: string, containerId: string): boolean {
    return this.meta.tx("engine", `disconnect container ${containerId} from network ${networkId}`, () => this.meta.db.query("DELETE FROM network_endpoints WHERE network_id = ? AND container_id = ?").run(networkId, containerId).changes > 0);
  }
}
