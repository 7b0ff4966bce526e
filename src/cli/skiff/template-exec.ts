// Running a parsed template (template-tree.ts) against data: execute() returns the printed text.
// "." starts as the data and $ is the data throughout; an unknown field of the data itself, a field
// of a non-map, a bad range or a failing function call goes to `fail` (which must throw).
// Fields are the data's own keys only ("constructor" is no field of a map, as in Go).
// Bounds, so that no --format loops or fills memory: MAX_STEPS actions and loop turns, and
// MAX_OUTPUT characters of output.
import { ExecError, FUNCS } from "./template-funcs.ts";
import type { Node, Operand, Pipeline } from "./template-tree.ts";
import { goString, truth, typeName, type Value } from "./template-value.ts";

/** Thrown by {{break}} and {{continue}} up to their {{range}} (what was printed is already out). */
const BREAK = Symbol("break");
const CONTINUE = Symbol("continue");

export const MAX_STEPS = 10_000_000;
export const MAX_OUTPUT = 64 << 20;

interface Scope {
  dot: Value;
  vars: Map<string, Value>[];
}

export function execute(tree: Node[], data: Value, fail: (why: string, hint?: string) => never): string {
  const field = (v: Value, path: string[]): Value => {
    path.forEach((key, depth) => {
      if (v === null || v === undefined) {
        if (depth > 0) fail(`nil pointer evaluating interface {}.${key}`);
        return;
      }
      if (typeof v !== "object" || Array.isArray(v)) fail(`can't evaluate field ${key} in type ${typeName(v)}`);
      // The data is a struct in docker (a row, an inspect result): an unknown field is an
      // error there. Deeper down, maps (Labels, Config…) answer <no value>, as Go's do.
      const own = Object.hasOwn(v as object, key);
      if (v === data && !own) fail(`can't evaluate field ${key}`, `the fields are: ${Object.keys(v as object).join(", ")}`);
      v = own ? (v as Record<string, Value>)[key] : undefined;
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
    return call(o.name, []);
  };

  /**
   * A field that is a method of the data (docker's {{.Label "key"}} on a ps row): called with the
   * arguments, Go's way: a method without any is called as a field is read; a field that is no
   * method takes none (docker's every row field is a method: "want 0").
   */
  const method = (o: Operand, v: Value, args: Value[]): Value => {
    const name = o.kind === "field" || o.kind === "var" || o.kind === "pipe" ? (o.path.at(-1) ?? ".") : "";
    if (typeof v !== "function") {
      if (args.length) fail(`wrong number of args for ${name}: want 0 got ${args.length}`);
      return v;
    }
    if (v.length !== args.length) fail(`wrong number of args for ${name}: want ${v.length} got ${args.length}`);
    return (v as (...a: Value[]) => Value)(...args);
  };

  /** A function call; its own errors (wrong arguments) become template errors like any other. */
  const call = (name: string, args: Value[]): Value => {
    try {
      return FUNCS[name]!(args);
    } catch (e) {
      if (e instanceof ExecError) fail(e.message);
      throw e;
    }
  };

  const pipeline = (s: Scope, p: Pipeline): Value => {
    let value: Value;
    p.cmds.forEach((cmd, n) => {
      const [head, ...rest] = cmd;
      if (head!.kind === "func") {
        const args = rest.map((o) => operand(s, o));
        if (n > 0) args.push(value);
        value = call(head!.name, args);
      } else {
        const args = rest.map((o) => operand(s, o));
        if (n > 0) args.push(value);
        value = method(head!, operand(s, head!), args);
      }
    });
    if (p.assign) {
      for (const name of p.decl) for (let i = s.vars.length - 1; i >= 0; i--) if (s.vars[i]!.has(name)) {
        s.vars[i]!.set(name, value);
        break;
      }
    } else if (p.decl.length === 1) s.vars.at(-1)!.set(p.decl[0]!, value);
    return value;
  };

  const out: string[] = [];
  let steps = 0;
  let size = 0;
  const step = () => {
    if (++steps > MAX_STEPS) fail(`it runs more than ${MAX_STEPS} steps`, "a --format template prints the data it is given; loop over the data, not over large numbers");
  };
  const print = (text: string) => {
    size += text.length;
    if (size > MAX_OUTPUT) fail(`its output is longer than ${MAX_OUTPUT} characters`, "a --format template prints the data it is given; loop over the data, not over large numbers");
    out.push(text);
  };
  const run = (nodes: Node[], s: Scope): void => {
    for (const node of nodes) {
      step();
      switch (node.kind) {
        case "text":
          print(node.text);
          break;
        case "action": {
          const v = pipeline(s, node.pipe);
          if (!node.pipe.decl.length) print(goString(v));
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
          let entries: Iterable<[Value, Value]>;
          let count: number;
          if (v === null || v === undefined) [entries, count] = [[], 0];
          else if (Array.isArray(v)) [entries, count] = [v.map((e, i): [Value, Value] => [i, e]), v.length];
          else if (typeof v === "object") {
            const keys = Object.keys(v).sort();
            [entries, count] = [keys.map((k): [Value, Value] => [k, (v as Record<string, Value>)[k]]), keys.length];
          } else if (typeof v === "number" && Number.isInteger(v)) [entries, count] = [upTo(v), Math.max(0, v)]; // Go 1.22's range over an int, turn by turn
          else fail(`range can't iterate over ${goString(v)}`);
          if (!count!) {
            if (node.elseList) run(node.elseList, { dot: s.dot, vars: [...s.vars, new Map()] });
            break;
          }
          for (const [k, e] of entries!) {
            step();
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
}

function* upTo(n: number): Generator<[number, number]> {
  for (let i = 0; i < n; i++) yield [i, i];
}
