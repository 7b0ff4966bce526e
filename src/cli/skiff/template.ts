// Go's text/template, as much of it as docker's --format uses: text with actions that print a
// pipeline ({{.Field.Path}}, {{json .X}}, {{.X | upper}}, {{printf "%-10s" .Y}}), control
// structures ({{if}}/{{else if}}/{{else}}/{{end}}, {{range}} with "." rebound to each element and
// optional $i, $e := …, {{with}}, {{break}}, {{continue}}), variables ($ is the data; $x := …),
// trim markers ({{- and -}}) and comments. Functions: docker's (json, join, split, lower, upper,
// title, pad, truncate) and Go's builtins (and, or, not, len, index, slice, print, printf, println,
// eq, ne, lt, le, gt, ge). "\t" and "\n" written as two characters in the text become a tab and a
// newline, as docker's formatter does. Anything else is a clear error rather than silently wrong output.
import { invalid } from "../../common/errors.ts";

type Value = unknown;

const FUNCTION_NAMES = "json, join, split, lower, upper, title, pad, truncate, and, or, not, len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge";

// ---------------------------------------------------------------------------------------------
// The syntax tree

type Node =
  | { kind: "text"; text: string }
  | { kind: "action"; pipe: Pipeline }
  | { kind: "if" | "with"; pipe: Pipeline; list: Node[]; elseList?: Node[] }
  | { kind: "range"; pipe: Pipeline; list: Node[]; elseList?: Node[] }
  | { kind: "break" | "continue" };

interface Pipeline {
  /** Variables declared (":=") or assigned ("="). */
  decl: string[];
  assign: boolean;
  cmds: Operand[][];
}

type Operand =
  | { kind: "field"; path: string[] } // .A.B ("." alone: path [])
  | { kind: "var"; name: string; path: string[] } // $x.A
  | { kind: "func"; name: string }
  | { kind: "literal"; value: Value }
  | { kind: "pipe"; pipe: Pipeline; path: string[] }; // (…).A

// ---------------------------------------------------------------------------------------------
// Lexing: the template into text and action pieces, an action into words

interface Piece {
  text?: string;
  action?: string;
  /** 1-based line of the piece's start, for messages. */
  line: number;
}

const SPACE = /[ \t\r\n]/;

function splitPieces(template: string, fail: (why: string) => never): Piece[] {
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

type Word = { t: "str"; v: string } | { t: "word"; v: string } | { t: "punct"; v: string };

function lexAction(action: string, fail: (why: string) => never): Word[] {
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
      out.push({ t: "word", v: String(ch.codePointAt(0) ?? 0) });
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
    return String.fromCodePoint(parseInt(e.slice(1), 16));
  });
}

// ---------------------------------------------------------------------------------------------
// Parsing

const KEYWORDS = new Set(["if", "else", "end", "range", "with", "break", "continue", "define", "template", "block", "nil"]);

class Parser {
  private pos = 0;
  private rangeDepth = 0;
  /** Variables in scope, innermost last; "$" always. */
  private scopes: string[][] = [["$"]];

