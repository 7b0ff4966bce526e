import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSkiffError } from "../../common/errors.ts";
import { MetadataDb } from "../metadata/index.ts";
import { parseCidr } from "./addresses.ts";
import type { NetworkedContainer } from "./record.ts";
import { NetworkService, type NetworkServiceOptions } from "./service.ts";

let dir: string;
let meta: MetadataDb;
let containers: Map<string, NetworkedContainer>;
let events: string[];
let removed: string[];
let live: string[];

const container = (id: string, name: string, status = "created"): NetworkedContainer => {
  const c: NetworkedContainer = { id: id.padEnd(64, "0"), name, hostname: id.slice(0, 12), options: {}, state: { status, pid: status === "running" ? 4242 : 0 } };
  containers.set(c.id, c);
  // the endpoints table refers to the containers table
  meta.db.query("INSERT INTO containers (id, name, image_id, created, record) VALUES (?, ?, 'img', 'now', '{}')").run(c.id, name);
  return c;
};

function service(o: Partial<NetworkServiceOptions> = {}): NetworkService {
  return new NetworkService({
    metadata: meta,
    defaultBridge: { device: "skiff0" },
    containers: {
      resolve: (ref) => {
        const c = [...containers.values()].find((x) => x.id === ref || x.name === ref || x.id.startsWith(ref));
        if (!c) throw new Error(`no such container ${ref}`);
        return c;
      },
      get: (id) => containers.get(id),
    },
    live: {
      connect: async (r, n) => void live.push(`connect ${r.name} ${n.name}`),
      disconnect: async (r, n) => void live.push(`disconnect ${r.name} ${n.name}`),
    },
    hostRoutes: () => [parseCidr("172.17.0.0/16"), parseCidr("192.0.2.0/24")],
    removed: async (n) => void removed.push(n.name),
    emit: (action, n) => void events.push(`${action} ${n.name}`),
    ...o,
  });
}

const err = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (isSkiffError(e)) return e;
    throw e;
  }
  throw new Error("no error");
};
const rejects = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (isSkiffError(e)) return e;
    throw e;
  }
  throw new Error("no error");
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "skiff-networks-"));
  meta = new MetadataDb(dir);
  containers = new Map();
  events = [];
  removed = [];
  live = [];
});
afterEach(() => {
  meta.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the default network takes the first of docker's pools that no host route overlaps, once", () => {
  const s = service();
  const n = s.ensureDefault();
  expect(n).toMatchObject({ name: "bridge", bridge: "skiff0", subnet: "172.18.0.0/16", gateway: "172.18.0.1", predefined: true });
  expect(s.ensureDefault().id).toBe(n.id);
  // and docker's other predefined networks, host and none (no device, no addresses)
  expect(s.list().map((v) => `${v.record.name} ${v.record.driver} ${v.record.predefined}`).sort()).toEqual(["bridge bridge true", "host host true", "none null true"]);
});

test("--bip sets the default network's gateway and subnet, and a new --bip or --bridge at the next start changes them", () => {
  expect(service({ defaultBridge: { device: "br9", bip: "10.9.8.1/24" } }).ensureDefault()).toMatchObject({ bridge: "br9", subnet: "10.9.8.0/24", gateway: "10.9.8.1" });
  expect(service({ defaultBridge: { device: "br7", bip: "10.9.7.254/24" } }).ensureDefault()).toMatchObject({ bridge: "br7", subnet: "10.9.7.0/24", gateway: "10.9.7.254" });
  expect(err(() => service({ defaultBridge: { device: "b", bip: "10.0.0.1" } }).ensureDefault()).code).toBe("ENGINE_NETWORK_INVALID");
});

