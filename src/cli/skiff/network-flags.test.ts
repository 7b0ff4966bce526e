// docker 28's readings of the network flags, without docker at hand (test/skiff-create-body.test.ts
// compares the whole body with docker 28's own).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { NETWORK_FLAG_PROPERTIES } from "./network-flags.fuzz.ts";
import { dnsSearchDomain, dnsServer, extraHost, networking, publishedPorts } from "./network-flags.ts";

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
};

test("-p and --expose: ranges, host ranges for one port, IPv6 in brackets, the long form", () => {
  expect(publishedPorts(["127.0.0.1:8000-8001:80-81/udp", "[::1]::90", "8080-8090:91", "published=8443,target=443"], ["7000-7001", "9/UDP"])).toEqual({
    exposed: { "80/udp": {}, "81/udp": {}, "90/tcp": {}, "91/tcp": {}, "443/tcp": {}, "7000/tcp": {}, "7001/tcp": {}, "9/UDP": {} },
    bindings: { "80/udp": [{ HostIp: "127.0.0.1", HostPort: "8000" }], "81/udp": [{ HostIp: "127.0.0.1", HostPort: "8001" }], "90/tcp": [{ HostIp: "::1", HostPort: "" }], "91/tcp": [{ HostIp: "", HostPort: "8080-8090" }], "443/tcp": [{ HostIp: "", HostPort: "8443" }] },
  });
  expect(refusal(() => publishedPorts(["8000-8002:80-81"], []))).toBe("invalid ranges specified for container and host Ports: 80-81 and 8000-8002");
  expect(refusal(() => publishedPorts(["[::1:80:80"], []))).toContain("invalid IP address [::1");
  expect(refusal(() => publishedPorts([], ["80-70"]))).toBe("invalid range format for --expose: 80-70, error: invalid range specified for port: 80-70");
});

test("--dns, --dns-search, --add-host: docker's validators and forms", () => {
  const warnings: string[] = [];
  expect(dnsServer("127.0.0.53", (w) => warnings.push(w))).toBe("127.0.0.53");
  expect(warnings).toEqual(["WARNING: Localhost DNS (127.0.0.53) may fail in containers."]);
  expect(dnsSearchDomain("Example.ORG.")).toBe("Example.ORG");
  expect(refusal(() => dnsSearchDomain("-x.org"))).toBe('invalid argument "-x.org" for "--dns-search" flag: -x.org is not a valid domain');
});

// What docker 28's CLI sent (or refused with) for these --add-host values.
describe("--add-host values as docker 28's CLI checks them", () => {
  test.each([
    ["a:1.2.3.4", "a:1.2.3.4"],
    ["a=1.2.3.4", "a:1.2.3.4"],
    ["a:host-gateway", "a:host-gateway"],
    ["a=host-gateway", "a:host-gateway"],
    ["a:::1", "a:::1"],
    ["a=::1", "a:::1"],
    ["a:[::1]", "a:::1"],
    ["a=[::1]", "a:::1"],
    ["a b:1.2.3.4", "a b:1.2.3.4"],
    ["a:1.2.3.4 ", "a:1.2.3.4 "],
    ["a: 1.2.3.4 ", "a: 1.2.3.4 "],
    ["a:[ ::1 ]", "a: ::1 "],
    ["a:[1.2.3.4]", "a:1.2.3.4"],
    ["Host-Gateway:1.2.3.4", "Host-Gateway:1.2.3.4"],
    ["a:::ffff:1.2.3.4", "a:::ffff:1.2.3.4"],
    ["a:1:2::3:4:5:1.2.3.4", "a:1:2::3:4:5:1.2.3.4"],
    ["a\tb:1.2.3.4", "a\tb:1.2.3.4"],
  ])("%j → %j", (value, api) => expect(extraHost(value)).toBe(api));
  test.each([
    ["a", 'bad format for add-host: "a"'],
    [":1.2.3.4", 'bad format for add-host: ":1.2.3.4"'],
    ["=1.2.3.4", 'bad format for add-host: "=1.2.3.4"'],
    ["a:", 'invalid IP address in add-host: ""'],
    ["a:b", 'invalid IP address in add-host: "b"'],
    ["a:1.2.3.256", 'invalid IP address in add-host: "1.2.3.256"'],
    ["a:01.2.3.4", 'invalid IP address in add-host: "01.2.3.4"'],
    ["a:fe80::1%eth0", 'invalid IP address in add-host: "fe80::1%eth0"'],
    ["a::1", 'invalid IP address in add-host: ":1"'],
    ["a:::1:", 'invalid IP address in add-host: "::1:"'],
    ["a=b=1.2.3.4", 'invalid IP address in add-host: "b=1.2.3.4"'],
    ["a:HOST-GATEWAY", 'invalid IP address in add-host: "HOST-GATEWAY"'],
    ["a:[::1", 'invalid IP address in add-host: "[::1"'],
  ])("%j: %s", (value, why) => expect(refusal(() => extraHost(value))).toBe(`invalid argument ${JSON.stringify(value)} for "--add-host" flag: ${why}`));
});

describe("the network flags, fuzzed (seeded)", () => {
  for (const [name, property] of Object.entries(NETWORK_FLAG_PROPERTIES)) test(name, () => fc.assert(property(), { seed: 12, numRuns: 3000 }), 30_000);
});

test("--network: one plain network sends no endpoint; options make one; the first network takes the flags", () => {
  expect(networking({ networks: ["front"], aliases: [] })).toEqual({ mode: "front", endpoints: {} });
  const n = networking({ networks: ["front", "name=back,alias=b"], aliases: ["f"], ip: "10.0.0.9", mac: "02:42:ac:11:00:02" });
  expect(n.mode).toBe("front");
  expect(n.macAddress).toBe("02:42:ac:11:00:02");
  expect(n.endpoints.front).toMatchObject({ Aliases: ["f"], IPAMConfig: { IPv4Address: "10.0.0.9" }, MacAddress: "" });
  expect(n.endpoints.back).toMatchObject({ Aliases: ["b"], IPAMConfig: null });
  expect(networking({ networks: [], aliases: [] })).toMatchObject({ mode: "default", endpoints: { default: { Aliases: null } } });
  expect(refusal(() => networking({ networks: [], aliases: [], mac: "xx" }))).toBe("xx is not a valid mac address");
  expect(refusal(() => networking({ networks: ["name=a,alias=x"], aliases: ["y"] }))).toBe("conflicting options: cannot specify both --network-alias and per-network alias");
  expect(refusal(() => networking({ networks: ["container:db"], aliases: ["y"] }))).toBe("network-scoped aliases are only supported for user-defined networks");
});
