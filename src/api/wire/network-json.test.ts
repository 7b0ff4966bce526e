import { expect, test } from "bun:test";
import type { NetworkRecord, NetworkView } from "../../engine/networks/index.ts";
import { endpointId, endpointSettingsJson, networkJson } from "./network-json.ts";

const record = (o: Partial<NetworkRecord> = {}): NetworkRecord => ({
  id: "a".repeat(64), name: "web", driver: "bridge", created: "2026-12-05T17:00:00.123456789Z", bridge: "sk-aaaaaaaaaaaa", subnet: "172.18.0.0/16", gateway: "172.18.0.1", internal: false, labels: {}, options: {}, predefined: false, ...o,
});
const state = { ip: "172.18.0.2", prefixLength: 16, gateway: "172.18.0.1", mac: "02:42:ac:12:00:02", ifName: "eth0" };

test("a user-defined network in dockerd's shape, with its running containers' endpoints", () => {
  const v: NetworkView = { record: record({ ipRange: "172.18.1.0/24", labels: { a: "b" }, options: { "com.docker.network.bridge.name": "br9" } }), containers: [{ id: "c".repeat(64), name: "one", config: { aliases: [] }, state }, { id: "d".repeat(64), name: "stopped", config: { aliases: [] } }] };
  expect(networkJson(v)).toEqual({
    Name: "web", Id: "a".repeat(64), Created: "2026-12-05T17:00:00.123456789Z", Scope: "local", Driver: "bridge", EnableIPv4: true, EnableIPv6: false,
    IPAM: { Driver: "default", Options: {}, Config: [{ Subnet: "172.18.0.0/16", IPRange: "172.18.1.0/24", Gateway: "172.18.0.1" }] },
    Internal: false, Attachable: false, Ingress: false, ConfigFrom: { Network: "" }, ConfigOnly: false,
    Containers: { ["c".repeat(64)]: { Name: "one", EndpointID: endpointId("a".repeat(64), "c".repeat(64)), MacAddress: "02:42:ac:12:00:02", IPv4Address: "172.18.0.2/16", IPv6Address: "" } },
    Options: { "com.docker.network.bridge.name": "br9" }, Labels: { a: "b" },
  });
  // a list leaves Containers empty, as dockerd's GET /networks; IPRange only when given
  expect(networkJson({ record: record(), containers: v.containers }, { containers: false })).toMatchObject({ Containers: {}, IPAM: { Config: [{ Subnet: "172.18.0.0/16", Gateway: "172.18.0.1" }] } });
});

test("the default network shows docker0's driver options with skiffd's device", () => {
  const j = networkJson({ record: record({ name: "bridge", predefined: true, bridge: "skiff0" }), containers: [] });
  expect(j.Options).toMatchObject({ "com.docker.network.bridge.default_bridge": "true", "com.docker.network.bridge.name": "skiff0" });
  expect((j.IPAM as { Options: unknown }).Options).toBeNull();
});

test("an endpoint id is 64 hex digits, the same for the same network and container", () => {
  expect(endpointId("n", "c")).toMatch(/^[0-9a-f]{64}$/);
  expect(endpointId("n", "c")).toBe(endpointId("n", "c"));
  expect(endpointId("n", "c")).not.toBe(endpointId("n", "d"));
});

test("EndpointSettings: configuration always, addresses while running, DNSNames and (API 1.41's) the short id in Aliases on a user-defined network", () => {
  const running = endpointSettingsJson("n".repeat(64), "c".repeat(64), { aliases: ["db"], ip: "172.18.0.9" }, state, { userDefined: true, containerName: "one" });
  expect(running).toMatchObject({ IPAMConfig: { IPv4Address: "172.18.0.9" }, Aliases: ["db", "cccccccccccc"], NetworkID: "n".repeat(64), EndpointID: endpointId("n".repeat(64), "c".repeat(64)), Gateway: "172.18.0.1", IPAddress: "172.18.0.2", IPPrefixLen: 16, MacAddress: "02:42:ac:12:00:02", DNSNames: ["one", "db", "cccccccccccc"] });
  const stopped = endpointSettingsJson("n".repeat(64), "c".repeat(64), { aliases: [], mac: "02:00:00:00:00:01" }, undefined, { userDefined: false });
  expect(stopped).toMatchObject({ IPAMConfig: null, Aliases: null, EndpointID: "", IPAddress: "", IPPrefixLen: 0, Gateway: "", MacAddress: "02:00:00:00:00:01", DNSNames: null });
});
