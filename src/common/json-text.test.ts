import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { COMMON_PROPERTIES } from "./common.fuzz.ts";
import { describeJsonProblem, parseJsonText } from "./json-text.ts";

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

  for (const name of ["grammarAgrees", "depthLimit"] as const) {
    test(`property ${name} (common.fuzz.ts, seeded; scripts/fuzz.ts runs it long)`, () => fc.assert(COMMON_PROPERTIES[name](), { numRuns: 2000, seed: 8 }));
  }
});

