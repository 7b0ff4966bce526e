// Template data shaped as docker's Go structs (goShaped): the fields the JSON leaves out answer with
// their zero value, Go names answer beside JSON ones, and nothing of it shows in {{json .}}.
import { expect, test } from "bun:test";
import { compileTemplate } from "./template.ts";
import { goShaped, IMAGE_INSPECT, VERSION_INFO } from "./render.ts";

/** An image inspect as skiffd sends it for an imported image: no StopSignal, Env null. */
const inspect = () => ({
  Id: "sha256:abc",
  RepoTags: ["a:1"],
  Config: { Hostname: "", User: "", Env: null, Cmd: ["sh"], Labels: null },
  ContainerConfig: { Hostname: "", Env: null },
  GraphDriver: { Name: "overlay2", Data: {} },
  RootFS: { Type: "layers", Layers: ["sha256:1"] },
  Metadata: { LastTagTime: "2024-01-01T00:00:00Z" },
});
const run = (tpl: string, data: unknown) => compileTemplate(tpl).execute(data);

test("image inspect: a field docker's struct has but the JSON omits is its zero value, not <no value>", () => {
  const img = goShaped(inspect(), IMAGE_INSPECT);
  expect(run("[{{.Config.StopSignal}}]", img)).toBe("[]");
  expect(run("{{.Config.ArgsEscaped}} {{.Config.NetworkDisabled}} [{{.Config.MacAddress}}]", img)).toBe("false false []");
  expect(run("[{{.Variant}}][{{.OsVersion}}][{{.ContainerConfig.StopSignal}}]", img)).toBe("[][][]");
  expect(run("{{.ID}} {{.Id}}", img)).toBe("sha256:abc sha256:abc");
  // before: <no value>, and a missing top-level field was an error
  expect(run("[{{.Config.StopSignal}}]", inspect())).toBe("[<no value>]");
  expect(() => run("{{.Variant}}", inspect())).toThrow("can't evaluate field Variant");
});

test("image inspect: what the daemon sent is all {{json .}} shows", () => {
  const img = goShaped(inspect(), IMAGE_INSPECT);
  expect(JSON.parse(run("{{json .}}", img))).toEqual(inspect());
  expect(run("{{json .Config}}", img)).toBe('{"Hostname":"","User":"","Env":null,"Cmd":["sh"],"Labels":null}');
  expect(JSON.stringify(img)).toBe(JSON.stringify(inspect()));
  expect(run("{{range $k, $v := .Config}}{{$k}} {{end}}", img)).toBe("Cmd Env Hostname Labels User ");
});

test("len of a nil slice or map (JSON null) is 0, as Go's", () => {
  const img = goShaped(inspect(), IMAGE_INSPECT);
  expect(run("{{.Config.Env | len}} {{len .Config.Labels}} {{len .Config.Shell}}", img)).toBe("0 0 0");
  expect(run("{{len .Config.Cmd}}", img)).toBe("1");
});

test("version: the Go names (APIVersion) and the JSON ones (ApiVersion) both answer; fields the JSON omits are zero", () => {
  const data = () => ({
    Client: { Version: "0.1.0", ApiVersion: "1.41", GoVersion: "bun", Os: "linux", Arch: "amd64", Context: "default" },
    Server: { Platform: { Name: "skiff" }, Components: [{ Name: "Engine", Version: "0.1.0", Details: {} }], Version: "0.1.0", ApiVersion: "1.41", MinAPIVersion: "1.24", Os: "linux", Arch: "amd64" },
  });
  const v = goShaped(data(), VERSION_INFO);
  expect(run("{{.Client.APIVersion}} {{.Client.ApiVersion}} {{.Server.APIVersion}} {{.Server.MinAPIVersion}}", v)).toBe("1.41 1.41 1.41 1.24");
  expect(run("[{{.Server.BuildTime}}] {{.Server.Experimental}} [{{.Client.GitCommit}}] [{{.Client.Platform.Name}}]", v)).toBe("[] false [] []");
  expect(run("{{range .Server.Components}}{{.Name}}{{end}}", v)).toBe("Engine");
  expect(JSON.parse(run("{{json .}}", v))).toEqual(data());
  expect(run("{{.Client.APIVersion}}", data())).toBe("<no value>");
  // a daemon that did not answer: Server is nil, as docker's
  expect(run("{{.Client.APIVersion}} {{.Server}}", goShaped({ Client: data().Client, Server: null }, VERSION_INFO))).toBe("1.41 <nil>");
});
