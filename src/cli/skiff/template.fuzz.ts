// Properties of the Go templates of --format (template.ts and its modules) for fast-check: a short
// seeded run in template.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - anyTemplate: templates made of the language's own pieces (actions, pipelines, control
//   structures, functions, literals of every form, variables, trim markers), of a soup of its
//   tokens, or of any characters compile and run against any data to a string or a
//   CLI_TEMPLATE_INVALID / CLI_TEMPLATE_FIELD SkiffError: never another error, never a loop or an
//   output without bound.
// - equivalences Go guarantees: {{.X}} = {{print .X}} = {{printf "%v" .X}} = {{.X | print}} =
//   {{$v := .X}}{{$v}}; if/else = if not/else swapped = with/else; {{json .X}} parses back to X;
//   range prints each element as {{.}} does, len counts them; text is printed as it is (with
//   docker's \t and \n); {{- and -}} trim exactly the white space beside them.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { compileTemplate } from "./template.ts";
import { goString, truth } from "./template-value.ts";

// ---- templates ----

const field = fc.constantFrom(".", ".A", ".L", ".M", ".M.k", ".M.nope", ".N", ".S", ".Nope", ".A.B", ".constructor", ".M.__proto__", ".L.length", "$", "$x", "$.A", "$x.k");
const number = fc.oneof(
  fc.integer({ min: -5, max: 5 }).map(String),
  fc.constantFrom("0x1F", "-0x1", "+0o17", "017", "08", "0b101", "1_000", "1e999", "1.5e3", ".5", "1e12", "100000000000", "-1", "0x", "1__0", "9007199254740993"),
);
const str = fc.oneof(
  fc.string({ maxLength: 8, unit: fc.constantFrom(..."ab %dsvqxXcf*.-0123 ", "\\n", "\\t", "\\x41", "\\u00e9", "\\U0001F600", "\\UFFFFFFFF", "\\uD800", "\\q", "\\101") }).map((s) => `"${s}"`),
  fc.constantFrom("`raw`", "'a'", "''", "'ab'", "'\\n'", "'\\UFFFFFFFF'", '"%c"', '"%.200f"', '"%.200e"', '"%*d"', '"%-*s|"', '"%!"', '"%"'),
);
const func = fc.constantFrom("json", "join", "split", "lower", "upper", "title", "pad", "truncate", "and", "or", "not", "len", "index", "slice", "print", "printf", "println", "eq", "ne", "lt", "le", "gt", "ge", "toString", "__proto__", "constructor", "hasOwnProperty", "nope");
const keyword = fc.constantFrom("true", "false", "nil");

const templateArb = fc.letrec((tie) => ({
  operand: fc.oneof({ depthSize: "small" }, field, number, str, keyword, tie("paren") as fc.Arbitrary<string>),
  paren: tie("pipeline").map((p) => `(${p})`),
  command: fc.oneof(
    tie("operand") as fc.Arbitrary<string>,
    fc.tuple(func, fc.array(tie("operand") as fc.Arbitrary<string>, { maxLength: 3 })).map(([f, args]) => [f, ...args].join(" ")),
  ),
  pipeline: fc.tuple(fc.constantFrom("", "$x := ", "$x = ", "$i, $e := "), fc.array(tie("command") as fc.Arbitrary<string>, { minLength: 1, maxLength: 3 })).map(([d, cmds]) => d + cmds.join(" | ")),
  action: fc.tuple(fc.constantFrom("{{", "{{- ", "{{-"), tie("pipeline") as fc.Arbitrary<string>, fc.constantFrom("}}", " -}}", "-}}")).map(([a, p, b]) => a + p + b),
  control: fc
    .tuple(fc.constantFrom("if", "with", "range"), tie("pipeline") as fc.Arbitrary<string>, tie("body") as fc.Arbitrary<string>, fc.option(fc.tuple(fc.constantFrom("else", "else if .A", "else with .M"), tie("body") as fc.Arbitrary<string>)), fc.boolean())
    .map(([kw, p, body, other, closed]) => `{{${kw} ${p}}}${body}${other ? `{{${other[0]}}}${other[1]}` : ""}${closed ? "{{end}}" : ""}`),
  text: fc.string({ maxLength: 6, unit: fc.constantFrom(..."ab {}\t\n|", "\\t", "\\n", "/*") }),
  piece: fc.oneof({ depthSize: "small" }, tie("text") as fc.Arbitrary<string>, tie("action") as fc.Arbitrary<string>, tie("control") as fc.Arbitrary<string>, fc.constantFrom("{{break}}", "{{continue}}", "{{end}}", "{{else}}", "{{/* c */}}", "{{/* open", "{{", "}}", "{{define \"x\"}}")),
  body: fc.array(tie("piece") as fc.Arbitrary<string>, { maxLength: 4 }).map((p) => p.join("")),
}));