  constructor(
    private readonly pieces: Piece[],
    private readonly fail: (why: string, line?: number) => never,
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

  private control(kind: "if" | "with" | "range", words: Word[], line: number): Node {
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
        this.scopes.push([]);
        if (kind === "range") this.rangeDepth++;
        const other = this.list();
        if (kind === "range") this.rangeDepth--;
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
        const inner = this.pipeline(rest.slice(start, i - 1), line, 0);
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
      if (/^[-+]?(\d[\d_]*(\.\d*)?([eE][-+]?\d+)?|0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|\.\d+([eE][-+]?\d+)?)$/.test(v)) return { kind: "literal", value: Number(v.replace(/_/g, "").replace(/^([-+]?)0([0-7]+)$/, "$10o$2")) };
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
        if (!(v in FUNCS)) fail(`function "${v}" not defined`);
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
    for (const [n, c] of cmds.entries()) {
      if (c[0]!.kind !== "func" && c.length > 1) fail(`can't give argument to non-function ${describe(c[0]!)}`);
      if (n > 0 && c[0]!.kind !== "func") fail(`can't give argument to non-function ${describe(c[0]!)}`);
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

// ---------------------------------------------------------------------------------------------
// Values as Go prints and tests them

/** Go's default printing: <no value> for missing, maps as map[k:v], lists as [a b]. */
export function goString(v: Value): string {
  if (v === undefined) return "<no value>";
  if (v === null) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goString).join(" ")}]`;
  if (typeof v === "object") return `map[${Object.keys(v).sort().map((k) => `${k}:${goString((v as Record<string, Value>)[k])}`).join(" ")}]`;
  return String(v);
}

/** Go's truth: false, 0, "", nil and empty lists and maps are false. */
function truth(v: Value): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

const typeName = (v: Value): string =>
  v === undefined || v === null ? "<nil>" : Array.isArray(v) ? "[]interface {}" : typeof v === "object" ? "map[string]interface {}" : typeof v === "number" ? (Number.isInteger(v) ? "int" : "float64") : typeof v === "boolean" ? "bool" : "string";

class ExecError extends Error {}

function wantString(fn: string, v: Value): string {
  if (typeof v !== "string") throw new ExecError(`error calling ${fn}: wrong type for value; expected string; got ${typeName(v)}`);
  return v;
}

function wantInt(fn: string, v: Value): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new ExecError(`error calling ${fn}: wrong type for value; expected int; got ${typeName(v)}`);
  return v;
}

function compare(fn: string, a: Value, b: Value): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (fn === "eq" || fn === "ne") {
    if ((typeof a === "object" && a !== null) || (typeof b === "object" && b !== null)) throw new ExecError(`error calling ${fn}: non-comparable types ${typeName(a)}, ${typeName(b)}`);
    if (typeof a !== typeof b && a !== null && a !== undefined && b !== null && b !== undefined) throw new ExecError(`error calling ${fn}: incompatible types for comparison`);
    return a === b || ((a === null || a === undefined) && (b === null || b === undefined)) ? 0 : 1;
  }
  throw new ExecError(`error calling ${fn}: incompatible types for comparison`);
}

/** fmt.Sprint: a space between operands when neither side is a string. */
function sprint(args: Value[]): string {
  let out = "";
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += goString(a);
  });
  return out;
}

/** fmt.Sprintf for the verbs templates use: %s %v %d %q %t %x %X %o %b %f %e %g %c %%, with flags, width and precision. */
export function sprintf(format: string, args: Value[]): string {
  let n = 0;
  return format.replace(/%([-+# 0]*)(\d+|\*)?(?:\.(\d+|\*)?)?([a-zA-Z%])/g, (_all, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
    if (verb === "%") return "%";
    if (width === "*") width = String(args[n++]);
    if (prec === "*") prec = String(args[n++]);
    if (n >= args.length) return `%!${verb}(MISSING)`;
    const a = args[n++];
    let s: string;
    switch (verb) {
      case "v":
      case "s":
        s = goString(a);
        if (prec !== undefined && verb === "s") s = s.slice(0, Number(prec));
        break;
      case "q":
        s = JSON.stringify(typeof a === "string" ? a : goString(a));
        break;
      case "d":
        s = typeof a === "number" ? String(Math.trunc(a)) : `%!d(${typeName(a)}=${goString(a)})`;
        if (flags.includes("+") && typeof a === "number" && a >= 0) s = `+${s}`;
        break;
      case "t":
        s = typeof a === "boolean" ? String(a) : `%!t(${typeName(a)}=${goString(a)})`;
        break;
      case "x":
      case "X":
        s = typeof a === "number" ? Math.trunc(a).toString(16) : Buffer.from(goString(a)).toString("hex");
        if (verb === "X") s = s.toUpperCase();
        break;
      case "o":
        s = typeof a === "number" ? Math.trunc(a).toString(8) : `%!o(${typeName(a)}=${goString(a)})`;
        break;
      case "b":
        s = typeof a === "number" ? Math.trunc(a).toString(2) : `%!b(${typeName(a)}=${goString(a)})`;
        break;
      case "f":
      case "F":
        s = typeof a === "number" ? a.toFixed(prec === undefined ? 6 : Number(prec)) : `%!f(${typeName(a)}=${goString(a)})`;
        break;
      case "e":
        s = typeof a === "number" ? a.toExponential(prec === undefined ? 6 : Number(prec)).replace(/e([-+])(\d)$/, "e$10$2") : `%!e(${typeName(a)}=${goString(a)})`;
        break;
      case "g":
        s = typeof a === "number" ? String(a) : `%!g(${typeName(a)}=${goString(a)})`;
        break;
      case "c":
        s = typeof a === "number" ? String.fromCodePoint(a) : `%!c(${typeName(a)}=${goString(a)})`;
        break;
      default:
        s = `%!${verb}(${typeName(a)}=${goString(a)})`;
    }
    const w = width === undefined ? 0 : Number(width);
    if (s.length < w) {
      if (flags.includes("-")) s = s.padEnd(w);
      else if (flags.includes("0") && /[dxXobfFe]/.test(verb)) s = s.startsWith("-") ? `-${s.slice(1).padStart(w - 1, "0")}` : s.padStart(w, "0");
      else s = s.padStart(w);
    }
    return s;
  }) + (n < args.length ? `%!(EXTRA ${args.slice(n).map((a) => `${typeName(a)}=${goString(a)}`).join(", ")})` : "");
}

/** strings.Title: the first letter of each word upper-cased. */
function title(s: string): string {
  let prev = " ";
  let out = "";
  for (const c of s) {
    out += /[\p{L}\p{N}_]/u.test(prev) ? c : c.toUpperCase();
    prev = c;
  }
  return out;
}

type Func = (args: Value[]) => Value;

function arity(name: string, args: Value[], min: number, max = min): void {
  if (args.length < min || args.length > max) throw new ExecError(`wrong number of args for ${name}: want ${min === max ? min : `${min} to ${max === Infinity ? "any" : max}`} got ${args.length}`);
}

const FUNCS: Record<string, Func> = {
  // docker's (github.com/docker/cli/templates)
  json: (a) => (arity("json", a, 1), JSON.stringify(a[0] ?? null)),
  join: (a) => {
    arity("join", a, 2);
    const [list, sep] = a;
    if (!Array.isArray(list)) throw new ExecError(`error calling join: wrong type for value; expected []string; got ${typeName(list)}`);
    return list.map((x) => (typeof x === "string" ? x : goString(x))).join(wantString("join", sep));
  },
  split: (a) => (arity("split", a, 2), wantString("split", a[0]).split(wantString("split", a[1]))),
  lower: (a) => (arity("lower", a, 1), wantString("lower", a[0]).toLowerCase()),
  upper: (a) => (arity("upper", a, 1), wantString("upper", a[0]).toUpperCase()),
  title: (a) => (arity("title", a, 1), title(wantString("title", a[0]))),
  pad: (a) => {
    arity("pad", a, 3);
    const s = wantString("pad", a[0]);
    return s === "" ? s : " ".repeat(Math.max(0, wantInt("pad", a[1]))) + s + " ".repeat(Math.max(0, wantInt("pad", a[2])));
  },
  truncate: (a) => {
    arity("truncate", a, 2);
    const s = wantString("truncate", a[0]);
    const n = wantInt("truncate", a[1]);
    return s.length < n ? s : s.slice(0, Math.max(0, n));
  },
  // Go's builtins
  and: (a) => (arity("and", a, 1, Infinity), a.find((x) => !truth(x)) ?? a.at(-1)),
  or: (a) => (arity("or", a, 1, Infinity), a.find((x) => truth(x)) ?? a.at(-1)),
  not: (a) => (arity("not", a, 1), !truth(a[0])),
  len: (a) => {
    arity("len", a, 1);
    const v = a[0];
    if (Array.isArray(v) || typeof v === "string") return typeof v === "string" ? Buffer.byteLength(v) : v.length;
    if (v && typeof v === "object") return Object.keys(v).length;
    throw new ExecError(`error calling len: len of type ${typeName(v)}`);
  },
  index: (a) => {
    arity("index", a, 1, Infinity);
    return a.slice(1).reduce<Value>((o, k) => {
      if (o === null || o === undefined) throw new ExecError("error calling index: index of untyped nil");
      if (Array.isArray(o) || typeof o === "string") {
        if (typeof k !== "number" || !Number.isInteger(k)) throw new ExecError(`error calling index: cannot index slice/array with type ${typeName(k)}`);
        if (k < 0 || k >= o.length) throw new ExecError(`error calling index: index out of range: ${k}`);
        return typeof o === "string" ? o.charCodeAt(k) : o[k];
      }
      if (typeof o === "object") return (o as Record<string, Value>)[String(k)];
      throw new ExecError(`error calling index: can't index item of type ${typeName(o)}`);
    }, a[0]);
  },
  slice: (a) => {
    arity("slice", a, 1, 4);
    const [v, ...idx] = a;
    if (!Array.isArray(v) && typeof v !== "string") throw new ExecError(`error calling slice: can't slice item of type ${typeName(v)}`);
    const [from = 0, to = v.length] = idx.map((x) => wantInt("slice", x));
    if (from < 0 || to > v.length || from > to) throw new ExecError(`error calling slice: index out of range: ${from}:${to}`);
    return v.slice(from, to);
  },
  print: (a) => sprint(a),
  printf: (a) => (arity("printf", a, 1, Infinity), sprintf(wantString("printf", a[0]), a.slice(1))),
  println: (a) => a.map(goString).join(" ") + "\n",
  eq: (a) => (arity("eq", a, 2, Infinity), a.slice(1).some((b) => compare("eq", a[0], b) === 0)),
  ne: (a) => (arity("ne", a, 2), compare("ne", a[0], a[1]) !== 0),
  lt: (a) => (arity("lt", a, 2), compare("lt", a[0], a[1]) < 0),
  le: (a) => (arity("le", a, 2), compare("le", a[0], a[1]) <= 0),
  gt: (a) => (arity("gt", a, 2), compare("gt", a[0], a[1]) > 0),
  ge: (a) => (arity("ge", a, 2), compare("ge", a[0], a[1]) >= 0),
};

