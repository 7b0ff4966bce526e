import { expect, test } from "bun:test";
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
