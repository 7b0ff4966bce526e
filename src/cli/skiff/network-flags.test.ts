// docker 28's readings of the network flags, without docker at hand (test/skiff-create-body.test.ts
// compares the whole body with docker 28's own).
import { expect, test } from "bun:test";
import { canonicalIp, dnsSearchDomain, dnsServer, extraHost, networking, publishedPorts } from "./network-flags.ts";

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
};

test("canonicalIp: Go's forms (IPv6 compressed, lower case), nothing else", () => {
  expect(["1.2.3.4", "2001:DB8::0001", "::ffff:1.2.3.4", "::"].map(canonicalIp)).toEqual(["1.2.3.4", "2001:db8::1", "1.2.3.4", "::"]);
  expect(["01.2.3.4", "1.2.3", "256.1.1.1", "x", "", "[::1]", "1::2::3", "fe80::1%eth0"].map(canonicalIp)).toEqual(Array(8).fill(undefined));
});

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
  expect(["h:1.2.3.4", "h=::1", "h:[::2]", "h=host-gateway"].map(extraHost)).toEqual(["h:1.2.3.4", "h:::1", "h:::2", "h:host-gateway"]);
  expect(refusal(() => extraHost(":1.2.3.4"))).toBe('invalid argument ":1.2.3.4" for "--add-host" flag: bad format for add-host: ":1.2.3.4"');
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
