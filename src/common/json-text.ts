// JSON from outside (registry documents, API bodies, files a user points at) parsed with limits:
// a size and a nesting depth checked before JSON.parse, so that a 100,000-deep document fails as
// "too deep" here rather than as a stack overflow in whatever walks the value later (a checker, a
// logger, JSON.stringify). A syntax error is located by line and column and never quotes the text:
// the text may be anything (a host file a hostile server pointed at, a secret).

export interface JsonLimits {
  /** Bytes (UTF-8) the text may hold. */
  maxBytes: number;
  /** Arrays and objects nested in one another, at most. */
  maxDepth: number;
}

/** What registry and API documents need: manifests nest four deep, container bodies about eight. */
export const DOCUMENT_LIMITS: JsonLimits = { maxBytes: 4 << 20, maxDepth: 64 };

export type JsonProblem =
  | { kind: "too_large"; bytes: number; limit: number }
  | { kind: "too_deep"; limit: number; line: number; column: number }
  | { kind: "syntax"; line: number; column: number; expected: string };

export type JsonResult = { ok: true; value: unknown } | { ok: false; problem: JsonProblem };

/** Parses `input` within `limits`; never throws for bad input. */
export function parseJsonText(input: string | Uint8Array, limits: JsonLimits = DOCUMENT_LIMITS): JsonResult {
  const bytes = typeof input === "string" ? Buffer.byteLength(input) : input.byteLength;
  if (bytes > limits.maxBytes) return { ok: false, problem: { kind: "too_large", bytes, limit: limits.maxBytes } };
  const text = typeof input === "string" ? input : new TextDecoder().decode(input);
  const deep = depthExceeded(text, limits.maxDepth);
  if (deep !== -1) return { ok: false, problem: { kind: "too_deep", limit: limits.maxDepth, ...lineColumn(text, deep) } };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // (a text JSON.parse refuses and this grammar takes is a bug of one of them: point at its start)
    const at = syntaxErrorAt(text) ?? { offset: 0, expected: "valid JSON" };
    return { ok: false, problem: { kind: "syntax", ...lineColumn(text, at.offset), expected: at.expected } };
  }
}

/** The problem in words, for a message after "parse WHAT: ". */
export function describeJsonProblem(p: JsonProblem): string {
  switch (p.kind) {
    case "too_large":
      return `${p.bytes} bytes is more than the ${p.limit} allowed`;
    case "too_deep":
      return `nested more than ${p.limit} levels deep (line ${p.line}, column ${p.column})`;
    case "syntax":
      return `not valid JSON: expected ${p.expected} at line ${p.line}, column ${p.column}`;
  }
}

/** Offset of the first bracket that opens level `max + 1`, or -1. Brackets in strings do not count. */
function depthExceeded(text: string, max: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // skip the string: to the next quote not escaped
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/**
 * Where the grammar of RFC 8259 first fails in `text`, or undefined when it holds. Recursive: call
 * it only on text that passed the depth check.
 */
export function syntaxErrorAt(text: string): { offset: number; expected: string } | undefined {
  let i = 0;
  class Stop {
    constructor(readonly expected: string) {}
  }
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const fail = (expected: string): never => {
    throw new Stop(expected);
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail("a value");
  };
  const string = () => {
    if (text[i] !== '"') fail("a string");
    for (i++; ; i++) {
      if (i >= text.length) fail("the end of the string");
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail("an escaped control character");
      if (c === 0x5c) {
        const e = text[++i];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail("four hex digits");
          i += 4;
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) fail("an escape sequence");
      }
    }
    i++;
  };
  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail("a value");
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        string();
        ws();
        if (text[i] !== ":") fail("':'");
        i++;
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return;
        } else fail("',' or '}'");
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return;
        } else fail("',' or ']'");
      }
    } else if (c === '"') string();
    else if (c === "t") literal("true");
    else if (c === "f") literal("false");
    else if (c === "n") literal("null");
    else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) number();
    else fail(c === undefined ? "a value (the text ended)" : "a value");
  };
  try {
    value();
    ws();
    if (i < text.length) fail("the end of the text");
  } catch (e) {
    if (e instanceof Stop) return { offset: i, expected: e.expected };
    throw e;
  }
  return undefined;
}
