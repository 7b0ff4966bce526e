// Parsing a template into its tree (template-tree.ts): parse() takes the lexed pieces and checks
// what Go checks at parse time (matching {{end}}s, {{break}}/{{continue}} inside {{range}},
// declared variables, defined functions, the shape of pipelines). Errors go to `fail`, with the line.
import { FUNCS } from "./template-funcs.ts";
import { lexAction, type Piece, type Word } from "./template-lex.ts";
import type { Node, Operand, Pipeline } from "./template-tree.ts";

type Fail = (why: string, line?: number) => never;

export function parse(pieces: Piece[], fail: Fail): Node[] {
  return new Parser(pieces, fail).parse();
}

const KEYWORDS = new Set(["if", "else", "end", "range", "with", "break", "continue", "define", "template", "block", "nil"]);

/** Control structures and parentheses nest at most this deep: the parser and the executor recurse. */
export const MAX_NESTING = 500;

const DIGITS = "\\d(?:_?\\d)*";
const FLOAT = new RegExp(`^(?:${DIGITS}\\.(?:${DIGITS})?|\\.${DIGITS}|${DIGITS})(?:[eE][-+]?${DIGITS})?$`);
const RADIX: [RegExp, number][] = [[/^0[xX](?:_?[0-9a-fA-F])+$/, 16], [/^0[oO](?:_?[0-7])+$/, 8], [/^0[bB](?:_?[01])+$/, 2], [/^0(?:_?[0-7])+$/, 8], [/^(?:0|[1-9](?:_?\d)*)$/, 10]];

/** A number as Go's template lexer and strconv read it (sign, 0x/0o/0b/0 prefixes, "_" between digits, floats); undefined when malformed ("08") or infinite. */
export function goNumber(text: string): number | undefined {
  const sign = text.startsWith("-") ? -1 : 1;
  const body = /^[-+]/.test(text) ? text.slice(1) : text;
  let v: number | undefined;
  for (const [re, radix] of RADIX) {
    if (!re.test(body)) continue;
    const digits = body.replace(/_/g, "").replace(radix === 10 ? /^$/ : /^0[xXoObB]?/, "");
    v = radix === 10 ? Number(digits) : digits === "" ? 0 : parseInt(digits, radix);
    break;
  }
  if (v === undefined && /[.eE]/.test(body) && FLOAT.test(body)) v = Number(body.replace(/_/g, ""));
  return v !== undefined && Number.isFinite(v) ? sign * v : undefined;
}

class Parser {
  private pos = 0;
  private rangeDepth = 0;
  /** Open control structures and parentheses. */
  private depth = 0;
  /** Variables in scope, innermost last; "$" always. */
  private scopes: string[][] = [["$"]];

  constructor(
    private readonly pieces: Piece[],
    private readonly fail: Fail,
  ) {}

  parse(): Node[] {
    const { list, end } = this.list();
    if (end) this.fail(`unexpected {{${end.word}}}`, end.line);
    return list;
  }

  /** Nodes up to an {{else…}} or {{end}} (returned as `end`), or to the end of the template. */
  private list(): { list: Node[]; end?: { word: "else" | "end"; rest: Word[]; line: number } } {
    const list: Node[] = [];
    while (this.pos < this.pieces.length) {
      const p = this.pieces[this.pos++]!;
      if (p.text !== undefined) {
        list.push({ kind: "text", text: p.text.replace(/\\t/g, "\t").replace(/\\n/g, "\n") });
        continue;
      }
      const action = p.action!;
      if (action.startsWith("/*")) {
        if (!action.endsWith("*/")) this.fail("unclosed comment", p.line);
        continue;
      }
      const words = lexAction(action, (why) => this.fail(why, p.line));
      const head = words[0];
      if (!head) this.fail("missing value for command", p.line);
      const kw = head.t === "word" ? head.v : "";
      if (kw === "end" || kw === "else") {
        if (kw === "end" && words.length > 1) this.fail("unexpected words after end", p.line);
        return { list, end: { word: kw, rest: words.slice(1), line: p.line } };
      }
      if (kw === "if" || kw === "with" || kw === "range") {
        list.push(this.control(kw, words.slice(1), p.line));
        continue;
      }
      if (kw === "break" || kw === "continue") {
        if (this.rangeDepth === 0) this.fail(`{{${kw}}} outside {{range}}`, p.line);
        if (words.length > 1) this.fail(`unexpected words after ${kw}`, p.line);
        list.push({ kind: kw });
        continue;
      }
      if (kw === "define" || kw === "template" || kw === "block") this.fail(`{{${kw}}} is not supported`, p.line);
      list.push({ kind: "action", pipe: this.pipeline(words, p.line) });
    }
    return { list };
  }

  private nest(line: number): void {
    if (++this.depth > MAX_NESTING) this.fail(`control structures and parentheses nest deeper than ${MAX_NESTING}`, line);
  }

  private control(kind: "if" | "with" | "range", words: Word[], line: number): Node {
    this.nest(line);
    try {
      return this.controlBody(kind, words, line);
    } finally {
      this.depth--;
    }
  }

