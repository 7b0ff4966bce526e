// Properties of the v1 search answer's parser (search.ts parseSearchAnswer) for fast-check: a short
// seeded run in search.test.ts, a long one in scripts/fuzz.ts (image.search-answer). Test code only.
//
// - any bytes: results, or IMAGE_REGISTRY_PROTOCOL; never another error;
// - results are at most the limit, each with docker's five fields of their types, printable;
// - a well-formed answer keeps its named entries in order.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { parseSearchAnswer } from "./search.ts";

const anyJson = fc.jsonValue({ maxDepth: 4 });
const entry = fc.record({ name: fc.string({ maxLength: 20 }), description: fc.string({ maxLength: 60 }), star_count: fc.nat(), is_official: fc.boolean(), is_automated: fc.boolean() });
const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function outcome(bytes: Uint8Array, limit: number) {
  try {
    return { results: parseSearchAnswer(bytes, limit, "search") };
  } catch (e) {
    if (isSkiffError(e) && e.code === "IMAGE_REGISTRY_PROTOCOL") return { refused: true };
    throw e;
  }
}

const printable = (s: string) => !/[\u0000-\u001f\u007f-\u009f]/.test(s);

export const SEARCH_PROPERTIES = {
  anyBytes: () =>
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), anyJson.map(encode), fc.record({ results: fc.array(anyJson, { maxLength: 6 }) }).map(encode)), fc.integer({ min: 1, max: 100 }), (bytes, limit) => {
      const o = outcome(bytes, limit);
      if (!o.results) return true;
      return (
        o.results.length <= limit &&
        o.results.every((r) => typeof r.name === "string" && typeof r.description === "string" && Number.isInteger(r.star_count) && typeof r.is_official === "boolean" && typeof r.is_automated === "boolean" && printable(r.name) && printable(r.description))
      );
    }),
  wellFormedKept: () =>
    fc.property(fc.array(entry, { maxLength: 8 }), fc.integer({ min: 1, max: 10 }), (entries, limit) => {
      const got = parseSearchAnswer(encode({ num_results: entries.length, results: entries }), limit, "search");
      return got.length === Math.min(limit, entries.length) && got.every((r, i) => r.star_count === entries[i]!.star_count && r.is_official === entries[i]!.is_official);
    }),
};
