import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { SkiffError } from "../../common/errors.ts";
import { TEMPLATE_PROPERTIES } from "./template.fuzz.ts";
import { compileTemplate } from "./template.ts";
import { renderRows } from "./render.ts";

const image = { Id: "sha256:abc", RepoTags: ["a:1", "b:2"], Config: { Cmd: ["sh"], Labels: { "org.x": "y" }, Env: null }, Size: 42 };

test("the template subset: field paths, json, index, join, escapes", () => {
  const cases: [string, string][] = [
    ["{{.Id}}", "sha256:abc"],
    ["{{json .Config}}", '{"Cmd":["sh"],"Labels":{"org.x":"y"},"Env":null}'],
    ["{{.Config.Cmd}}", "[sh]"],
    ['{{index .Config.Labels "org.x"}}', "y"],
    ['{{join .RepoTags ","}}', "a:1,b:2"],
    ["{{.Size}}\\t{{ .Id }}", "42\tsha256:abc"],
    ["{{.Config.Missing}}", "<no value>"],
    ["{{.Config.Env}}", "<nil>"],
    ["{{upper .Id}}", "SHA256:ABC"],
    ["{{len .RepoTags}}", "2"],
  ];
  for (const [tpl, want] of cases) expect({ tpl, out: compileTemplate(tpl).execute(image) }).toEqual({ tpl, out: want });
});

test("unknown functions, unknown top-level fields and unclosed actions are errors, not silent output", () => {
  expect(() => compileTemplate("{{.Bogus}}").execute({ Id: "x" })).toThrow("can't evaluate field Bogus");
  expect(() => compileTemplate("{{nope .X}}")).toThrow('function "nope" not defined');
  expect(() => compileTemplate("{{range .X}}")).toThrow("{{range}} without {{end}}");
  expect(() => compileTemplate("{{end}}")).toThrow("unexpected {{end}}");
  expect(() => compileTemplate("{{$y}}")).toThrow('undefined variable "$y"');
  expect(() => compileTemplate("{{break}}")).toThrow("outside {{range}}");
  expect(() => compileTemplate("{{range .Id}}{{end}}").execute({ Id: "x" })).toThrow("range can't iterate over x");
  expect(() => compileTemplate("{{.Id.X}}").execute({ Id: "x" })).toThrow("can't evaluate field X in type string");
  // a function given as an argument with no arguments of its own fails like any other call
  expect((() => { try { compileTemplate("{{len json}}").execute({}); } catch (e) { return (e as { code?: string }).code; } })()).toBe("CLI_TEMPLATE_FIELD");
  expect(() => compileTemplate("{{upper .N}}").execute({ N: 1 })).toThrow("expected string; got int");
  expect(() => compileTemplate("{{.Id")).toThrow("unclosed action");
});

test("control structures: range rebinds the dot, if/else if/else, with, variables, break and continue", () => {
  const data = { ...image, Empty: [] as string[], N: 0 };
  const cases: [string, string][] = [
    ["{{range .RepoTags}}{{.}} {{end}}", "a:1 b:2 "],
    ["{{range .Empty}}x{{else}}none{{end}}", "none"],
    ["{{range $i, $t := .RepoTags}}{{$i}}={{$t}};{{end}}", "0=a:1;1=b:2;"],
    ["{{range $t := .RepoTags}}{{$t}}{{end}}", "a:1b:2"],
    ["{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}{{end}}", "org.x=y"],
    ["{{range .RepoTags}}{{$.Id}} {{end}}", "sha256:abc sha256:abc "],
    ["{{range .RepoTags}}{{if eq . \"a:1\"}}{{continue}}{{end}}{{.}}{{end}}", "b:2"],
    ["{{range .RepoTags}}{{.}}{{break}}{{end}}", "a:1"],
    ["{{if .RepoTags}}tagged{{else}}dangling{{end}}", "tagged"],
    ["{{if .Empty}}a{{else if .N}}b{{else}}c{{end}}", "c"],
    ["{{if and .RepoTags (gt .Size 10)}}big{{end}}", "big"],
    ["{{with .Config.Cmd}}{{index . 0}}{{else}}no cmd{{end}}", "sh"],
    ["{{with .Config.Env}}x{{else}}no env{{end}}", "no env"],
    ["{{$n := len .RepoTags}}{{$n}} tags", "2 tags"],
    ["{{- range .RepoTags }}\n  {{ . }}\n{{- end }}", "\n  a:1\n  b:2"],
    ["{{/* a comment */}}{{.Size}}", "42"],
  ];
  for (const [tpl, want] of cases) expect({ tpl, out: compileTemplate(tpl).execute(data) }).toEqual({ tpl, out: want });
});

