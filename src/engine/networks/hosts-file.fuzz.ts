// Properties of hosts-file.ts for fast-check (short run in networks-fuzz.test.ts, long in scripts/fuzz.ts). Test code only.
//
// - extraHostAnyText: any ExtraHosts entry is refused with an engine SkiffError or becomes one
//   record: an address written as netip writes it (host-gateway: the gateway) and a name without a
//   line break. (The CLI's reading of --add-host has its own: cli/skiff/network-flags.fuzz.ts.)
// - oneLinePerRecord: a hosts file built from accepted entries has one line per record: no entry
//   adds lines of its own.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { extraHostText } from "../../common/testing/extra-host-text.ts";
import { formatIp, tryParseIp } from "./addresses.ts";
import { extraHostRecords, hostsFile } from "./hosts-file.ts";

const refused = (e: unknown) => isSkiffError(e) && e.layer === "engine" && e.kind === "invalid_argument";

export const HOSTS_FILE_PROPERTIES: Record<string, () => fc.IRawProperty<any>> = {
  extraHostAnyText: () =>
    fc.property(extraHostText, (value) => {
      let records;
      try {
        records = extraHostRecords([value], "172.17.0.1");
      } catch (e) {
        if (!refused(e)) throw e;
        return;
      }
      const [r, ...more] = records;
      const ip = r && tryParseIp(r.ip);
      if (more.length || !r || !ip || formatIp(ip) !== r.ip || /[\n\r\0]/.test(r.names)) throw new Error(`${JSON.stringify(value)} → ${JSON.stringify(records)}`);
    }),
  oneLinePerRecord: () =>
    fc.property(fc.array(extraHostText, { maxLength: 5 }), fc.array(fc.ipV4(), { maxLength: 3 }), fc.boolean(), (entries, addresses, ipv6) => {
      const ok = entries.filter((e) => {
        try {
          extraHostRecords([e], "172.17.0.1");
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
