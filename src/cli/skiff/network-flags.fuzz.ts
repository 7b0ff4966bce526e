// Properties of network-flags.ts for fast-check (short run in network-flags.test.ts, long in
// scripts/fuzz.ts). Test code only.
//
// - addHostAnyText: any --add-host value is refused with the CLI's invalid-argument error or
//   becomes "NAME:IP" (the API's form), which reads as itself again.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { extraHostText } from "../../common/testing/extra-host-text.ts";
import { extraHost } from "./network-flags.ts";

const refused = (e: unknown) => isSkiffError(e) && e.layer === "cli" && e.kind === "invalid_argument";

export const NETWORK_FLAG_PROPERTIES: Record<string, () => fc.IRawProperty<any>> = {
  addHostAnyText: () =>
    fc.property(extraHostText, (value) => {
      let api: string;
      try {
        api = extraHost(value);
      } catch (e) {
        if (!refused(e)) throw e;
        return;
      }
      if (extraHost(api) !== api) throw new Error(`${JSON.stringify(value)} → ${JSON.stringify(api)} does not read as itself`);
    }),
};
