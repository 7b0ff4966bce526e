import { expect, test } from "bun:test";
import fc from "fast-check";
import type { ContainerCreateBody } from "./container-create.ts";
import { mapCreateBody } from "./container-options.ts";
import { NETWORK_OPTIONS_PROPERTIES } from "./network-options.fuzz.ts";
import { networkOptionsOf } from "./network-options.ts";

/** docker 28's endpoint for a network with nothing set. */
const ZERO = { IPAMConfig: null, Links: null, Aliases: null, MacAddress: "", DriverOpts: null, GwPriority: 0, NetworkID: "", EndpointID: "", Gateway: "", IPAddress: "", IPPrefixLen: 0, IPv6Gateway: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0, DNSNames: null };
const options = (b: Record<string, unknown>, warnings: string[] = []) => networkOptionsOf({ Image: "busybox", ...b } as ContainerCreateBody, warnings);
const refusal = (b: Record<string, unknown>) => {
  try {
    options(b);
  } catch (e) {
    return { field: (e as { details: { field: string } }).details.field, message: (e as Error).message };
  }
  return undefined;
};

test("no --network: the default bridge, with docker 28's zero endpoint for it dropped", () => {
  expect(options({ HostConfig: { NetworkMode: "default" }, NetworkingConfig: { EndpointsConfig: { default: ZERO } } })).toEqual({ network: "bridge", endpoints: { bridge: { aliases: [] } } });
  expect(options({})).toEqual({ network: "bridge" });
  expect(options({ HostConfig: { NetworkMode: "none" }, NetworkingConfig: { EndpointsConfig: {} } })).toEqual({ network: "none" });
  expect(options({ HostConfig: { NetworkMode: "host" } })).toEqual({ network: "host" });
  expect(options({ HostConfig: { NetworkMode: "container:db" } })).toEqual({ network: "container:db" });
});

test("a user-defined network with --network-alias and --ip, and a second network, as docker 28 sends them", () => {
  const b = { HostConfig: { NetworkMode: "front" }, NetworkingConfig: { EndpointsConfig: { front: { ...ZERO, Aliases: ["www", "web"], IPAMConfig: { IPv4Address: "10.9.0.5" } }, back: ZERO } } };
  expect(options(b)).toEqual({ network: "front", endpoints: { front: { aliases: ["www", "web"], ip: "10.9.0.5" }, back: { aliases: [] } } });
});

test("--link: the default bridge's as /etc/hosts records; a user-defined network's on its endpoint, as docker 28 sends them (in both places), once each", () => {
  expect(options({ HostConfig: { Links: ["web:w"] } })).toEqual({ network: "bridge", links: [{ container: "web", alias: "w" }] });
  // docker 28's --network bridge --link: the endpoint's copy is the default bridge's legacy link, not kept twice
  expect(options({ HostConfig: { NetworkMode: "bridge", Links: ["web:w"] }, NetworkingConfig: { EndpointsConfig: { bridge: { ...ZERO, Links: ["web:w"] } } } })).toEqual({ network: "bridge", endpoints: { bridge: { aliases: [] } }, links: [{ container: "web", alias: "w" }] });
  const b = { HostConfig: { NetworkMode: "front", Links: ["web:w", "/db"] }, NetworkingConfig: { EndpointsConfig: { front: { ...ZERO, Links: ["web:w", "db"] } } } };
  expect(options(b)).toEqual({ network: "front", endpoints: { front: { aliases: [], links: [{ container: "web", alias: "w", name: "web" }, { container: "db", alias: "db", name: "db" }] } } });
  // docker 20.10 sends HostConfig.Links only
  expect(options({ HostConfig: { NetworkMode: "front", Links: ["web:w"] } })).toEqual({ network: "front", endpoints: { front: { aliases: [], links: [{ container: "web", alias: "w", name: "web" }] } } });
  const warnings: string[] = [];
  expect(options({ HostConfig: { NetworkMode: "none", Links: ["web:w"] } }, warnings)).toEqual({ network: "none" });
  expect(warnings).toEqual(["links are served on the default bridge and user-defined networks only: on none, web cannot be reached"]);
  expect(refusal({ HostConfig: { NetworkMode: "front" }, NetworkingConfig: { EndpointsConfig: { front: { Links: ["a:b:c"] } } } })).toEqual({ field: "NetworkingConfig.EndpointsConfig.front.Links[0]", message: "bad format for links: a:b:c" });
});

test("--mac-address: docker 20.10's Config.MacAddress and 28's per-network one, in lower-case colon form", () => {
  expect(options({ MacAddress: "02-42-AC-11-00-09", HostConfig: { NetworkMode: "front" } }).endpoints).toEqual({ front: { aliases: [], mac: "02:42:ac:11:00:09" } });
  expect(options({ NetworkingConfig: { EndpointsConfig: { default: { ...ZERO, MacAddress: "02:42:ac:11:00:09" } } } }).endpoints).toEqual({ bridge: { aliases: [], mac: "02:42:ac:11:00:09" } });
  expect(refusal({ MacAddress: "02:42" })).toEqual({ field: "MacAddress", message: "02:42 is not a valid mac address" });
});

