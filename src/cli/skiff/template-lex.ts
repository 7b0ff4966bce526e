// Lexing for templates: splitPieces cuts a template into text and action pieces (applying the
// {{- and -}} trim markers, tagging each with its line); lexAction cuts one action's source into
// words: quoted strings (unescaped), punctuation (| ( ) , = :=) and bare words (fields, variables,
// names, numbers; a 'c' character constant becomes its code point). Errors go to `fail`.

export interface Piece {
  text?: string;
  action?: string;
  /** 1-based line of the piece's start, for messages. */
  line: number;
}

export type Word = { t: "str"; v: string } | { t: "word"; v: string } | { t: "punct"; v: string };

const SPACE = /[ \t\r\n]/;

export function splitPieces(template: string, fail: (why: string) => never): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let trimNext = false;
  const lineAt = (pos: number) => template.slice(0, pos).split("\n").length;
  while (i < template.length) {
    const open = template.indexOf("{{", i);
    let text = open < 0 ? template.slice(i) : template.slice(i, open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, "");
    trimNext = false;
    if (open < 0) {
      if (text) out.push({ text, line: lineAt(i) });
      break;
    }
    // "{{- " trims the white space before the action ("{{-3}}" is the number -3)
    let start = open + 2;
    if (template[start] === "-" && SPACE.test(template[start + 1] ?? "")) {
      text = text.replace(/[ \t\r\n]+$/, "");
      start += 2;
    }
    if (text) out.push({ text, line: lineAt(i) });
    const close = findClose(template, start);
    if (close < 0) fail("unclosed action");
    let end = close;
    if (template[close - 1] === "-" && SPACE.test(template[close - 2] ?? "")) {
      trimNext = true;
      end = close - 1;
    }
    out.push({ action: template.slice(start, end).trim(), line: lineAt(open) });
    i = close + 2;
  }
  return out;
}

/** The "}}" that closes the action starting at `from`, skipping quoted strings. */
function findClose(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'") {
      for (i++; i < s.length && s[i] !== c; i++) if (s[i] === "\\") i++;
    } else if (c === "`") {
      i = s.indexOf("`", i + 1);
      if (i < 0) return -1;
    } else if (c === "}" && s[i + 1] === "}") return i;
  }
  return -1;
}

export function lexAction(action: string, fail: (why: string) => never): Word[] {
  const out: Word[] = [];
  let i = 0;
  while (i < action.length) {
    const c = action[i]!;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      for (; j < action.length && action[j] !== '"'; j++) {
        if (action[j] === "\\") j++;
        else if (action[j] === "\n") fail("unterminated quoted string");
      }
      if (j >= action.length) fail("unterminated quoted string");
      out.push({ t: "str", v: unquote(action.slice(i + 1, j), fail) });
      i = j + 1;
      continue;
    }
    if (c === "`") {
      const j = action.indexOf("`", i + 1);
      if (j < 0) fail("unterminated raw quoted string");
      out.push({ t: "str", v: action.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    if (c === "'") {
      const j = action.indexOf("'", i + 1);
      if (j < 0) fail("unterminated character constant");
      const ch = unquote(action.slice(i + 1, j), fail);
      if ([...ch].length !== 1) fail(ch === "" ? "empty character constant" : `invalid syntax in character constant '${action.slice(i + 1, j)}'`);
      out.push({ t: "word", v: String(ch.codePointAt(0)) });
      i = j + 1;
      continue;
    }
    if (action.startsWith(":=", i)) {
      out.push({ t: "punct", v: ":=" });
      i += 2;
      continue;
    }
    if ("|(),=".includes(c)) {
      out.push({ t: "punct", v: c });
      i++;
      continue;
    }
    let j = i;
    while (j < action.length && !SPACE.test(action[j]!) && !"|(),\"`'".includes(action[j]!) && !action.startsWith(":=", j) && !(action[j] === "=" && j > i)) j++;
    if (j === i) fail(`unexpected ${JSON.stringify(c)} in command`);
    out.push({ t: "word", v: action.slice(i, j) });
    i = j;
  }
  return out;
}

/** Go's escapes in "…" strings: \n \t \r \\ \" \xHH \uHHHH \UHHHHHHHH \a \b \f \v \0oo. */
function unquote(s: string, fail: (why: string) => never): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/gs, (_, e: string) => {
    const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "'": "'", a: "\x07", b: "\b", f: "\f", v: "\v" };
    if (e.length === 1) {
      if (e in simple) return simple[e]!;
      fail(`unknown escape sequence \\${e}`);
    }
    if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    const code = parseInt(e.slice(1), 16);
    // as Go's strconv.Unquote: no code point above U+10FFFF, no UTF-16 surrogate halves
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) fail(`invalid syntax: escape \\${e} is not a Unicode code point`);
    return String.fromCodePoint(code);
  });
}
