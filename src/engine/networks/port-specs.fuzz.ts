// Properties of port-specs.ts for fast-check (short run in networks-fuzz.test.ts, long in
// scripts/fuzz.ts). Test code only.
//
// - requestsFromAnyBindings: the daemon's side, over any PortBindings-shaped value, gives requests
//   with ports in 0..65535 and an IPv4 host address, or the engine's invalid-argument error.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { portRequests } from "./port-specs.ts";

const refused = (e: unknown) => isSkiffError(e) && e.layer === "engine" && e.kind === "invalid_argument";

export const PORT_SPEC_PROPERTIES: Record<string, () => fc.IRawProperty<any>> = {
  requestsFromAnyBindings: () =>
    fc.property(
      fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("80/tcp", "53/udp", "80/sctp", "0/tcp", "80")), fc.option(fc.array(fc.record({ hostIp: fc.oneof(fc.string({ maxLength: 6 }), fc.ipV4(), fc.constantFrom("", "::1")), hostPort: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("", "0", "8080", "8000-8010", "9-1")) }), { maxLength: 3 }), { nil: null })),
      fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("80/tcp", "22", "53/udp")), { maxLength: 3 }),
      (bindings, exposed) => {
        let reqs;
        try {
          reqs = portRequests(bindings, exposed);
        } catch (e) {
          if (!refused(e)) throw e;
          return;
        }
        for (const r of reqs) {
          if (r.containerPort < 1 || r.containerPort > 65535 || r.hostPort < 0 || r.hostPort > 65535 || (r.hostPortEnd !== undefined && r.hostPortEnd < r.hostPort)) throw new Error(JSON.stringify(r));
          if (!/^\d+\.\d+\.\d+\.\d+$/.test(r.hostIp) || (r.protocol !== "tcp" && r.protocol !== "udp")) throw new Error(JSON.stringify(r));
        }
      },
    ),
};