test("ports: -p's bindings by port and protocol, -P, exposed ports; host mode drops them with dockerd's warning", () => {
  const b = { ExposedPorts: { "80/tcp": {}, "53/udp": {}, "9000": {} }, HostConfig: { PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }, { HostIp: "::1", HostPort: "" }], "53/udp": [{ HostIp: "127.0.0.1", HostPort: "5300-5310" }] }, PublishAllPorts: true } };
  expect(options(b)).toEqual({
    network: "bridge",
    portBindings: { "80/tcp": [{ hostIp: "", hostPort: "8080" }, { hostIp: "::1", hostPort: "" }], "53/udp": [{ hostIp: "127.0.0.1", hostPort: "5300-5310" }] },
    publishAll: true,
    exposedPorts: ["53/udp", "80/tcp", "9000/tcp"],
  });
  const warnings: string[] = [];
  expect(options({ HostConfig: { NetworkMode: "host", PortBindings: { "80/tcp": [{ HostPort: "80" }] } } }, warnings)).toEqual({ network: "host" });
  expect(warnings).toEqual(["Published ports are discarded when using host network mode"]);
});

test("dns, dns search and options, extra hosts (NAME=IP and host-gateway too)", () => {
  expect(options({ HostConfig: { Dns: ["1.1.1.1", "::1"], DnsSearch: ["example.org"], DnsOptions: ["ndots:2"], ExtraHosts: ["a:1.2.3.4", "b=host-gateway", "c:::1", "d:[::2]"] } })).toEqual({
    network: "bridge", dns: ["1.1.1.1", "::1"], dnsSearch: ["example.org"], dnsOptions: ["ndots:2"], extraHosts: ["a:1.2.3.4", "b:host-gateway", "c:::1", "d:::2"],
  });
});

test("refusals name the field, in dockerd's words where it has some", () => {
  expect(refusal({ HostConfig: { PortBindings: { "80/sctp": [] } } })?.field).toBe("HostConfig.PortBindings.80/sctp");
  expect(refusal({ HostConfig: { PortBindings: { "70000/tcp": [] } } })).toEqual({ field: "HostConfig.PortBindings.70000/tcp", message: 'invalid port specification: "70000/tcp"' });
  expect(refusal({ HostConfig: { PortBindings: { "80/tcp": [{ HostPort: "http" }] } } })?.field).toBe("HostConfig.PortBindings.80/tcp[0].HostPort");
  expect(refusal({ HostConfig: { PortBindings: { "80/tcp": [{ HostIp: "localhost", HostPort: "1" }] } } })?.field).toBe("HostConfig.PortBindings.80/tcp[0].HostIp");
  expect(refusal({ ExposedPorts: { "x/tcp": {} } })?.field).toBe("ExposedPorts.x/tcp");
  expect(refusal({ HostConfig: { Dns: ["dns.google"] } })).toEqual({ field: "HostConfig.Dns[0]", message: "dns.google is not an ip address" });
  expect(refusal({ HostConfig: { DnsSearch: ["a b"] } })?.field).toBe("HostConfig.DnsSearch[0]");
  expect(refusal({ HostConfig: { ExtraHosts: ["nohost"] } })?.field).toBe("HostConfig.ExtraHosts[0]");
  expect(refusal({ HostConfig: { ExtraHosts: ["h:notanip"] } })?.message).toBe('invalid IP address in add-host: "notanip"');
  expect(refusal({ NetworkingConfig: { EndpointsConfig: { default: { Aliases: ["x"] } } } })?.message).toBe("network-scoped alias is supported only for containers in user defined networks");
  expect(refusal({ NetworkingConfig: { EndpointsConfig: { default: { IPAMConfig: { IPv4Address: "1.2.3.4" } } } } })?.message).toBe("user specified IP address is supported on user defined networks only");
  expect(refusal({ HostConfig: { NetworkMode: "n" }, NetworkingConfig: { EndpointsConfig: { n: { IPAMConfig: { IPv4Address: "1.2.3" } } } } })?.field).toBe("NetworkingConfig.EndpointsConfig.n.IPAMConfig.IPv4Address");
  expect(refusal({ HostConfig: { NetworkMode: "container:db", PortBindings: { "80/tcp": [{ HostPort: "80" }] } } })?.message).toBe("conflicting options: port publishing and the container type network mode");
  expect(refusal({ HostConfig: { NetworkMode: "container:db", Dns: ["1.1.1.1"] } })?.message).toBe("conflicting options: dns and the network mode");
  expect(refusal({ HostConfig: { NetworkMode: "container:" } })?.field).toBe("HostConfig.NetworkMode");
  // the hostname is the joined container's; dockerd checks it before the others
  expect(refusal({ Hostname: "foo", HostConfig: { NetworkMode: "container:db", Dns: ["1.1.1.1"] } })).toEqual({ field: "Hostname", message: "conflicting options: hostname and the network mode" });
  expect(refusal({ Hostname: "foo", HostConfig: { NetworkMode: "host" } })).toBeUndefined();
  expect(refusal({ Domainname: "example.org", HostConfig: { NetworkMode: "container:db" } })).toBeUndefined();
});

test("the create body's mapping carries them, without the old 'no bridge network yet' warning", () => {
  const m = mapCreateBody({ Image: "busybox", HostConfig: { NetworkMode: "default", PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] }, Dns: ["1.1.1.1"] }, NetworkingConfig: { EndpointsConfig: { default: ZERO } } } as unknown as ContainerCreateBody);
  expect(m.options).toMatchObject({ network: "bridge", portBindings: { "80/tcp": [{ hostIp: "", hostPort: "8080" }] }, dns: ["1.1.1.1"] });
  expect(m.warnings).toEqual([]);
});

for (const [name, property] of Object.entries(NETWORK_OPTIONS_PROPERTIES)) test(`${name} (property, seeded)`, () => fc.assert(property(), { seed: 12, numRuns: 2000 }), 30_000);
