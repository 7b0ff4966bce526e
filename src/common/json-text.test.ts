import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { describeJsonProblem, parseJsonText, syntaxErrorAt } from "./json-text.ts";

const nested = (n: number) => "[".repeat(n) + "]".repeat(n);

describe("parseJsonText", () => {
  test("a document within the limits parses as JSON.parse would", () => {
    expect(parseJsonText('{"a":[1,{"b":null}]}')).toEqual({ ok: true, value: { a: [1, { b: null }] } });
  });

  test("100,000 levels deep is refused before JSON.parse, with where", () => {
    const r = parseJsonText(`{"layers":${nested(100_000)}}`, { maxBytes: 1 << 20, maxDepth: 64 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toEqual({ kind: "too_deep", limit: 64, line: 1, column: 74 });
    expect(describeJsonProblem(r.problem)).toBe("nested more than 64 levels deep (line 1, column 74)");
  });

  test("brackets inside strings do not count as nesting", () => {
    expect(parseJsonText(JSON.stringify({ s: "[[[[[[[[\\\"[[[[" }), { maxBytes: 100, maxDepth: 1 }).ok).toBe(true);
  });

  test("the size limit counts UTF-8 bytes", () => {
    const r = parseJsonText(JSON.stringify("é".repeat(10)), { maxBytes: 21, maxDepth: 4 });
    expect(r).toEqual({ ok: false, problem: { kind: "too_large", bytes: 22, limit: 21 } });
  });

  test("a syntax error says where and never quotes the text", () => {
    const r = parseJsonText("root:x:0:0:root:/root:/bin/bash\n");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const said = describeJsonProblem(r.problem);
    expect(said).toBe("not valid JSON: expected a value at line 1, column 1");
    expect(said).not.toContain("root");
    const r2 = parseJsonText('{\n  "a": 1,\n  "b" 2\n}');
    expect(r2.ok ? "" : describeJsonProblem(r2.problem)).toBe("not valid JSON: expected ':' at line 3, column 7");
  });

  test("fuzz: the grammar check agrees with JSON.parse on any text", () => {
    const jsonish = fc.oneof(
      fc.string({ unit: fc.constantFrom(..."{}[]\",:0123456789.-+eEtruefalsn \\u\n\t") }),
      fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
      fc.json(),
      fc.string(),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        let accepted = true;
        try {
          JSON.parse(text);
        } catch {
          accepted = false;
        }
        expect(syntaxErrorAt(text) === undefined).toBe(accepted);
        const r = parseJsonText(text, { maxBytes: 1 << 20, maxDepth: 1000 });
        expect(r.ok).toBe(accepted);
      }),
      { numRuns: 3000, seed: 8 },
    );
  });

  test("fuzz: any JSON value round-trips, and nesting past the limit is always caught", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 1, max: 12 }), (v, limit) => {
        const text = JSON.stringify(v);
        const r = parseJsonText(text, { maxBytes: 1 << 24, maxDepth: limit });
        if (r.ok) expect(r.value).toEqual(JSON.parse(text));
        else expect(r.problem.kind).toBe("too_deep");
        expect(r.ok).toBe(depthOf(v) <= limit);
      }),
      { numRuns: 2000, seed: 8 },
    );
  });
});

function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === "object") return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}
