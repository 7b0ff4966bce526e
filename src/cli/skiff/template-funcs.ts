// The template function table: docker's (json, join, split, lower, upper, title, pad, truncate)
// and Go's builtins (and, or, not, len, index, slice, print, printf, println, eq, ne, lt, le, gt,
// ge). Each takes its evaluated arguments; a bad call throws ExecError with Go's message.
import { MAX_WIDTH, sprint, sprintf } from "./template-fmt.ts";
import { goString, truth, typeName, type Value } from "./template-value.ts";

/** A function's call went wrong (arity, argument types, index range); the executor reports it. */
export class ExecError extends Error {}

type Func = (args: Value[]) => Value;

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

/** The first argument that `test` holds for, else the last (by index: that argument may itself be nil). */
function firstOrLast(a: Value[], test: (v: Value) => boolean): Value {
  const i = a.findIndex(test);
  return i < 0 ? a.at(-1) : a[i];
}

/** The rows of docker's formatter contexts (ps, images, volume ls…): their {{json .}} is Go's
 *  json.Marshal, which escapes <, >, & and U+2028/U+2029 (a field's {{json .X}} is not). */
const formatterRows = new WeakSet<object>();

/** Marks a row as one of docker's formatter contexts (see formatterRows). */
export function asFormatterRow<T extends object>(row: T): T {
  formatterRows.add(row);
  return row;
}

/** JSON.stringify, but a bigint (an int64 such as an event's timeNano) is written as its exact
 * integer: it goes through as a string marked with a fresh nonce no datum can contain. */
export function jsonText(v: Value): string {
  const mark = `int-${crypto.randomUUID()}:`;
  let text = JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${mark}${x}` : x));
  if (text.includes(mark)) text = text.replaceAll(new RegExp(`"${mark}(-?\\d+)"`, "g"), "$1");
  if (typeof v === "object" && v !== null && formatterRows.has(v)) text = text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return text;
}

function arity(name: string, args: Value[], min: number, max = min): void {
  if (args.length < min || args.length > max) throw new ExecError(`wrong number of args for ${name}: want ${min === max ? min : `${min} to ${max === Infinity ? "any" : max}`} got ${args.length}`);
}

export const FUNCS: Record<string, Func> = {
  // docker's (github.com/docker/cli/templates)
  json: (a) => (arity("json", a, 1), jsonText(a[0] ?? null)),
  join: (a) => {
    arity("join", a, 2);
    const [list, sep] = a;
    if (!Array.isArray(list)) throw new ExecError(`error calling join: wrong type for value; expected []string; got ${typeName(list)}`);
    return list.map(goString).join(wantString("join", sep));
  },
  split: (a) => (arity("split", a, 2), wantString("split", a[0]).split(wantString("split", a[1]))),
  lower: (a) => (arity("lower", a, 1), wantString("lower", a[0]).toLowerCase()),
  upper: (a) => (arity("upper", a, 1), wantString("upper", a[0]).toUpperCase()),
  title: (a) => (arity("title", a, 1), title(wantString("title", a[0]))),
  pad: (a) => {
    arity("pad", a, 3);
    const s = wantString("pad", a[0]);
    const [before, after] = [wantInt("pad", a[1]), wantInt("pad", a[2])];
    if (before > MAX_WIDTH || after > MAX_WIDTH) throw new ExecError(`error calling pad: padding of more than ${MAX_WIDTH} spaces`);
    return s === "" ? s : " ".repeat(Math.max(0, before)) + s + " ".repeat(Math.max(0, after));
  },
  truncate: (a) => {
    arity("truncate", a, 2);
    const s = wantString("truncate", a[0]);
    const n = wantInt("truncate", a[1]);
    return s.length < n ? s : s.slice(0, Math.max(0, n));
  },
  // Go's builtins
  and: (a) => (arity("and", a, 1, Infinity), firstOrLast(a, (x) => !truth(x))),
  or: (a) => (arity("or", a, 1, Infinity), firstOrLast(a, truth)),
  not: (a) => (arity("not", a, 1), !truth(a[0])),
  len: (a) => {
    arity("len", a, 1);
    const v = a[0];
    // null is what JSON makes of Go's nil slices and maps (Config.Env, Labels…), whose len is 0
    if (v === null) return 0;
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
      if (typeof o === "object") return Object.hasOwn(o, String(k)) ? (o as Record<string, Value>)[String(k)] : undefined;
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

/** The function names, for hints. */
export const FUNCTION_NAMES = Object.keys(FUNCS).join(", ");