test("docker's template functions and Go's builtins", () => {
  const cases: [string, string][] = [
    ["{{.Id | upper}}", "SHA256:ABC"],
    ["{{lower \"ABC\"}} {{title \"hello big-world\"}}", "abc Hello Big-World"],
    ['{{split "a,b,c" ","}} {{index (split "a,b,c" ",") 1}}', "[a b c] b"],
    ['{{join (split "a b" " ") "+"}}', "a+b"],
    ['[{{pad "x" 2 1}}][{{pad "" 2 1}}]', "[  x ][]"],
    ["{{truncate .Id 6}} {{truncate .Id 99}}", "sha256 sha256:abc"],
    ['{{printf "%-6s|%4d|%q" "ab" .Size "x"}}', 'ab    |  42|"x"'],
    ['{{print "a" 1 2 "b"}} {{println "x" 1}}', "a1 2b x 1\n"],
    ["{{not .Size}} {{eq .Size 42}} {{ne .Size 42}} {{lt 1 2}} {{ge 2 2}}", "false true false true true"],
    ['{{or .Config.Missing "default"}}', "default"],
    ["{{slice .RepoTags 1}} {{len .Config.Labels}}", "[b:2] 1"],
    ['{{json (index .RepoTags 0)}}', '"a:1"'],
  ];
  for (const [tpl, want] of cases) expect({ tpl, out: compileTemplate(tpl).execute(image) }).toEqual({ tpl, out: want });
});

test("table formats print a header and align columns; json prints one object per line", () => {
  const rows = [{ Repository: "busybox", Tag: "latest" }, { Repository: "localhost:5000/a/b", Tag: "1" }];
  const headers = { Repository: "REPOSITORY", Tag: "TAG" };
  expect(renderRows(rows, "table {{.Repository}}\t{{.Tag}}", headers)).toBe("REPOSITORY           TAG\nbusybox              latest\nlocalhost:5000/a/b   1\n");
  expect(renderRows(rows, "{{.Repository}}:{{.Tag}}", headers)).toBe("busybox:latest\nlocalhost:5000/a/b:1\n");
  expect(renderRows(rows.slice(0, 1), "json", headers)).toBe('{"Repository":"busybox","Tag":"latest"}\n');
});

describe("template properties (template.fuzz.ts, seeded; scripts/fuzz.ts runs them long)", () => {
  for (const [name, property] of Object.entries(TEMPLATE_PROPERTIES)) {
    test(name, () => fc.assert(property(), { seed: 8, numRuns: name === "anyTemplate" ? 3000 : 500 }), 30_000);
  }
});

