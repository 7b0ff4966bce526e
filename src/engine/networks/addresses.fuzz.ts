// Properties of addresses.ts and subnets.ts for fast-check: a short seeded run in
// networks-fuzz.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - ipv4RoundTrip / cidrRoundTrip / ipv6RoundTrip: what is formatted parses back to the same value,
//   and a text that parses formats to itself when it is already canonical.
// - overlapSymmetric: overlaps(a, b) = overlaps(b, a), and true exactly when one contains the other's base.
// - anyTextParses: any string is an address, a block, or the engine's invalid-argument error; never a plain Error.
// - ipamHolds: whatever the flags, decideIpam gives a config whose gateway and range lie in the
//   subnet, the range without the network and broadcast addresses, overlapping no other network,
//   or refuses with an engine SkiffError.
// - routesNeverThrow: any text as /proc/net/route gives blocks, none of them the default route.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { contains, formatCidr, formatIpv4, formatIpv6, lastAddress, overlaps, parseCidr, parseIpv4, tryParseIpv6, type Cidr } from "./addresses.ts";
import { decideIpam, parseRoutes } from "./subnets.ts";

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const cidr = fc.tuple(u32, fc.integer({ min: 0, max: 32 })).map(([a, p]): Cidr => ({ base: p === 0 ? 0 : (a & ((0xffffffff << (32 - p)) >>> 0)) >>> 0, prefix: p }));
const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom("00", "01", "-1", "", "+1", "0x1", " 1"));
const addressText = fc.oneof(fc.string({ maxLength: 20 }), fc.tuple(octet, octet, octet, octet).map((o) => o.join(".")), u32.map(formatIpv4));
const blockText = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.tuple(addressText, fc.oneof(fc.integer({ min: -1, max: 40 }).map(String), fc.constantFrom("", "08", "1 6"))).map(([a, p]) => `${a}/${p}`),
  cidr.map(formatCidr),
  fc.tuple(u32, fc.integer({ min: 8, max: 32 })).map(([a, p]) => `${formatIpv4(a)}/${p}`),
);
const refused = (e: unknown) => isSkiffError(e) && e.layer === "engine" && e.kind !== "internal";

export const ADDRESS_PROPERTIES: Record<string, () => fc.IRawProperty<any>> = {
  ipv4RoundTrip: () =>
    fc.property(u32, (a) => {
      if (parseIpv4(formatIpv4(a)) !== a) throw new Error(`${a} → ${formatIpv4(a)} does not parse back`);
    }),
  cidrRoundTrip: () =>
    fc.property(cidr, (c) => {
      const back = parseCidr(formatCidr(c));
      if (back.base !== c.base || back.prefix !== c.prefix) throw new Error(`${formatCidr(c)} parsed as ${formatCidr(back)}`);
    }),
  ipv6RoundTrip: () =>
    fc.property(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), (groups) => {
      const text = formatIpv6({ groups });
      const back = tryParseIpv6(text);
      if (!back || back.groups.join() !== groups.join()) throw new Error(`${groups} → ${text} → ${back?.groups}`);
      if (formatIpv6(back) !== text) throw new Error(`${text} is not canonical`);
    }),
  overlapSymmetric: () =>
    fc.property(cidr, cidr, (a, b) => {
      const ab = overlaps(a, b);
      if (ab !== overlaps(b, a)) throw new Error(`overlaps is not symmetric for ${formatCidr(a)} and ${formatCidr(b)}`);
      const expected = !(lastAddress(a) < b.base || lastAddress(b) < a.base);
      if (ab !== expected) throw new Error(`overlaps(${formatCidr(a)}, ${formatCidr(b)}) = ${ab}`);
    }),
  anyTextParses: () =>
    fc.property(addressText, blockText, (a, b) => {
      for (const f of [() => parseIpv4(a), () => parseCidr(b), () => parseCidr(b, "ip-range")]) {
        try {
          f();
        } catch (e) {
          if (!refused(e)) throw e;
        }
      }
    }),
  ipamHolds: () =>
    fc.property(fc.option(blockText, { nil: undefined }), fc.option(addressText, { nil: undefined }), fc.option(blockText, { nil: undefined }), fc.array(cidr, { maxLength: 3 }), (subnet, gateway, ipRange, others) => {
      let c;
      try {
        c = decideIpam({ subnet, gateway, ipRange }, { otherNetworks: others.map((s, i) => ({ name: `n${i}`, subnet: s })) });
      } catch (e) {
        if (!isSkiffError(e) || e.layer !== "engine") throw e;
        return;
      }
      const s = c.subnet;
      if (!contains(s, c.gateway)) throw new Error("the gateway is outside the subnet");
      if (c.rangeStart <= s.base || c.rangeEnd >= lastAddress(s) || c.rangeStart > c.rangeEnd) throw new Error(`range ${formatIpv4(c.rangeStart)}-${formatIpv4(c.rangeEnd)} in ${formatCidr(s)}`);
      if (others.some((o) => overlaps(o, s))) throw new Error("overlaps another network");
    }),
  routesNeverThrow: () =>
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.stringMatching(/^[0-9A-F]{8}$/), fc.stringMatching(/^[0-9A-F]{8}$/)), { maxLength: 5 }).map((ls) => `h\n${ls.map(([i, d, m]) => `${i}\t${d}\t0\t1\t0\t0\t0\t${m}\t0\t0\t0`).join("\n")}`)), (text) => {
      for (const r of parseRoutes(text)) if (r.prefix === 0 || r.prefix > 32) throw new Error(`route ${formatCidr(r)}`);
    }),
};