  private controlBody(kind: "if" | "with" | "range", words: Word[], line: number): Node {
    this.scopes.push([]);
    const pipe = this.pipeline(words, line, kind === "range" ? 2 : 1);
    if (kind === "range") this.rangeDepth++;
    const body = this.list();
    if (kind === "range") this.rangeDepth--;
    this.scopes.pop();
    if (!body.end) this.fail(`unexpected EOF: {{${kind}}} without {{end}}`, line);
    const node = { kind, pipe, list: body.list } as Node & { elseList?: Node[] };
    if (body.end!.word === "else") {
      const rest = body.end!.rest;
      const chained = rest[0]?.t === "word" && (rest[0].v === "if" || rest[0].v === "with") ? rest[0].v : undefined;
      if (chained) {
        // {{else if …}} is {{else}}{{if …}}…{{end}} sharing the outer {{end}}
        node.elseList = [this.control(chained as "if" | "with", rest.slice(1), body.end!.line)];
      } else {
        if (rest.length) this.fail("unexpected words after else", body.end!.line);
        // a range's {{else}} runs when there is nothing to loop over: {{break}} there is outside it, as Go parses it
        this.scopes.push([]);
        const other = this.list();
        this.scopes.pop();
        if (other.end?.word !== "end") this.fail(other.end ? "expected end; found else" : `unexpected EOF: {{${kind}}} without {{end}}`, other.end?.line ?? line);
        node.elseList = other.list;
      }
    }
    return node;
  }

  private pipeline(words: Word[], line: number, maxDecl = 1): Pipeline {
    const fail = (why: string): never => this.fail(why, line);
    let rest = words;
    const decl: string[] = [];
    let assign = false;
    // $x := … / $x = … / $i, $e := …
    const declEnd = rest.findIndex((w) => w.t === "punct" && (w.v === ":=" || w.v === "="));
    if (declEnd > 0 && rest.slice(0, declEnd).every((w, i) => (i % 2 === 0 ? w.t === "word" && /^\$\w*$/.test(w.v) : w.t === "punct" && w.v === ","))) {
      for (let i = 0; i < declEnd; i += 2) decl.push(rest[i]!.v);
      assign = rest[declEnd]!.v === "=";
      if (decl.length > maxDecl) fail(`too many declarations in command`);
      if (assign) for (const v of decl) if (!this.known(v)) fail(`undefined variable "${v}"`);
      rest = rest.slice(declEnd + 1);
    }
    const cmds: Operand[][] = [];
    let cmd: Operand[] = [];
    let i = 0;
    const operand = (): Operand => {
      const w = rest[i++]!;
      if (w.t === "str") return { kind: "literal", value: w.v };
      if (w.t === "punct") {
        if (w.v !== "(") fail(`unexpected "${w.v}" in operand`);
        let depth = 1;
        const start = i;
        for (; i < rest.length && depth > 0; i++) {
          if (rest[i]!.t === "punct" && rest[i]!.v === "(") depth++;
          if (rest[i]!.t === "punct" && rest[i]!.v === ")") depth--;
        }
        if (depth > 0) fail("unclosed left paren");
        this.nest(line);
        const inner = this.pipeline(rest.slice(start, i - 1), line, 0);
        this.depth--;
        // (…).Field
        const next = rest[i];
        let path: string[] = [];
        if (next?.t === "word" && next.v.startsWith(".") && next.v !== ".") {
          path = next.v.slice(1).split(".");
          i++;
        }
        return { kind: "pipe", pipe: inner, path };
      }
      const v = w.v;
      if (/^[-+]?\.?\d/.test(v)) {
        const n = goNumber(v);
        if (n === undefined) fail(`illegal number syntax: ${JSON.stringify(v)}`);
        return { kind: "literal", value: n };
      }
      if (v === ".") return { kind: "field", path: [] };
      if (v.startsWith(".")) {
        const path = v.slice(1).split(".");
        if (path.some((p) => !/^\w+$/.test(p))) fail(`bad field ${JSON.stringify(v)}`);
        return { kind: "field", path };
      }
      if (v.startsWith("$")) {
        const [name, ...path] = v.split(".");
        if (!this.known(name!)) fail(`undefined variable "${name}"`);
        return { kind: "var", name: name!, path };
      }
      if (v === "true" || v === "false") return { kind: "literal", value: v === "true" };
      if (v === "nil") return { kind: "literal", value: null };
      if (/^\w+$/.test(v) && !KEYWORDS.has(v)) {
        if (!Object.hasOwn(FUNCS, v)) fail(`function "${v}" not defined`);
        return { kind: "func", name: v };
      }
      if (KEYWORDS.has(v)) fail(`unexpected <${v}> in command`);
      return fail(`unexpected ${JSON.stringify(v)} in command`);
    };
    while (i < rest.length) {
      const w = rest[i]!;
      if (w.t === "punct" && w.v === "|") {
        if (!cmd.length) fail("missing command before |");
        cmds.push(cmd);
        cmd = [];
        i++;
        continue;
      }
      if (w.t === "punct" && (w.v === ")" || w.v === "," || w.v === "=" || w.v === ":=")) fail(`unexpected "${w.v}" in command`);
      cmd.push(operand());
    }
    if (cmd.length) cmds.push(cmd);
    else if (cmds.length) fail("missing command after |");
    if (!cmds.length) fail("missing value for command");
    // a field, a variable's or a parenthesized pipeline's may be a method (docker's .Label "key"),
    // which execution checks; a literal takes no arguments
    for (const [n, c] of cmds.entries()) {
      if (c[0]!.kind === "literal" && (c.length > 1 || n > 0)) fail(`can't give argument to non-function ${describe(c[0]!)}`);
    }
    if (!assign) this.scopes.at(-1)!.push(...decl);
    return { decl, assign, cmds };
  }

  private known(name: string): boolean {
    return this.scopes.some((s) => s.includes(name));
  }
}

function describe(o: Operand): string {
  if (o.kind === "field") return `.${o.path.join(".")}`;
  if (o.kind === "var") return [o.name, ...o.path].join(".");
  if (o.kind === "literal") return JSON.stringify(o.value);
  return "(…)";
}
