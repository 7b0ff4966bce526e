import { describe, expect, test } from "bun:test";
import { isSkiffError } from "../../common/errors.ts";
import { blockOf, contains, firstHost, formatCidr, formatIp, formatIpv4, isIp, isLoopback, lastAddress, lastUsable, nthAddress, overlaps, parseCidr, parseIpv4, tryParseIp, tryParseIpv4, tryParseIpv6 } from "./addresses.ts";

const cidr = (s: string) => parseCidr(s);
const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (!isSkiffError(e)) throw e;
    return [e.layer, e.code, e.kind, e.message];
  }
  throw new Error("no error");
};

describe("IPv4 as Go parses it", () => {
  test.each([
    ["0.0.0.0", 0],
    ["172.18.0.1", 0xac120001],
    ["255.255.255.255", 0xffffffff],
  ])("%s", (text, n) => {
    expect(parseIpv4(text)).toBe(n);
    expect(formatIpv4(n)).toBe(text);
  });
  test.each(["01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-1", "+1.2.3.4", " 1.2.3.4", "1.2.3.4 ", "0x1.2.3.4", "1..3.4", "", "1.2.3.04", "1.2.3.1000"])("refuses %j", (text) => {
    expect(tryParseIpv4(text)).toBeUndefined();
  });
  test("the refusal is the engine's invalid-argument error", () => {
    expect(errorOf(() => parseIpv4("1.2.3.256", "gateway"))).toEqual(["engine", "ENGINE_NETWORK_INVALID", "invalid_argument", 'invalid gateway: "1.2.3.256"']);
  });
});

describe("CIDR blocks", () => {
  test("a block's parts: first host (the gateway), last usable, broadcast, n-th address", () => {
    const c = cidr("172.18.0.0/16");
    expect([formatIpv4(firstHost(c)), formatIpv4(lastUsable(c)), formatIpv4(lastAddress(c)), formatIpv4(nthAddress(c, 258))]).toEqual(["172.18.0.1", "172.18.255.254", "172.18.255.255", "172.18.1.2"]);
    expect(formatCidr(c)).toBe("172.18.0.0/16");
    expect(() => nthAddress(c, 65536)).toThrow("outside 172.18.0.0/16");
  });
  test("/0 and /32", () => {
    expect(formatCidr(cidr("0.0.0.0/0"))).toBe("0.0.0.0/0");
    expect(contains(cidr("0.0.0.0/0"), 0xffffffff)).toBe(true);
    expect(formatIpv4(lastAddress(cidr("10.1.2.3/32")))).toBe("10.1.2.3");
  });
  test("a host address given as a subnet: dockerd's 'it should be'", () => {
    expect(errorOf(() => parseCidr("172.18.0.1/16"))).toEqual(["engine", "ENGINE_NETWORK_INVALID", "invalid_argument", "invalid subnet 172.18.0.1/16: it should be 172.18.0.0/16"]);
    expect(errorOf(() => parseCidr("10.0.0.5/24", "ip-range"))[3]).toBe("invalid ip-range 10.0.0.5/24: it should be 10.0.0.0/24");
  });
  test.each(["172.18.0.0", "172.18.0.0/33", "172.18.0.0/-1", "172.18.0.0/016", "172.18.0.0/", "/16", "abc/16", "172.18.0.0/16/1", "::1/128", "172.18.0.0/ 16"])("malformed %j: invalid CIDR block notation", (text) => {
    expect(errorOf(() => parseCidr(text))[3]).toBe(`invalid subnet ${text}: invalid CIDR block notation`);
  });
  test("contains and overlaps", () => {
    expect(contains(cidr("10.0.0.0/8"), parseIpv4("10.255.0.1"))).toBe(true);
    expect(contains(cidr("10.0.0.0/8"), parseIpv4("11.0.0.0"))).toBe(false);
    expect(overlaps(cidr("10.0.0.0/8"), cidr("10.1.0.0/16"))).toBe(true);
    expect(overlaps(cidr("10.1.0.0/16"), cidr("10.0.0.0/8"))).toBe(true);
    expect(overlaps(cidr("10.1.0.0/16"), cidr("10.2.0.0/16"))).toBe(false);
    expect(overlaps(cidr("192.168.0.0/20"), cidr("192.168.16.0/20"))).toBe(false);
    expect(formatCidr(blockOf(parseIpv4("172.17.0.5"), 16))).toBe("172.17.0.0/16");
  });
});

describe("IPv6 as Go's netip reads and writes it", () => {
  test.each([
    ["::1", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["::", "::"],
    ["FE80::1", "fe80::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"],
    ["1::", "1::"],
    ["::ffff:1.2.3.4", "::ffff:1.2.3.4"],
    ["::1.2.3.4", "::102:304"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
    ["fe00::0", "fe00::"],
  ])("%s → %s", (text, canonical) => {
    const v6 = tryParseIpv6(text);
    expect(v6).toBeDefined();
    expect(formatIp({ family: 6, v6: v6! })).toBe(canonical);
  });
  test.each(["1::2::3", ":1", "1:", ":::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "::ffff:01.2.3.4", "1.2.3.4::", "g::1", "1:::2", "fe80::1%"])("refuses %j", (text) => {
    expect(tryParseIpv6(text, true)).toBeUndefined();
  });
  test("zones only where allowed (netip yes, net.ParseIP no)", () => {
    expect(tryParseIp("fe80::1%eth0")).toBeUndefined();
    expect(formatIp(tryParseIp("fe80::1%eth0", true)!)).toBe("fe80::1%eth0");
    expect(isIp("fe80::1%eth0")).toBe(false);
  });
  test("loopback: 127/8, ::1, ::ffff:127.x", () => {
    expect(["127.0.0.53", "127.255.0.1", "::1", "::ffff:127.0.0.1", "10.0.0.1", "::2", "::"].map((s) => isLoopback(tryParseIp(s)!))).toEqual([true, true, true, true, false, false, false]);
  });
});