test("create: a free pool or the given subnet; names unique; an overlapping subnet, a gateway outside it, another driver are refused", () => {
  const s = service();
  s.ensureDefault();
  const a = s.create({ name: "a" });
  expect(a).toMatchObject({ subnet: "172.19.0.0/16", gateway: "172.19.0.1", bridge: `sk-${a.id.slice(0, 12)}`, predefined: false });
  const b = s.create({ name: "b", subnet: "10.1.0.0/24", gateway: "10.1.0.254", ipRange: "10.1.0.128/25", labels: { k: "v" }, internal: true });
  expect(b).toMatchObject({ subnet: "10.1.0.0/24", gateway: "10.1.0.254", ipRange: "10.1.0.128/25", internal: true, labels: { k: "v" } });
  expect(err(() => s.create({ name: "a" })).message).toBe("network with name a already exists");
  expect(err(() => s.create({ name: "c", subnet: "10.1.0.0/16" })).message).toContain("Pool overlaps with other one on this address space");
  expect(err(() => s.create({ name: "c", subnet: "10.2.0.0/24", gateway: "10.3.0.1" })).message).toContain("doesn't contain this address");
  expect(err(() => s.create({ name: "c", driver: "overlay" })).kind).toBe("not_found");
  expect(err(() => s.create({ name: "bad/name" })).code).toBe("ENGINE_NETWORK_INVALID");
  expect(err(() => s.create({ name: "c", options: { "com.docker.network.bridge.name": "a-name-far-too-long" } })).code).toBe("ENGINE_NETWORK_INVALID");
  expect(events).toEqual(["create a", "create b"]);
});

test("inspect by name, full id and unique id prefix; an unknown one is docker's 404", () => {
  const s = service();
  const n = s.create({ name: "net1", subnet: "10.5.0.0/24" });
  expect(s.inspect("net1").record.id).toBe(n.id);
  expect(s.inspect(n.id).record.name).toBe("net1");
  expect(s.inspect(n.id.slice(0, 6)).record.name).toBe("net1");
  const e = err(() => s.inspect("nope"));
  expect([e.kind, e.message]).toEqual(["not_found", "network nope not found"]);
});

test("endpoints: NetworkMode's network first; --ip only on user-defined networks and inside the subnet; aliases not on the default network", () => {
  const s = service();
  s.ensureDefault();
  const n = s.create({ name: "app", subnet: "10.6.0.0/24" });
  expect(s.endpointsFor({}).map((e) => e.network.name)).toEqual(["bridge"]);
  expect(s.endpointsFor({ network: "none" })).toEqual([]);
  expect(s.endpointsFor({ network: "host" })).toEqual([]);
  expect(s.endpointsFor({ network: "container:abc" })).toEqual([]);
  const eps = s.endpointsFor({ network: "app", endpoints: { app: { aliases: ["db"], ip: "10.6.0.9" }, bridge: { aliases: [] } } });
  expect(eps.map((e) => [e.network.id, e.config])).toEqual([
    [n.id, { aliases: ["db"], ip: "10.6.0.9" }],
    [s.inspect("bridge").record.id, { aliases: [] }],
  ]);
  expect(err(() => s.endpointsFor({ network: "app", endpoints: { app: { aliases: [], ip: "10.7.0.9" } } })).message).toContain("no configured subnet or ip-range contain the IP address 10.7.0.9");
  expect(err(() => s.endpointsFor({ network: "app", endpoints: { app: { aliases: [], ip: "10.6.0.1" } } })).code).toBe("ENGINE_NETWORK_ADDRESS_IN_USE");
  expect(err(() => s.endpointsFor({ endpoints: { bridge: { aliases: [], ip: "172.18.0.9" } } })).message).toContain("user specified IP address is supported on user defined networks only");
  expect(err(() => s.endpointsFor({ endpoints: { bridge: { aliases: ["x"] } } })).message).toContain("network-scoped alias is supported only for containers in user defined networks");
  expect(err(() => s.endpointsFor({ network: "nope" })).message).toBe("network nope not found");
  for (const bad of ["has space", "-lead", "trail-", "a..b", "x".repeat(64), "semi;colon", ""])
    expect(err(() => s.endpointsFor({ network: "app", endpoints: { app: { aliases: [bad] } } })).message).toContain("not a valid DNS name");
  expect(s.endpointsFor({ network: "app", endpoints: { app: { aliases: ["db", "db.internal", "my_db-1"] } } })[0]!.config.aliases).toEqual(["db", "db.internal", "my_db-1"]);
});

