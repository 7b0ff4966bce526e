import { expect, test } from "bun:test";
import fc from "fast-check";
import { SkiffError } from "../../../common/errors.ts";
import { CNI_RESULT_PROPERTIES } from "./result.fuzz.ts";
import { endpointOf, parseCniResult } from "./result.ts";

// what bridge 1.1.1 printed here for an ADD (host-side interfaces first, the container's last)
const BRIDGE_RESULT = {
  cniVersion: "1.0.0",
  interfaces: [
    { name: "skxprobe0", mac: "ba:c3:6b:29:c3:df" },
    { name: "vethcd755d8a", mac: "4e:10:47:2c:45:4c" },
    { name: "eth0", mac: "4E:0E:21:90:85:C9", sandbox: "/run/netns/skx-probe" },
  ],
  ips: [{ interface: 2, address: "10.199.250.78/24", gateway: "10.199.250.1" }],
  routes: [{ dst: "0.0.0.0/0", gw: "10.199.250.1" }],
  dns: {},
};

const refusal = (v: unknown, ifName = "eth0"): string => {
  try {
    endpointOf(parseCniResult(v, "bridge"), ifName, "bridge");
  } catch (e) {
    expect(e).toBeInstanceOf(SkiffError);
    expect((e as SkiffError).code).toBe("ENGINE_CNI_BAD_RESULT");
    return (e as SkiffError).message;
  }
  throw new Error("accepted");
};

test("the container-side interface's address, prefix, gateway and MAC (lower case) come out of a bridge result", () => {
  expect(endpointOf(parseCniResult(BRIDGE_RESULT, "bridge"), "eth0", "bridge")).toEqual({ ip: "10.199.250.78", prefixLength: 24, gateway: "10.199.250.1", mac: "4e:0e:21:90:85:c9", ifName: "eth0" });
});

test("the raw result is kept as printed, for the next plugin's prevResult", () => {
  const withExtra = { ...BRIDGE_RESULT, extra: { x: 1 } };
  expect(parseCniResult(withExtra, "bridge").raw).toBe(withExtra);
});

test("malformed results are refused naming the plugin and the field", () => {
  expect(refusal("garbage")).toBe("read the CNI result of bridge: not a JSON object");
  expect(refusal({ ...BRIDGE_RESULT, cniVersion: "0.4.0" })).toContain("is not 1.x");
  expect(refusal({ ...BRIDGE_RESULT, ips: [{ interface: 7, address: "10.0.0.2/24" }] })).toContain("ips[0].interface is not an index");
  expect(refusal({ ...BRIDGE_RESULT, ips: [{ interface: 2, address: "10.0.0.2" }] })).toContain("ips[0].address is not an address with a prefix length");
  expect(refusal({ ...BRIDGE_RESULT, ips: [{ interface: 2, address: "10.0.0.2/33" }] })).toContain("ips[0].address");
  expect(refusal({ ...BRIDGE_RESULT, interfaces: [{ mac: "x" }] })).toContain("interfaces[0] has no name");
  expect(refusal({ ...BRIDGE_RESULT, routes: [{ dst: "default" }] })).toContain("routes[0].dst is not a CIDR");
  expect(refusal({ ...BRIDGE_RESULT, ips: [] })).toContain("no IPv4 address for interface eth0");
  expect(refusal(BRIDGE_RESULT, "eth1")).toContain("no interface eth1 inside the container");
  expect(refusal({ ...BRIDGE_RESULT, interfaces: BRIDGE_RESULT.interfaces.map((i) => ({ ...i, sandbox: undefined })) })).toContain("no interface eth0");
});

test("a result without a gateway gives an endpoint with gateway ''", () => {
  const r = { ...BRIDGE_RESULT, ips: [{ interface: 2, address: "10.199.250.78/24" }] };
  expect(endpointOf(parseCniResult(r, "bridge"), "eth0", "bridge").gateway).toBe("");
});

test("CNI result properties (result.fuzz.ts, seeded; scripts/fuzz.ts runs them long)", () => {
  for (const [name, p] of Object.entries(CNI_RESULT_PROPERTIES)) {
    const r = fc.check(p() as fc.IProperty<unknown[]>, { numRuns: 500, seed: 12 });
    if (r.failed) throw new Error(`${name}: seed ${r.seed} path ${r.counterexamplePath}: ${fc.stringify(r.counterexample)} ${String(r.errorInstance)}`);
  }
});
