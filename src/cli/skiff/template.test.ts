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
  expect(() => compileTemplate("{{range .X}}")).toThrow('function "range" not defined');
  expect(() => compileTemplate("{{.Id")).toThrow("unclosed action");
});

test("table formats print a header and align columns; json prints one object per line", () => {
  const rows = [{ Repository: "busybox", Tag: "latest" }, { Repository: "localhost:5000/a/b", Tag: "1" }];
  const headers = { Repository: "REPOSITORY", Tag: "TAG" };
  expect(renderRows(rows, "table {{.Repository}}\t{{.Tag}}", headers)).toBe("REPOSITORY           TAG\nbusybox              latest\nlocalhost:5000/a/b   1\n");
  expect(renderRows(rows, "{{.Repository}}:{{.Tag}}", headers)).toBe("busybox:latest\nlocalhost:5000/a/b:1\n");
  expect(renderRows(rows.slice(0, 1), "json", headers)).toBe('{"Repository":"busybox","Tag":"latest"}\n');
});
