import { describe, expect, test } from "bun:test";
import { isSkiffError } from "../../common/errors.ts";
import { formatCidr, formatIpv4, parseCidr } from "./addresses.ts";
import { chooseSubnet, decideIpam, DEFAULT_POOLS, parseRoutes } from "./subnets.ts";

const cidr = (s: string) => parseCidr(s);
const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (!isSkiffError(e)) throw e;
    return { code: e.code, kind: e.kind, message: e.message, hint: e.hint };
  }
  throw new Error("no error");
};

// /proc/net/route of a host with a default route, a LAN and a probe bridge (this machine's, and a docker0)
const ROUTES = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
skxprobe0\t00FAC70A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
`;

describe("host routes", () => {
  test("/proc/net/route's destinations and masks (little-endian hex), without the default route", () => {
    expect(parseRoutes(ROUTES).map(formatCidr)).toEqual(["10.199.250.0/24", "192.0.2.0/24", "172.17.0.0/16"]);
  });
  test("lines that do not read are skipped", () => {
    expect(parseRoutes("header\nx\teth0\n\nlo\tZZZZZZZZ\t0\t0\t0\t0\t0\t00FFFFFF\neth0\t000200C0\t0\t0\t0\t0\t0\t00FF00FF\n")).toEqual([]);
  });
});

describe("choosing a subnet", () => {
  test("docker's pools in order: 172.17–31/16, then 192.168.0.0/16 in /20s", () => {
    expect(DEFAULT_POOLS.map(formatCidr)).toEqual([
      ...Array.from({ length: 15 }, (_, i) => `172.${17 + i}.0.0/16`),
      ...Array.from({ length: 16 }, (_, i) => `192.168.${i * 16}.0/20`),
    ]);
  });
  test("the first pool that overlaps no route and no network", () => {
    expect(formatCidr(chooseSubnet({ taken: [] }))).toBe("172.17.0.0/16");
    expect(formatCidr(chooseSubnet({ taken: parseRoutes(ROUTES) }))).toBe("172.18.0.0/16");
    expect(formatCidr(chooseSubnet({ taken: [cidr("172.16.0.0/12")] }))).toBe("192.168.0.0/20");
    expect(formatCidr(chooseSubnet({ taken: [cidr("172.16.0.0/12"), cidr("192.168.3.0/24")] }))).toBe("192.168.16.0/20");
    // a small route inside a pool takes the whole pool
    expect(formatCidr(chooseSubnet({ taken: [cidr("172.17.200.0/24")] }))).toBe("172.18.0.0/16");
  });
  test("none free: docker's message, with --subnet as the way out", () => {
    const e = errorOf(() => chooseSubnet({ taken: [cidr("0.0.0.0/1"), cidr("128.0.0.0/1")] }));
    expect(e.message).toBe("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
    expect(e.hint).toContain("--subnet");
  });
});

describe("a user's --subnet, --gateway, --ip-range", () => {
  const none = { otherNetworks: [] };
  const decided = (req: Parameters<typeof decideIpam>[0], o: Parameters<typeof decideIpam>[1] = none) => {
    const c = decideIpam(req, o);
    return [formatCidr(c.subnet), formatIpv4(c.gateway), c.ipRange && formatCidr(c.ipRange), formatIpv4(c.rangeStart), formatIpv4(c.rangeEnd)];
  };
  test("the gateway defaults to the first host; containers get the rest but the broadcast address", () => {
    expect(decided({ subnet: "10.10.0.0/24" })).toEqual(["10.10.0.0/24", "10.10.0.1", undefined, "10.10.0.1", "10.10.0.254"]);
    expect(decided({ subnet: "10.10.0.0/24", gateway: "10.10.0.254" })).toEqual(["10.10.0.0/24", "10.10.0.254", undefined, "10.10.0.1", "10.10.0.254"]);
  });
  test("with --ip-range, docker's allocator gives the gateway from the range", () => {
    expect(decided({ subnet: "10.243.0.0/16", ipRange: "10.243.3.0/24" })).toEqual(["10.243.0.0/16", "10.243.3.0", "10.243.3.0/24", "10.243.3.0", "10.243.3.255"]);
    expect(decided({ subnet: "10.243.0.0/16", ipRange: "10.243.0.0/24", gateway: "10.243.9.9" })).toEqual(["10.243.0.0/16", "10.243.9.9", "10.243.0.0/24", "10.243.0.1", "10.243.0.255"]);
    expect(decided({ subnet: "10.243.0.0/16", ipRange: "10.243.255.0/24" })[4]).toBe("10.243.255.254");
  });
  test("no --subnet: the first free pool, host routes included", () => {
    expect(decided({}, { otherNetworks: [{ name: "bridge", subnet: cidr("172.17.0.0/16") }], hostRoutes: [cidr("172.18.5.0/24")] })).toEqual(["172.19.0.0/16", "172.19.0.1", undefined, "172.19.0.1", "172.19.255.254"]);
  });
  test("dockerd's checks, in its words", () => {
    const msg = (req: Parameters<typeof decideIpam>[0]) => errorOf(() => decideIpam(req, none)).message;
    expect(msg({ subnet: "172.18.0.1/16" })).toBe("invalid network config:\ninvalid subnet 172.18.0.1/16: it should be 172.18.0.0/16");
    expect(msg({ subnet: "172.18.0.0/40" })).toBe("invalid network config:\ninvalid subnet 172.18.0.0/40: invalid CIDR block notation");
    expect(msg({ subnet: "10.0.0.0/24", gateway: "10.0.1.1" })).toBe("invalid network config:\ninvalid gateway 10.0.1.1: parent subnet 10.0.0.0/24 doesn't contain this address");
    expect(msg({ subnet: "10.0.0.0/24", gateway: "nope" })).toBe("invalid network config:\ninvalid gateway nope: invalid address");
    expect(msg({ subnet: "10.0.0.0/24", gateway: "::1" })).toBe("invalid network config:\ninvalid gateway ::1: parent subnet is an IPv4 block");
    expect(msg({ subnet: "10.0.0.0/24", ipRange: "10.0.0.0/16" })).toBe("invalid network config:\ninvalid ip-range 10.0.0.0/16: CIDR block is bigger than its parent subnet 10.0.0.0/24");
    expect(msg({ subnet: "10.0.0.0/24", ipRange: "10.0.1.0/25" })).toBe("invalid network config:\ninvalid ip-range 10.0.1.0/25: parent subnet 10.0.0.0/24 doesn't contain ip-range");
    expect(msg({ subnet: "10.0.0.1/24", gateway: "10.9.0.1" })).toBe("invalid network config:\n* invalid subnet 10.0.0.1/24: it should be 10.0.0.0/24\n* invalid gateway 10.9.0.1: parent subnet 10.0.0.0/24 doesn't contain this address");
    expect(msg({ gateway: "10.0.0.1" })).toBe("every ip-range or gateway must have a corresponding subnet");
    expect(msg({ subnet: "10.0.0.0/24", gateway: "10.0.0.0" })).toBe("failed to allocate gateway (10.0.0.0): Address already in use");
    expect(msg({ subnet: "10.0.0.0/24", gateway: "10.0.0.255" })).toBe("failed to allocate gateway (10.0.0.255): Address already in use");
    expect(msg({ subnet: "10.0.0.0/31" })).toContain("too small");
  });
  test("a subnet overlapping another network's: dockerd's pool overlap, naming the other network in the hint", () => {
    const e = errorOf(() => decideIpam({ subnet: "172.17.5.0/24" }, { otherNetworks: [{ name: "bridge", subnet: cidr("172.17.0.0/16") }] }));
    expect([e.code, e.kind, e.message]).toEqual(["ENGINE_NETWORK_OVERLAP", "conflict", "invalid pool request: Pool overlaps with other one on this address space"]);
    expect(e.hint).toContain('"bridge"');
  });
  test("a user's subnet may overlap a host route (dockerd does not check those for --subnet)", () => {
    expect(decided({ subnet: "192.0.2.0/24" }, { otherNetworks: [], hostRoutes: parseRoutes(ROUTES) })[0]).toBe("192.0.2.0/24");
  });
});