const tokenSoup = fc.array(fc.oneof(field, number, str, func, keyword, fc.constantFrom("{{", "}}", "{{-", "-}}", "(", ")", "|", ":=", "=", ",", " ", "if", "else", "end", "range", "with", "break", "continue", "$", "\"", "`", "'", "/*", "*/", "\\")), { maxLength: 25 }).map((t) => t.join(""));

export const template = fc.oneof({ arbitrary: templateArb.body as fc.Arbitrary<string>, weight: 4 }, { arbitrary: tokenSoup, weight: 2 }, { arbitrary: fc.string({ maxLength: 40, unit: "binary" }), weight: 1 });

/** The data of a row or an inspect result: a struct of known fields holding any JSON. */
export const data = fc.record({
  A: fc.jsonValue({ maxDepth: 2 }),
  L: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 5 }),
  M: fc.dictionary(fc.constantFrom("k", "a b", "__proto__", "constructor", "x"), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  N: fc.oneof(fc.integer({ min: -3, max: 5 }), fc.double({ noNaN: true })),
  S: fc.string({ maxLength: 10 }),
});

// ---- running ----

const CODES = new Set(["CLI_TEMPLATE_INVALID", "CLI_TEMPLATE_FIELD"]);

/** The template's output on `d`, or undefined for a template error; anything else fails the property. */
export function render(t: string, d: unknown): string | undefined {
  try {
    return compileTemplate(t).execute(d);
  } catch (e) {
    if (isSkiffError(e) && CODES.has(e.code)) return undefined;
    throw e instanceof Error ? e : new Error(`threw a non-Error: ${String(e)}`);
  }
}

const expectSame = (what: string, got: unknown, want: unknown) => {
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
};

// ---- the properties ----

export const anyTemplate = () =>
  fc.property(template, data, (t, d) => {
    const out = render(t, d);
    if (out !== undefined && out.length > 64 << 20) throw new Error(`output of ${out.length} characters`);
  });

export const printForms = () =>
  fc.property(fc.jsonValue({ maxDepth: 3 }), (x) => {
    const d = { X: x };
    const want = render("{{.X}}", d);
    for (const t of ["{{print .X}}", '{{printf "%v" .X}}', "{{.X | print}}", "{{$v := .X}}{{$v}}", "{{(.X)}}", "{{with $v := .X}}{{end}}{{.X}}"]) expectSame(t, render(t, d), want);
    expectSame("{{json .X}}", JSON.stringify(JSON.parse(render("{{json .X}}", d)!)), JSON.stringify(x));
  });

export const conditions = () =>
  fc.property(fc.jsonValue({ maxDepth: 2 }), (x) => {
    const d = { X: x };
    const want = truth(x) ? "yes" : "no";
    for (const t of ["{{if .X}}yes{{else}}no{{end}}", "{{if not .X}}no{{else}}yes{{end}}", "{{with .X}}yes{{else}}no{{end}}", "{{if and .X true}}yes{{else if true}}no{{end}}", '{{or (and .X "yes") "no"}}']) expectSame(t, render(t, d), want);
  });

export const ranges = () =>
  fc.property(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 6 }), (list) => {
    const d = { L: list };
    expectSame("range", render("{{range .L}}{{.}};{{end}}", d), list.map((e) => `${goString(e)};`).join(""));
    expectSame("range with index", render("{{range $i, $e := .L}}{{$i}}={{$e}} {{else}}none{{end}}", d), list.length ? list.map((e, i) => `${i}=${goString(e)} `).join("") : "none");
    expectSame("len", render("{{len .L}}", d), String(list.length));
    expectSame("break", render("{{range $i, $e := .L}}{{if eq $i 2}}{{break}}{{end}}{{$i}}{{end}}", d), list.slice(0, 2).map((_, i) => i).join(""));
  });

const plainText = fc.string({ maxLength: 30, unit: fc.constantFrom(..."ab }{\t\n%$.|", "\\t", "\\n", "\\x") }).filter((s) => !s.includes("{{"));

export const text = () =>
  fc.property(plainText, plainText, fc.string({ maxLength: 8 }), (a, b, s) => {
    const esc = (t: string) => t.replace(/\\t/g, "\t").replace(/\\n/g, "\n");
    expectSame("text", render(a, {}), esc(a));
    // trimming happens on the template's text, before docker's escapes are replaced
    expectSame("trim", render(`${a} {{- .S -}} ${b}`, { S: s }), esc(a.replace(/[ \t\r\n]+$/, "")) + s + esc(b.replace(/^[ \t\r\n]+/, "")));
  });

export const TEMPLATE_PROPERTIES: Record<"anyTemplate" | "printForms" | "conditions" | "ranges" | "text", () => fc.IRawProperty<any>> = { anyTemplate, printForms, conditions, ranges, text };
