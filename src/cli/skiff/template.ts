// A small subset of Go's text/template, enough for docker's --format: text with {{.Field.Path}},
// {{json .X}}, {{index .Map "key"}}, {{lower .X}}, {{upper .X}}, {{join .List ", "}}, and "\t"/"\n"
// escapes. Anything else is a clear error rather than silently wrong output.
import { invalid } from "../../common/errors.ts";

type Value = unknown;

interface Token {
  text?: string;
  action?: string;
}

function tokenize(template: string): Token[] {
  const out: Token[] = [];
  let rest = template;
  while (rest.length) {
    const open = rest.indexOf("{{");
    if (open < 0) {
      out.push({ text: rest });
      break;
    }
    if (open > 0) out.push({ text: rest.slice(0, open) });
    const close = rest.indexOf("}}", open);
    if (close < 0) throw invalid("cli", "CLI_TEMPLATE_INVALID", `parse template "${template}": unclosed action`, "close every {{ with }}");
    out.push({ action: rest.slice(open + 2, close).replace(/^-\s*/, "").replace(/\s*-$/, "").trim() });
    rest = rest.slice(close + 2);
  }
  return out;
}

/** Splits `json .A "b c"` into ["json", ".A", "\"b c\""]. */
function words(action: string): string[] {
  return action.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
}

function field(data: Value, path: string, template: string): Value {
  if (path === ".") return data;
  let v: Value = data;
  path.slice(1).split(".").forEach((key, depth) => {
    if (v === null || v === undefined) return;
    if (typeof v !== "object") throw invalid("cli", "CLI_TEMPLATE_FIELD", `execute template "${template}": can't evaluate field ${key} in type ${typeof v}`);
    // The top level is a struct in docker (a row, an inspect result): an unknown field is an
    // error there. Deeper down maps (Labels, Config…) answer <no value>, as Go's do.
    if (depth === 0 && !Array.isArray(v) && !(key in v))
      throw invalid("cli", "CLI_TEMPLATE_FIELD", `execute template "${template}": can't evaluate field ${key}`, `the fields are: ${Object.keys(v).join(", ")}`);
    v = (v as Record<string, Value>)[key];
  });
  return v;
}

function evalArg(data: Value, w: string, template: string): Value {
  if (w.startsWith(".")) return field(data, w, template);
  if (w.startsWith('"')) return JSON.parse(w) as string;
  if (/^-?\d+$/.test(w)) return Number(w);
  throw invalid("cli", "CLI_TEMPLATE_INVALID", `parse template "${template}": unexpected "${w}"`, "use .Field, json, index, join, lower, upper");
}

/** Go's default printing: <no value> for missing, maps as map[k:v], lists as [a b]. */
export function goString(v: Value): string {
  if (v === undefined) return "<no value>";
  if (v === null) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goString).join(" ")}]`;
  if (typeof v === "object") return `map[${Object.keys(v).sort().map((k) => `${k}:${goString((v as Record<string, Value>)[k])}`).join(" ")}]`;
  return String(v);
}

const FUNCS: Record<string, (args: Value[]) => Value> = {
  json: ([v]) => JSON.stringify(v ?? null),
  index: ([v, ...keys]) => keys.reduce<Value>((o, k) => (o === null || o === undefined ? undefined : (o as Record<string, Value>)[String(k)]), v),
  join: ([list, sep]) => (Array.isArray(list) ? list.map(String).join(String(sep ?? "")) : goString(list)),
  lower: ([v]) => String(v).toLowerCase(),
  upper: ([v]) => String(v).toUpperCase(),
  len: ([v]) => (Array.isArray(v) || typeof v === "string" ? v.length : Object.keys(v ?? {}).length),
};

export interface CompiledTemplate {
  execute(data: Value): string;
}

export function compileTemplate(template: string): CompiledTemplate {
  const tokens = tokenize(template.replace(/\\t/g, "\t").replace(/\\n/g, "\n"));
  for (const t of tokens) {
    if (t.action === undefined) continue;
    const [head] = words(t.action);
    if (head === undefined || (!head.startsWith(".") && !(head in FUNCS)))
      throw invalid("cli", "CLI_TEMPLATE_INVALID", `parse template "${template}": function "${head ?? ""}" not defined`, "use .Field, json, index, join, lower, upper");
  }
  return {
    execute(data) {
      let out = "";
      for (const t of tokens) {
        if (t.text !== undefined) {
          out += t.text;
          continue;
        }
        const [head, ...rest] = words(t.action!);
        const value = head!.startsWith(".") ? field(data, head!, template) : FUNCS[head!]!(rest.map((w) => evalArg(data, w, template)));
        out += typeof value === "string" ? value : goString(value);
      }
      return out;
    },
  };
}
