// Properties of the common parsers for fast-check: a short seeded run in json-text.test.ts and
// url-hop.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - grammarAgrees: for any text, the JSON grammar check (syntaxErrorAt) and JSON.parse agree, and
//   parseJsonText accepts exactly what JSON.parse accepts (within its limits).
// - depthLimit: any JSON value round-trips, and nesting past the limit is always caught.
// - hopsStayWeb: whatever Location a server sends, a hop that passes is an http(s) URL with a
//   host, and never a downgrade from https unless allowed.
import { expect } from "bun:test";
import fc from "fast-check";
import { parseJsonText, syntaxErrorAt } from "./json-text.ts";
import { isFetchableUrl, nextHop } from "./url-hop.ts";

function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === "object") return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

const grammarAgrees = () => {
  const jsonish = fc.oneof(
    fc.string({ unit: fc.constantFrom(..."{}[]\",:0123456789.-+eEtruefalsn \\u\n\t") }),
    fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
    fc.json(),
    fc.string(),
  );
  return fc.property(jsonish, (text) => {
    let accepted = true;
    try {
      JSON.parse(text);
    } catch {
      accepted = false;
    }
    expect(syntaxErrorAt(text) === undefined).toBe(accepted);
    expect(parseJsonText(text, { maxBytes: 1 << 20, maxDepth: 1000 }).ok).toBe(accepted);
  });
};

const depthLimit = () =>
  fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 1, max: 12 }), (v, limit) => {
    const text = JSON.stringify(v);
    const r = parseJsonText(text, { maxBytes: 1 << 24, maxDepth: limit });
    if (r.ok) expect(r.value).toEqual(JSON.parse(text));
    else expect(r.problem.kind).toBe("too_deep");
    expect(r.ok).toBe(depthOf(v) <= limit);
  });

const hopsStayWeb = () => {
  const location = fc.oneof(fc.string(), fc.webUrl(), fc.constantFrom("file:", "file:/x", "FiLe://h/x", "\tfile:///x", " http://a/", "http:\\\\a\\b", "https:/a", "data:x"), fc.webPath());
  return fc.property(location, fc.constantFrom("https://r.example/v2/", "http://127.0.0.1:5000/v2/x"), fc.boolean(), (loc, from, allowDowngrade) => {
    const h = nextHop(loc, from, { allowDowngrade });
    if (h.ok) {
      expect(isFetchableUrl(h.url)).toBe(true);
      if (from.startsWith("https:") && !allowDowngrade) expect(h.url.startsWith("https:")).toBe(true);
    }
  });
};

export const COMMON_PROPERTIES: Record<"grammarAgrees" | "depthLimit" | "hopsStayWeb", () => fc.IRawProperty<any>> = { grammarAgrees, depthLimit, hopsStayWeb };
