import { expect, test } from "bun:test";
import type { NetworkRecord } from "../record.ts";
import { bridgeConflist } from "./conflist.ts";

const record = (over: Partial<NetworkRecord> = {}): NetworkRecord => ({
  id: "a".repeat(64), name: "web", driver: "bridge", created: "2026-12-05T00:00:00.000000000Z", bridge: "sk-aaaaaaaaaaaa",
  subnet: "172.18.0.0/16", gateway: "172.18.0.1", internal: false, labels: {}, options: {}, predefined: false, ...over,
});

test("a bridge network: bridge with host-local (no masquerade: the network's own rules do it), portmap, at CNI 1.0.0, named by the network's id", () => {
  expect(bridgeConflist(record(), { ipamDataDir: "/var/lib/skiff/ipam" })).toEqual({
    cniVersion: "1.0.0",
    name: "a".repeat(64),
    plugins: [
      {
        type: "bridge", bridge: "sk-aaaaaaaaaaaa", isGateway: true, isDefaultGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: "host-local", ranges: [[{ subnet: "172.18.0.0/16", gateway: "172.18.0.1" }]], dataDir: "/var/lib/skiff/ipam" },
        capabilities: { ips: true, mac: true },
      },
      { type: "portmap", snat: true, capabilities: { portMappings: true } },
    ],
  });
});

test("an internal network has no default route and no masquerade, but keeps the gateway address on the bridge", () => {
  const bridge = bridgeConflist(record({ internal: true }), { ipamDataDir: "/d" }).plugins[0]!;
  expect(bridge).toMatchObject({ isGateway: true, isDefaultGateway: false, ipMasq: false });
  expect(JSON.stringify(bridge)).not.toContain("routes");
});

test("--ip-range bounds host-local's range, keeping off the subnet's network and broadcast addresses", () => {
  const range = (subnet: string, ipRange: string) =>
    (bridgeConflist(record({ subnet, ipRange }), { ipamDataDir: "/d" }).plugins[0]!.ipam as { ranges: Record<string, string>[][] }).ranges[0]![0];
  expect(range("172.28.0.0/16", "172.28.5.0/24")).toMatchObject({ rangeStart: "172.28.5.0", rangeEnd: "172.28.5.255" });
  expect(range("10.1.0.0/24", "10.1.0.0/25")).toMatchObject({ rangeStart: "10.1.0.1", rangeEnd: "10.1.0.127" });
  expect(range("10.1.0.0/24", "10.1.0.128/25")).toMatchObject({ rangeStart: "10.1.0.128", rangeEnd: "10.1.0.254" });
});

test("a container's second network gives it no default route (one, its first network's); an MTU from -o com.docker.network.driver.mtu", () => {
  expect(bridgeConflist(record(), { ipamDataDir: "/d", defaultRoute: false }).plugins[0]).toMatchObject({ isDefaultGateway: false });
  expect(bridgeConflist(record({ options: { "com.docker.network.driver.mtu": "1400" } }), { ipamDataDir: "/d" }).plugins[0]).toMatchObject({ mtu: 1400 });
  expect(bridgeConflist(record({ options: { "com.docker.network.driver.mtu": "x" } }), { ipamDataDir: "/d" }).plugins[0]).not.toHaveProperty("mtu");
});
