// A container's network parts on the wire: inspect's NetworkSettings and HostConfig network fields,
// Config.ExposedPorts, and the containers list's Ports and NetworkSettings, from the record's
// options and run state and the networks the service says it is on.
import { expect, test } from "bun:test";
import type { ContainerRecord } from "../../engine/containers/index.ts";
import { containerJson, containerSummary } from "./container-json.ts";
import { containerNetworksIndex, type ContainerNetwork } from "./container-network-json.ts";
import { endpointId } from "./network-json.ts";

const BRIDGE = "b".repeat(64);
const FRONT = "f".repeat(64);
const ID = "a".repeat(64);
const base = (o: Partial<ContainerRecord> = {}, state: Partial<ContainerRecord["state"]> = {}): ContainerRecord =>
  ({
    id: ID, name: "web", image: "busybox", imageId: "sha256:x", created: "2026-01-01T00:00:00Z", imageConfig: { ExposedPorts: ["443/tcp"], Env: [], Volumes: [], Labels: {} },
    options: {}, path: "sh", args: [], hostname: "h", runtime: "skiff", files: { bundle: "", stateDir: "", logPath: "", hostnamePath: "", hostsPath: "", resolvConfPath: "" },
    state: { status: "running", pid: 42, exitCode: 0, error: "", oomKilled: false, startedAt: "2026-01-01T00:00:00Z", finishedAt: "0001-01-01T00:00:00Z", ...state }, restartCount: 0, ...o,
  }) as ContainerRecord;
const onBridge: ContainerNetwork[] = [{ id: BRIDGE, name: "bridge", config: { aliases: [] }, userDefined: false }];
const ep = { ip: "172.17.0.2", prefixLength: 16, gateway: "172.17.0.1", mac: "02:42:ac:11:00:02", ifName: "eth0" };
type Json = Record<string, Record<string, unknown>>;

test("on the default bridge while running: its endpoint under Networks.bridge and at the top level; Ports with published and exposed-only ports", () => {
  const r = base({ options: { network: "bridge", portBindings: { "80/tcp": [{ hostIp: "", hostPort: "8080" }] } } }, { networks: { [BRIDGE]: ep }, ports: [{ hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80, protocol: "tcp" }] });
  const ns = (containerJson(r, onBridge) as Json).NetworkSettings!;
  expect(ns).toMatchObject({ IPAddress: "172.17.0.2", IPPrefixLen: 16, Gateway: "172.17.0.1", MacAddress: "02:42:ac:11:00:02", EndpointID: endpointId(BRIDGE, ID), SandboxKey: "/proc/42/ns/net" });
  expect(ns.Ports).toEqual({ "443/tcp": null, "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }] });
  expect((ns.Networks as Json).bridge).toMatchObject({ NetworkID: BRIDGE, IPAddress: "172.17.0.2", DNSNames: null, Aliases: null });
  const hc = (containerJson(r, onBridge) as Json).HostConfig!;
  expect(hc).toMatchObject({ NetworkMode: "bridge", PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] }, PublishAllPorts: false, Dns: [], DnsSearch: [], DnsOptions: [], ExtraHosts: null });
  expect((containerJson(r, onBridge) as Json).Config!.ExposedPorts).toEqual({ "443/tcp": {}, "80/tcp": {} });
  // docker ps: the binding, then the exposed port no one publishes
  const s = containerSummary(r, Date.now(), onBridge) as Json;
  expect(s.Ports as unknown).toEqual([{ PrivatePort: 443, Type: "tcp" }, { IP: "0.0.0.0", PrivatePort: 80, PublicPort: 8080, Type: "tcp" }]);
  expect((s.NetworkSettings!.Networks as Json).bridge).toMatchObject({ IPAddress: "172.17.0.2" });
});

test("stopped: the networks stay listed without addresses; no ports, no sandbox", () => {
  const r = base({ options: { network: "bridge" } }, { status: "exited", pid: 0, networks: { [BRIDGE]: ep } });
  const ns = (containerJson(r, onBridge) as Json).NetworkSettings!;
  expect(ns).toMatchObject({ IPAddress: "", Ports: {}, SandboxKey: "" });
  expect((ns.Networks as Json).bridge).toMatchObject({ NetworkID: BRIDGE, IPAddress: "", EndpointID: "" });
  expect(containerSummary(r, Date.now(), onBridge).Ports).toEqual([]);
});

test("on user-defined networks: each by name with aliases and DNSNames; nothing at the top level", () => {
  const nets: ContainerNetwork[] = [{ id: FRONT, name: "front", config: { aliases: ["www"], ip: "10.9.0.5" }, userDefined: true }];
  const r = base({ options: { network: "front", dns: ["1.1.1.1"], dnsSearch: ["x.org"], dnsOptions: ["ndots:2"], extraHosts: ["h:1.2.3.4"] } }, { networks: { [FRONT]: { ...ep, ip: "10.9.0.5", gateway: "10.9.0.1" } } });
  const j = containerJson(r, nets) as Json;
  expect(j.NetworkSettings).toMatchObject({ IPAddress: "", Gateway: "" });
  expect((j.NetworkSettings!.Networks as Json).front).toMatchObject({ IPAMConfig: { IPv4Address: "10.9.0.5" }, Aliases: ["www", "aaaaaaaaaaaa"], DNSNames: ["web", "www", "aaaaaaaaaaaa"], IPAddress: "10.9.0.5", Gateway: "10.9.0.1" });
  expect(j.HostConfig).toMatchObject({ NetworkMode: "front", Dns: ["1.1.1.1"], DnsSearch: ["x.org"], DnsOptions: ["ndots:2"], ExtraHosts: ["h:1.2.3.4"] });
});

test("host and none are listed as dockerd lists them; container:X has no networks and no ports", () => {
  expect(Object.keys((containerJson(base({ options: { network: "host" } })) as Json).NetworkSettings!.Networks as object)).toEqual(["host"]);
  expect(Object.keys((containerJson(base({ options: { network: "none" } })) as Json).NetworkSettings!.Networks as object)).toEqual(["none"]);
  const shared = containerJson(base({ options: { network: "container:db" } })) as Json;
  expect([shared.NetworkSettings!.Networks, shared.NetworkSettings!.Ports, shared.HostConfig!.NetworkMode]).toEqual([{}, {}, "container:db"]);
});

test("the service's networks become each container's list", () => {
  const index = containerNetworksIndex([
    { record: { id: BRIDGE, name: "bridge", predefined: true } as never, containers: [{ id: ID, name: "web", config: { aliases: [] } }] },
    { record: { id: FRONT, name: "front", predefined: false } as never, containers: [{ id: ID, name: "web", config: { aliases: ["x"] } }, { id: "c".repeat(64), name: "other", config: { aliases: [] } }] },
  ]);
  expect(index.get(ID)).toEqual([{ id: BRIDGE, name: "bridge", config: { aliases: [] }, userDefined: false }, { id: FRONT, name: "front", config: { aliases: ["x"] }, userDefined: true }]);
  expect(index.get("c".repeat(64))?.map((n) => n.name)).toEqual(["front"]);
});