test("rm: refused for the default network and for one with containers; removes the rest; prune takes the unused user-defined ones", async () => {
  const s = service();
  const def = s.ensureDefault();
  const used = s.create({ name: "used", subnet: "10.8.0.0/24" });
  s.create({ name: "idle", subnet: "10.8.1.0/24", labels: { keep: "yes" } });
  s.create({ name: "idle2", subnet: "10.8.2.0/24" });
  const c = container("c1", "one");
  s.store.addEndpoint(used.id, c.id, { aliases: [] });
  expect((await rejects(s.remove("bridge"))).message).toBe("bridge is a pre-defined network and cannot be removed");
  expect((await rejects(s.remove("used"))).message).toBe("error while removing network: network used is named by containers that are not running: one");
  c.state.pid = 99;
  expect((await rejects(s.remove("used"))).message).toBe(`error while removing network: network used id ${used.id} has active endpoints`);
  expect((await s.prune({ "label!": ["keep"] })).deleted).toEqual(["idle2"]);
  await s.remove("idle");
  expect(removed).toEqual(["idle2", "idle"]);
  expect(s.list().map((v) => v.record.name).sort()).toEqual(["bridge", "host", "none", "used"]);
  // the container's row goes: so do its endpoints
  meta.db.query("DELETE FROM containers WHERE id = ?").run(c.id);
  await s.remove("used");
  expect(s.list().map((v) => v.record.name).sort()).toEqual(["bridge", "host", "none"]);
  expect(s.inspect("bridge").record.id).toBe(def.id);
});

test("connect and disconnect: recorded; a running container is attached and detached at once; twice is refused; host mode cannot connect", async () => {
  const s = service();
  s.ensureDefault();
  s.create({ name: "n", subnet: "10.9.0.0/24" });
  const stopped = container("aa", "stopped");
  const running = container("bb", "running", "running");
  await s.connect("n", "stopped", { aliases: ["x"] });
  await s.connect("n", "running", { aliases: [] });
  expect(live).toEqual(["connect running n"]);
  expect((await rejects(s.connect("n", "running", { aliases: [] }))).message).toBe("endpoint with name running already exists in network n");
  expect(s.inspect("n").containers.map((c) => [c.name, c.config.aliases])).toEqual([
    ["stopped", ["x"]],
    ["running", []],
  ]);
  running.state.networks = { [s.inspect("n").record.id]: { ip: "10.9.0.2", prefixLength: 24, gateway: "10.9.0.1", mac: "02:00:00:00:00:01", ifName: "eth1" } };
  await s.disconnect("n", "running");
  expect(live).toEqual(["connect running n", "disconnect running n"]);
  expect((await rejects(s.disconnect("n", "running"))).code).toBe("ENGINE_NETWORK_NOT_CONNECTED");
  await s.disconnect("n", "running", true);
  await s.disconnect("gone", "running", true);
  const host = container("cc", "hosted");
  host.options.network = "host";
  expect((await rejects(s.connect("n", "hosted", { aliases: [] }))).code).toBe("ENGINE_NETWORK_MODE");
  expect(events).toEqual(["create n", "connect n", "connect n", "disconnect n"]);
  void stopped;
});

test("ls filters: name, id, driver, type, label, dangling (their keys and values are checked by the API)", () => {
  const s = service();
  s.ensureDefault();
  s.create({ name: "front", subnet: "10.10.0.0/24", labels: { tier: "web" } });
  s.create({ name: "back", subnet: "10.10.1.0/24" });
  const names = (f: Record<string, string[]>) => s.list(f).map((v) => v.record.name).sort();
  expect(names({ name: ["ront"] })).toEqual(["front"]);
  expect(names({ type: ["builtin"] })).toEqual(["bridge", "host", "none"]);
  expect(names({ type: ["custom"] })).toEqual(["back", "front"]);
  expect(names({ label: ["tier=web"] })).toEqual(["front"]);
  expect(names({ dangling: ["true"] })).toEqual(["back", "front"]);
  expect(names({ driver: ["bridge"], id: [s.inspect("back").record.id.slice(0, 8)] })).toEqual(["back"]);
  expect(names({ dangling: ["false"] })).toEqual(["bridge", "host", "none"]);
});
