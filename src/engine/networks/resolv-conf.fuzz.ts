// Properties of resolv-conf.ts for fast-check (short run in networks-fuzz.test.ts, long in scripts/fuzz.ts). Test code only.
//
// - anyInput: whatever the host's files and the --dns* values, a resolv.conf comes out or an engine
//   invalid-argument error; the file's nameserver lines are exactly `nameservers`, each an address;
//   on the default bridge none is loopback unless --dns gave it and there is at least one; on a
//   user-defined network the responder is the only one and there is at least one upstream.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { isLoopback, tryParseIp } from "./addresses.ts";
import { containerResolvConf } from "./resolv-conf.ts";

const ns = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom("127.0.0.53", "127.0.0.1", "::1", "fe80::1%eth0", "x", "01.1.1.1", ""));
const line = fc.oneof(
  fc.string({ maxLength: 30 }),
  ns.map((a) => `nameserver ${a}`),
  fc.array(fc.stringMatching(/^[a-z.]{0,8}$/), { maxLength: 3 }).map((d) => `search ${d.join(" ")}`),
  fc.constantFrom("options ndots:3", "options ndots:x rotate", "domain x.example", "# c", "; c", "\tnameserver\t1.1.1.1 ", "sortlist 1.2.3.4"),
);
const file = fc.option(fc.array(line, { maxLength: 6 }).map((ls) => ls.join("\n")), { nil: undefined });
const words = (g: fc.Arbitrary<string>) => fc.option(fc.array(g, { maxLength: 3 }), { nil: undefined });

export const RESOLV_CONF_PROPERTIES: Record<string, () => fc.IRawProperty<any>> = {
  anyInput: () =>
    fc.property(file, file, words(fc.oneof(ns, fc.string({ maxLength: 6 }))), words(fc.oneof(fc.constant("."), fc.string({ maxLength: 6 }))), words(fc.string({ maxLength: 8 })), fc.constantFrom("legacy", "internal", "host", "none") as fc.Arbitrary<"legacy" | "internal" | "host" | "none">, fc.boolean(), (etc, systemd, dns, dnsSearch, dnsOptions, mode, ipv6) => {
      let rc;
      try {
        rc = containerResolvConf({ mode, host: { etc, systemd }, dns, dnsSearch, dnsOptions, embedded: "172.18.0.1", ipv6 });
      } catch (e) {
        if (!isSkiffError(e) || e.layer !== "engine" || e.kind !== "invalid_argument") throw e;
        return;
      }
      const lines = rc.text.split("\n").filter((l) => l.startsWith("nameserver "));
      if (lines.join("\n") !== rc.nameservers.map((a) => `nameserver ${a}`).join("\n")) throw new Error(`nameserver lines differ from ${rc.nameservers}:\n${rc.text}`);
      if (rc.nameservers.some((a) => !tryParseIp(a, true))) throw new Error(`not an address in ${rc.nameservers}`);
      if (mode === "legacy" && (rc.nameservers.length === 0 || (!dns?.length && rc.nameservers.some((a) => isLoopback(tryParseIp(a, true)!))))) throw new Error(`legacy nameservers ${rc.nameservers}`);
      if (mode === "internal" && (rc.nameservers.join() !== "172.18.0.1" || rc.upstreams.length === 0)) throw new Error(`internal: ${rc.nameservers} / ${JSON.stringify(rc.upstreams)}`);
    }),
};
