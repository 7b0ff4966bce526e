// Properties of hosts-file.ts for fast-check (short run in networks-fuzz.test.ts, long in scripts/fuzz.ts). Test code only.
//
// - addHostAnyText: any --add-host value is refused with an engine SkiffError or normalized to
//   "NAME:IP", which normalizes to itself again.
// - oneLinePerRecord: a hosts file built from accepted entries has one line per record: no entry
//   adds lines of its own.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { hostsFile, normalizeExtraHost } from "./hosts-file.ts";

const name = fc.oneof(fc.string({ maxLength: 8 }), fc.stringMatching(/^[a-z0-9.-]{1,10}$/), fc.constantFrom("", "a b", "a\nb", "x:y", "="));
const ip = fc.oneof(fc.string({ maxLength: 12 }), fc.ipV4(), fc.ipV6(), fc.ipV6().map((a) => `[${a}]`), fc.constantFrom("host-gateway", "::1", "01.2.3.4", "[::1", "fe80::1%lo", " 1.2.3.4"));
const entry = fc.oneof(fc.string({ maxLength: 20 }), fc.tuple(name, fc.constantFrom(":", "="), ip).map(([n, s, a]) => `${n}${s}${a}`));
const refused = (e: unknown) => isSkiffError(e) && e.layer === "engine" && e.kind === "invalid_argument";

export const HOSTS_FILE_PROPERTIES: Record<string, () => fc.IRawProperty<any>> = {
  addHostAnyText: () =>
    fc.property(entry, (value) => {
      let api: string;
      try {
        api = normalizeExtraHost(value);
      } catch (e) {
        if (!refused(e)) throw e;
        return;
      }
      if (normalizeExtraHost(api) !== api) throw new Error(`${JSON.stringify(value)} → ${JSON.stringify(api)} does not normalize to itself`);
    }),
  oneLinePerRecord: () =>
    fc.property(fc.array(entry, { maxLength: 5 }), fc.array(fc.ipV4(), { maxLength: 3 }), fc.boolean(), (entries, addresses, ipv6) => {
      const ok = entries.filter((e) => {
        try {
          normalizeExtraHost(e);
          return true;
        } catch (err) {
          if (!refused(err)) throw err;
          return false;
        }
      });
      const text = hostsFile({ hostname: "h", addresses, extraHosts: ok, hostGateway: "172.17.0.1", ipv6 });
      const lines = text.split("\n").slice(0, -1);
      if (!text.endsWith("\n") || lines.some((l) => !/^[^\t\n]+\t/.test(l))) throw new Error(`malformed file:\n${text}`);
      const v6 = ok.filter((e) => /^[^:=]*[:=]\[?[0-9a-fA-F]*:/.test(e)).length;
      const expected = (ipv6 ? 6 : 1) + ok.length - (ipv6 ? 0 : v6) + addresses.length;
      if (lines.length !== expected) throw new Error(`${lines.length} lines, ${expected} expected:\n${text}`);
    }),
};
