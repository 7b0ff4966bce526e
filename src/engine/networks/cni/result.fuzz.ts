// Properties of the CNI result reader (result.ts) for fast-check: a short seeded run in
// result.test.ts, a long one in scripts/fuzz.ts (engine.cni-result). Test code only.
//
// - anyValue: any JSON value (a plugin's stdout parsed), or a result-like object with any fields,
//   gives a result and an endpoint, or ENGINE_CNI_BAD_RESULT; never another exception;
// - wellFormed: a result built from valid parts gives back the container interface's address,
//   prefix, gateway and MAC.
import { expect } from "bun:test";
import fc from "fast-check";
import { isSkiffError } from "../../../common/errors.ts";
import { endpointOf, parseCniResult } from "./result.ts";

const anyJson = fc.jsonValue({ maxDepth: 4 });
const piece = fc.oneof(anyJson, fc.ipV4(), fc.ipV4().map((ip) => `${ip}/24`), fc.constantFrom("eth0", "/proc/1/ns/net", "02:42:ac:11:00:02", 0, 1, 2, -1, 1.5, "1.0.0"));
const resultLike = fc.record(
  {
    cniVersion: fc.oneof(fc.constant("1.0.0"), piece),
    interfaces: fc.oneof(piece, fc.array(fc.record({ name: piece, mac: piece, sandbox: piece }, { requiredKeys: [] }), { maxLength: 4 })),
    ips: fc.oneof(piece, fc.array(fc.record({ address: piece, gateway: piece, interface: piece }, { requiredKeys: [] }), { maxLength: 4 })),
    routes: fc.oneof(piece, fc.array(fc.record({ dst: piece, gw: piece }, { requiredKeys: [] }), { maxLength: 3 })),
    dns: piece,
  },
  { requiredKeys: [] },
);

function outcome(v: unknown): "ok" | "refused" {
  try {
    const r = parseCniResult(v, "fuzz");
    const e = endpointOf(r, "eth0", "fuzz");
    expect(typeof e.ip).toBe("string");
    expect(Number.isInteger(e.prefixLength)).toBe(true);
    return "ok";
  } catch (e) {
    if (isSkiffError(e) && e.code === "ENGINE_CNI_BAD_RESULT") return "refused";
    throw e;
  }
}

const hex2 = fc.integer({ min: 0, max: 255 }).map((n) => n.toString(16).padStart(2, "0"));

export const CNI_RESULT_PROPERTIES = {
  anyValue: () => fc.property(fc.oneof(anyJson, resultLike), (v) => void outcome(v)),
  wellFormed: () =>
    fc.property(fc.ipV4(), fc.integer({ min: 1, max: 32 }), fc.ipV4(), fc.array(hex2, { minLength: 6, maxLength: 6 }), fc.nat({ max: 3 }), (ip, prefix, gw, macParts, extra) => {
      const mac = macParts.join(":");
      const hostSide = Array.from({ length: extra }, (_, i) => ({ name: `veth${i}`, mac: "0a:00:00:00:00:01" }));
      const result = {
        cniVersion: "1.0.0",
        interfaces: [...hostSide, { name: "eth0", mac, sandbox: "/proc/1/ns/net" }],
        ips: [{ interface: extra, address: `${ip}/${prefix}`, gateway: gw }],
        routes: [{ dst: "0.0.0.0/0", gw }],
        dns: {},
      };
      expect(endpointOf(parseCniResult(result, "fuzz"), "eth0", "fuzz")).toEqual({ ip, prefixLength: prefix, gateway: gw, mac, ifName: "eth0" });
    }),
};