// ---------------------------------------------------------------------------------------------
// Execution

/** Thrown by {{break}} and {{continue}} up to their {{range}} (what was printed is already out). */
const BREAK = Symbol("break");
const CONTINUE = Symbol("continue");

interface Scope {
  dot: Value;
  vars: Map<string, Value>[];
}

export interface CompiledTemplate {
  execute(data: Value): string;
}

/** A --format value: "json" (docker's keyword, one JSON document) or a template. */
export function compileFormat(format: string): CompiledTemplate {
  return compileTemplate(format.trim() === "json" ? "{{json .}}" : format);
}

export function compileTemplate(template: string): CompiledTemplate {
  const parseFail = (why: string, line?: number): never => {
    throw invalid("cli", "CLI_TEMPLATE_INVALID", `parse template "${template}"${line && template.includes("\n") ? ` (line ${line})` : ""}: ${why}`, `use .Field, control structures (if, range, with) and the functions ${FUNCTION_NAMES}`);
  };
  const tree = new Parser(splitPieces(template, parseFail), parseFail).parse();

  return {
    execute(data) {
      const fieldError = (why: string, hint?: string): never => {
        throw invalid("cli", "CLI_TEMPLATE_FIELD", `execute template "${template}": ${why}`, hint);
      };

      const field = (v: Value, path: string[]): Value => {
        path.forEach((key, depth) => {
          if (v === null || v === undefined) {
            if (depth > 0) fieldError(`nil pointer evaluating interface {}.${key}`);
            return;
          }
          if (typeof v !== "object" || Array.isArray(v)) fieldError(`can't evaluate field ${key} in type ${typeName(v)}`);
          // The data is a struct in docker (a row, an inspect result): an unknown field is an
          // error there. Deeper down, maps (Labels, Config…) answer <no value>, as Go's do.
          if (v === data && !(key in (v as object))) fieldError(`can't evaluate field ${key}`, `the fields are: ${Object.keys(v as object).join(", ")}`);
          v = (v as Record<string, Value>)[key];
        });
        return v;
      };

      const lookup = (s: Scope, name: string): Value => {
        for (let i = s.vars.length - 1; i >= 0; i--) if (s.vars[i]!.has(name)) return s.vars[i]!.get(name);
        return undefined;
      };

      const operand = (s: Scope, o: Operand): Value => {
        if (o.kind === "literal") return o.value;
        if (o.kind === "field") return field(s.dot, o.path);
        if (o.kind === "var") return field(lookup(s, o.name), o.path);
        if (o.kind === "pipe") return field(pipeline(s, o.pipe), o.path);
        return FUNCS[o.name]!([]);
      };

      const pipeline = (s: Scope, p: Pipeline): Value => {
        let value: Value;
        p.cmds.forEach((cmd, n) => {
          const [head, ...rest] = cmd;
          if (head!.kind === "func") {
            const args = rest.map((o) => operand(s, o));
            if (n > 0) args.push(value);
            try {
              value = FUNCS[head!.name]!(args);
            } catch (e) {
              if (e instanceof ExecError) fieldError(e.message);
              throw e;
            }
          } else value = operand(s, head!);
        });
        if (p.assign) {
          for (const name of p.decl) for (let i = s.vars.length - 1; i >= 0; i--) if (s.vars[i]!.has(name)) {
            s.vars[i]!.set(name, value);
            break;
          }
        } else if (p.decl.length === 1) s.vars.at(-1)!.set(p.decl[0]!, value);
        return value;
      };

      const print = (v: Value): string => (typeof v === "string" ? v : goString(v));

      const out: string[] = [];
      const run = (nodes: Node[], s: Scope): void => {
        for (const node of nodes) {
          switch (node.kind) {
            case "text":
              out.push(node.text);
              break;
            case "action": {
              const v = pipeline(s, node.pipe);
              if (!node.pipe.decl.length) out.push(print(v));
              break;
            }
            case "if":
            case "with": {
              // variables declared in the condition are seen by both branches
              const inner: Scope = { dot: s.dot, vars: [...s.vars, new Map()] };
              const v = pipeline(inner, node.pipe);
              if (truth(v)) run(node.list, node.kind === "with" ? { ...inner, dot: v } : inner);
              else if (node.elseList) run(node.elseList, inner);
              break;
            }
            case "range": {
              const decl = node.pipe.decl;
              const v = pipeline({ dot: s.dot, vars: [...s.vars, new Map()] }, { ...node.pipe, decl: [] });
              let entries: [Value, Value][] = [];
              if (v === null || v === undefined) entries = [];
              else if (Array.isArray(v)) entries = v.map((e, i) => [i, e]);
              else if (typeof v === "object") entries = Object.keys(v).sort().map((k) => [k, (v as Record<string, Value>)[k]]);
              else if (typeof v === "number" && Number.isInteger(v)) entries = Array.from({ length: Math.max(0, v) }, (_, i) => [i, i]);
              else fieldError(`range can't iterate over ${goString(v)}`);
              if (!entries.length) {
                if (node.elseList) run(node.elseList, { dot: s.dot, vars: [...s.vars, new Map()] });
                break;
              }
              for (const [k, e] of entries) {
                const vars = new Map<string, Value>();
                if (decl.length === 1) vars.set(decl[0]!, e);
                if (decl.length === 2) vars.set(decl[0]!, k).set(decl[1]!, e);
                try {
                  run(node.list, { dot: e, vars: [...s.vars, vars] });
                } catch (x) {
                  if (x === BREAK) break;
                  if (x !== CONTINUE) throw x;
                }
              }
              break;
            }
            case "break":
              throw BREAK;
            case "continue":
              throw CONTINUE;
          }
        }
      };
      run(tree, { dot: data, vars: [new Map([["$", data]])] });
      return out.join("");
    },
  };
}