describe("found by the fuzzers: errors, not crashes, hangs or wrong output", () => {
  /** The output, or the error's code and message (without the template's text). */
  const outcome = (tpl: string, data: unknown = { M: { k: "v" }, L: [1] }) => {
    try {
      return compileTemplate(tpl).execute(data);
    } catch (e) {
      const err = e as SkiffError;
      return `${err.code ?? (e as Error).name}: ${err.message.replace(/^(parse|execute) template "[\s\S]*": /, "")}`;
    }
  };

  test("names on Object.prototype are no functions and no fields (__proto__ crashed; toString and .constructor printed JavaScript)", () => {
    expect(outcome("{{__proto__}}")).toBe('CLI_TEMPLATE_INVALID: function "__proto__" not defined');
    expect(outcome("{{toString}}")).toBe('CLI_TEMPLATE_INVALID: function "toString" not defined');
    expect(outcome("{{.constructor}}")).toBe("CLI_TEMPLATE_FIELD: can't evaluate field constructor");
    expect(outcome("{{.M.constructor}} {{.M.hasOwnProperty}} {{index .M \"__proto__\"}} {{range .M.__proto__}}x{{end}}")).toBe("<no value> <no value> <no value> ");
  });

  test("and/or return a nil argument that decides (and .X true was true for a nil .X)", () => {
    expect(outcome("{{and .N true}} {{or .N false}} {{if and .N true}}yes{{else}}no{{end}}", { N: null })).toBe("<nil> false no");
  });

  test("{{break}} and {{continue}} in a range's else are outside it (they escaped as symbols)", () => {
    expect(outcome("{{range .L}}{{else}}{{break}}{{end}}")).toBe("CLI_TEMPLATE_INVALID: {{break}} outside {{range}}");
    expect(outcome("{{range .L}}{{range $.E}}{{else}}{{break}}{{end}}x{{end}}", { L: [1, 2], E: [] })).toBe("");
  });

  test("escapes beyond Unicode, surrogate halves and odd character constants are syntax errors (RangeError, or a silent 0)", () => {
    expect(outcome('{{"\\UFFFFFFFF"}}')).toBe("CLI_TEMPLATE_INVALID: invalid syntax: escape \\UFFFFFFFF is not a Unicode code point");
    expect(outcome('{{"\\uD800"}}')).toBe("CLI_TEMPLATE_INVALID: invalid syntax: escape \\uD800 is not a Unicode code point");
    expect(outcome("{{''}}")).toBe("CLI_TEMPLATE_INVALID: empty character constant");
    expect(outcome("{{'ab'}}")).toBe("CLI_TEMPLATE_INVALID: invalid syntax in character constant 'ab'");
  });

  test("numbers as Go reads them (-0x1 was NaN, 08 was 8, 1e999 Infinity)", () => {
    expect(outcome("{{-0x1}} {{+0o17}} {{017}} {{0b101}} {{1_000}} {{08.5}} {{.5}}")).toBe("-1 15 15 5 1000 8.5 0.5");
    expect(outcome("{{08}}")).toBe('CLI_TEMPLATE_INVALID: illegal number syntax: "08"');
    expect(outcome("{{1e999}}")).toBe('CLI_TEMPLATE_INVALID: illegal number syntax: "1e999"');
  });

  test("printf: %c of no code point, precision over 100, huge widths (RangeError, or out of memory)", () => {
    expect(outcome('{{printf "%c|%c" -1 1114112}}')).toBe("\ufffd|\ufffd");
    expect(outcome('{{printf "%.101f" 0.1}}')).toBe(`0.1000000000000000055511151231257827021181583404541015625${"0".repeat(46)}`);
    expect(outcome('{{printf "%.101e" 0.1}}')).toBe(`1.000000000000000055511151231257827021181583404541015625${"0".repeat(47)}e-01`);
    expect(outcome('{{printf "%*d|%9999999d|%-*d|" 10000000000 1 2 -3 4}}')).toBe("%!(BADWIDTH)1|%!(BADWIDTH)2|4  |");
    expect(outcome('{{pad "a" 1000000000000 0}}')).toBe("CLI_TEMPLATE_FIELD: error calling pad: padding of more than 1000000 spaces");
  });

  test("loops, output and nesting are bounded (range 1e12 threw RangeError; deep nesting overflowed the stack)", () => {
    expect(outcome("{{range 1000000000000}}{{end}}")).toBe("CLI_TEMPLATE_FIELD: it runs more than 10000000 steps");
    expect(outcome('{{range 100000}}{{pad "x" 0 1000}}{{end}}')).toBe("CLI_TEMPLATE_FIELD: its output is longer than 67108864 characters");
    expect(outcome(`{{${"(".repeat(20000)}1${")".repeat(20000)}}}`)).toBe("CLI_TEMPLATE_INVALID: control structures and parentheses nest deeper than 500");
    expect(outcome(`${"{{if 1}}".repeat(20000)}${"{{end}}".repeat(20000)}`)).toBe("CLI_TEMPLATE_INVALID: control structures and parentheses nest deeper than 500");
    expect(outcome(`${"{{if 1}}".repeat(400)}x${"{{end}}".repeat(400)}`)).toBe("x");
  }, 30_000);
});
