// The shell's word expansion as Dockerfile instructions have it (buildkit's shell lexer), for
// import --change (import-changes.ts): quotes and backslashes removed, $VAR, ${VAR} and
// ${VAR:-word}, ${VAR:+word}, ${VAR:?word} (and the forms without ":") expanded from an ENV list,
// and, when asked, unquoted white space splitting words. Malformed words throw ShellWordError,
// with the shell's words ("syntax error: missing '}'"). Pure.

/** A word the shell could not read. */
export class ShellWordError extends Error {}

function fail(why: string): never {
  throw new ShellWordError(why);
}

/** How deep ${VAR:-${…}} may nest. */
const MAX_NESTING = 100;

export function envMap(env: readonly string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env ?? []) {
    const eq = e.indexOf("=");
    m.set(eq < 0 ? e : e.slice(0, eq), eq < 0 ? "" : e.slice(eq + 1));
  }
  return m;
}

export const expand = (word: string, env: Map<string, string>): string => lex(word, env, false)[0] ?? "";

/** The word with its quotes and escapes removed and its variables expanded; with `split`, the words it makes. */
export function lex(word: string, env: Map<string, string>, split: boolean): string[] {
  const chars = [...word];
  let i = 0;
  const words: string[] = [];
  let cur = "";
  let started = false;
  const end = () => {
    if (started) words.push(cur);
    cur = "";
    started = false;
  };
  /** Appends text; unquoted whitespace splits words in split mode. */
  const add = (text: string, raw: boolean) => {
    if (!split || raw) {
      cur += text;
      started = true;
      return;
    }
    for (const ch of text) {
      if (/\s/.test(ch)) end();
      else {
        cur += ch;
        started = true;
      }
    }
  };

  const name = (): string => {
    let n = "";
    if (/[0-9]/.test(chars[i] ?? "")) {
      while (/[0-9]/.test(chars[i] ?? "")) n += chars[i++];
      return n;
    }
    while (i < chars.length && /[\p{L}\p{N}_]/u.test(chars[i]!)) n += chars[i++];
    return n;
  };

  /** Open ${…} substitutions: they recurse, so their nesting is bounded. */
  let depth = 0;

  /** Up to the unescaped `stop` (consumed), with quotes and variables processed. */
  const until = (stop: string): string => {
    let out = "";
    while (i < chars.length && chars[i] !== stop) {
      const ch = chars[i]!;
      if (ch === "'") out += single();
      else if (ch === '"') out += double();
      else if (ch === "$") out += dollar();
      else {
        i++;
        if (ch === "\\") {
          if (i >= chars.length) break;
          out += chars[i++];
        } else out += ch;
      }
    }
    if (chars[i] !== stop) fail(`syntax error: missing '${stop}'`);
    i++;
    return out;
  };

  const single = (): string => {
    i++;
    let out = "";
    while (i < chars.length && chars[i] !== "'") out += chars[i++];
    if (i >= chars.length) fail("unexpected end of statement while looking for matching single-quote");
    i++;
    return out;
  };

  const double = (): string => {
    i++;
    let out = "";
    for (;;) {
      if (i >= chars.length) fail("unexpected end of statement while looking for matching double-quote");
      const ch = chars[i]!;
      if (ch === '"') {
        i++;
        return out;
      }
      if (ch === "$") {
        out += dollar();
        continue;
      }
      i++;
      if (ch === "\\") {
        if (i >= chars.length) continue;
        if (chars[i] === '"' || chars[i] === "$" || chars[i] === "\\") {
          out += chars[i++];
          continue;
        }
      }
      out += ch;
    }
  };

  const dollar = (): string => {
    i++;
    if (chars[i] !== "{") {
      const n = name();
      return n === "" ? "$" : (env.get(n) ?? "");
    }
    i++;
    if (i >= chars.length) fail("syntax error: missing '}'");
    if (chars[i] === "{" || chars[i] === "}" || chars[i] === ":") fail("syntax error: bad substitution");
    const n = name();
    if (n === "") fail("syntax error: bad substitution");
    const value = env.get(n);
    const op = chars[i++];
    if (op === "}") return value ?? "";
    if (op === undefined) fail("syntax error: missing '}'");
    const colon = op === ":";
    const mod = colon ? chars[i++] : op;
    if (mod !== "-" && mod !== "+" && mod !== "?") fail(`unsupported modifier (${mod ?? "end of word"}) in substitution`);
    if (++depth > MAX_NESTING) fail(`syntax error: substitutions nest deeper than ${MAX_NESTING}`);
    const w = until("}");
    depth--;
    const set = colon ? value !== undefined && value !== "" : value !== undefined;
    if (mod === "-") return set ? value! : w;
    if (mod === "+") return set ? w : "";
    if (!set) fail(`${n}: ${w || (colon ? "is not allowed to be empty" : "is not allowed to be unset")}`);
    return value!;
  };

  while (i < chars.length) {
    const ch = chars[i]!;
    if (ch === "'") add(single(), true);
    else if (ch === '"') add(double(), true);
    else if (ch === "$") add(dollar(), false);
    else {
      i++;
      if (ch === "\\") {
        if (i >= chars.length) break;
        add(chars[i++]!, true);
      } else add(ch, false);
    }
  }
  end();
  return split ? words : [words.join("")];
}
