// Generated --add-host values and ExtraHosts entries (any text, and NAME:IP / NAME=IP shapes with
// odd names and addresses), for the properties of the CLI's check and the daemon's. Test code only.
import fc from "fast-check";

const name = fc.oneof(fc.string({ maxLength: 8 }), fc.stringMatching(/^[a-z0-9.-]{1,10}$/), fc.constantFrom("", "a b", "a\nb", "x:y", "="));
const ip = fc.oneof(fc.string({ maxLength: 12 }), fc.ipV4(), fc.ipV6(), fc.ipV6().map((a) => `[${a}]`), fc.constantFrom("host-gateway", "::1", "01.2.3.4", "[::1", "fe80::1%lo", " 1.2.3.4", "::1:", "1:2::3:4:5:1.2.3.4"));
export const extraHostText = fc.oneof(fc.string({ maxLength: 20 }), fc.tuple(name, fc.constantFrom(":", "="), ip).map(([n, s, a]) => `${n}${s}${a}`));
