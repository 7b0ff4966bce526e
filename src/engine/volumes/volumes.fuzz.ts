// Properties of the volume engine's pure parts for fast-check: a short seeded run in
// volumes-fuzz.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - nameStaysInside: whatever the name, checkVolumeName refuses it with an engine SkiffError
//   (invalid_argument) or keeps it unchanged, and then the volume's directory is a direct child of
//   the volumes root: no name reaches outside it (no "/", no "." or "..").
// - filtersNeverThrowPlain: whatever the filters, list and prune selection keep a subset or refuse
//   with an engine SkiffError (docker's 400), never a plain Error.
import fc from "fast-check";
import { basename, dirname, join } from "node:path";
import { isSkiffError } from "../../common/errors.ts";
import { filterVolumes, pruneSelection } from "./filters.ts";
import { checkVolumeName } from "./names.ts";
import type { VolumeRecord } from "./record.ts";

const hostileName = fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^[a-zA-Z0-9_.\/-]{0,12}$/), fc.constantFrom("..", ".", "a/..", "../x", "a/b", "/abs", "a\0b", "é", "ab", "x".repeat(300), "a..b", "-a", "_a", "0"));

const refusedAsEngine = (e: unknown) => isSkiffError(e) && e.layer === "engine" && e.kind === "invalid_argument";

const ROOT = "/var/lib/skiff/volumes";

const volume = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9]{1,6}$/),
  anonymous: fc.boolean(),
  labels: fc.option(fc.dictionary(fc.constantFrom("a", "b", "env"), fc.constantFrom("", "1", "x=y")), { nil: null }),
});
const filterKey = fc.constantFrom("dangling", "name", "driver", "label", "label!", "all", "bogus", "until");
const filterValue = fc.oneof(fc.constantFrom("true", "false", "1", "0", "a", "a=1", "env", "^b", "x$", "local", "TRUE"), fc.string({ maxLength: 6 }));

export const VOLUME_PROPERTIES: Record<"nameStaysInside" | "filtersNeverThrowPlain", () => fc.IRawProperty<any>> = {
  nameStaysInside: () =>
    fc.property(hostileName, (name) => {
      let kept: string;
      try {
        kept = checkVolumeName(name);
      } catch (e) {
        if (!refusedAsEngine(e)) throw e;
        return;
      }
      if (kept !== name) throw new Error(`the name changed: ${JSON.stringify(name)} → ${JSON.stringify(kept)}`);
      const dir = join(ROOT, kept);
      if (dirname(dir) !== ROOT || basename(dir) !== kept) throw new Error(`volume ${JSON.stringify(name)} leaves the root: ${dir}`);
    }),
  filtersNeverThrowPlain: () =>
    fc.property(fc.array(volume, { maxLength: 6 }), fc.dictionary(filterKey, fc.array(filterValue, { maxLength: 3 })), fc.boolean(), (vs, filters, used) => {
      const records: VolumeRecord[] = vs.map((v) => ({ ...v, driver: "local", created: "2026-01-01T00:00:00Z", options: null }));
      for (const select of [filterVolumes, pruneSelection]) {
        try {
          const out = select(records, filters, () => used);
          if (out.some((v) => !records.includes(v))) throw new Error("a volume that was not there");
        } catch (e) {
          if (!refusedAsEngine(e)) throw e;
        }
      }
    }),
};
