// What a second new-user trial met with skiffd through bin/skiff and the docker CLIs (28 and
// Debian's 20.10): image prune's filters (until, label, label!; unknown keys refused before anything
// is removed), registry credentials that come only with the request (never the daemon owner's),
// save of a whole repository, registry hosts with capitals and fully qualified names in image
// lists, templates on docker's full structs, pull by digest of a present image, images -q per row,
// load over an existing tag, a bogus --platform and the API versions. A real skiffd, a local
// docker-registry and one behind htpasswd.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { haveRegistry, startRegistry, type RegistryServer } from "../src/engine/registry/testing/registry-server.ts";
import { busyboxRootfsTar, DOCKER_20, DOCKER_28, removeDir, startSkiffd, tempDir, type RunResult, type Skiffd } from "./harness/skiffd.ts";

const USER = "trial";
const PASSWORD = "tr1al-Pa55";

let d: Skiffd;
let registry: RegistryServer;
let authRegistry: RegistryServer;
let rootfsTar: string;
/** The daemon owner's docker config: it holds credentials for the htpasswd registry. */
let ownerConfig: string;

const ok = (r: RunResult) => {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString("base64");
const dockers = ([["docker 28", DOCKER_28], ["docker 20.10", DOCKER_20]] as const).filter(([, bin]) => existsSync(bin));
/** Image ids by name ("" when there is none). */
const idOf = (name: string) => d.skiff(["image", "inspect", "--format", "{{.Id}}", name]).stdout.trim();
const api = (path: string) => fetch(`http://skiffd${path}`, { unix: d.sock } as RequestInit);
/** A rootfs tarball of its own (a file with `text` beside busybox): a distinct image on import. */
function distinctRootfs(text: string): string {
  const dir = tempDir("rootfs");
  mkdirSync(join(dir, "rootfs/bin"), { recursive: true });
  execFileSync("cp", ["/bin/busybox", join(dir, "rootfs/bin/busybox")]);
  writeFileSync(join(dir, "rootfs/text"), text);
  execFileSync("tar", ["-C", join(dir, "rootfs"), "-cf", join(dir, "rootfs.tar"), "."]);
  return join(dir, "rootfs.tar");
}

beforeAll(async () => {
  const dir = tempDir("skiffd-trial");
  ownerConfig = join(dir, "owner-docker-config");
  // the daemon starts with a docker config (its owner's) that can log in to the htpasswd registry
  const saved = process.env.DOCKER_CONFIG;
  process.env.DOCKER_CONFIG = ownerConfig;
  try {
    d = await startSkiffd([], dir);
  } finally {
    if (saved === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = saved;
  }
  rootfsTar = busyboxRootfsTar(d.dir);
  ok(d.skiff(["import", "-c", 'CMD ["sh"]', rootfsTar, "trial/bb:1"]));
  if (haveRegistry) {
    registry = await startRegistry({ dir: join(d.dir, "registry") });
    authRegistry = await startRegistry({ dir: join(d.dir, "auth-registry"), basicAuth: { username: USER, password: PASSWORD } });
    mkdirSync(ownerConfig, { recursive: true });
    writeFileSync(join(ownerConfig, "config.json"), JSON.stringify({ auths: { [authRegistry.domain]: { auth: basic(USER, PASSWORD) } } }));
  }
});

afterAll(async () => {
  await d?.stop();
  await registry?.stop();
  await authRegistry?.stop();
  if (d) removeDir(d.dir);
});

describe.skipIf(!haveRegistry)("registry credentials come with the request only", () => {
  test("without `skiff login` a pull or push is refused, though the daemon's owner has credentials; with it both work; after logout refused again", () => {
    const ref = `${authRegistry.domain}/sec/bb:1`;
    ok(d.skiff(["tag", "trial/bb:1", ref]));
    // no credentials of the client's: the daemon must not use its owner's
    const push = d.skiff(["push", ref]);
    expect(push.status).toBe(1);
    expect(push.stderr).toContain("IMAGE_REGISTRY_UNAUTHORIZED");
    ok(d.skiff(["login", "-u", USER, "--password-stdin", authRegistry.domain], { input: PASSWORD }));
    expect(ok(d.skiff(["push", ref]))).toMatch(/1: digest: sha256:[0-9a-f]{64}/);
    ok(d.skiff(["rmi", ref]));
    expect(ok(d.skiff(["pull", ref])).trim().split("\n").at(-1)).toBe(ref);
    for (const [, bin] of dockers) {
      ok(d.skiff(["rmi", ref]));
      expect(ok(d.docker(bin, ["pull", ref]))).toContain(`Status: Downloaded newer image for ${ref}`);
    }
    ok(d.skiff(["logout", authRegistry.domain]));
    ok(d.skiff(["rmi", ref]));
    const pull = d.skiff(["pull", ref]);
    expect(pull.status).toBe(1);
    expect(pull.stderr).toContain("IMAGE_REGISTRY_UNAUTHORIZED");
    for (const [, bin] of dockers) {
      const r = d.docker(bin, ["pull", ref]);
      expect(r.status).toBe(1);
      expect(r.stderr.toLowerCase()).toContain("unauthorized");
    }
    expect(idOf(ref)).toBe("");
  });

  test.each(dockers)("%s: docker login, then push and pull send the credentials; after docker logout they are refused", (_, bin) => {
    const ref = `${authRegistry.domain}/sec/${bin.includes("local") ? "d28" : "d20"}:1`;
    ok(d.skiff(["tag", "trial/bb:1", ref]));
    expect(d.docker(bin, ["push", ref]).status).toBe(1);
    expect(ok(d.docker(bin, ["login", "-u", USER, "--password-stdin", authRegistry.domain], { input: PASSWORD }))).toContain("Login Succeeded");
    expect(ok(d.docker(bin, ["push", ref]))).toMatch(/1: digest: sha256:[0-9a-f]{64}/);
    ok(d.skiff(["rmi", ref]));
    expect(ok(d.docker(bin, ["pull", ref]))).toContain(`Status: Downloaded newer image for ${ref}`);
    ok(d.docker(bin, ["logout", authRegistry.domain]));
    ok(d.skiff(["rmi", ref]));
    expect(d.docker(bin, ["pull", ref]).status).toBe(1);
  });
});

describe("image prune honours docker's filters", () => {
  test("-a with until=1h, or a label no image has, removes nothing; an unknown key is refused and removes nothing", () => {
    const before = ok(d.skiff(["images", "-q", "--no-trunc"]));
    expect(before).not.toBe("");
    for (const filter of ["until=1h", "label=nomatch=1"]) {
      expect(ok(d.skiff(["image", "prune", "-a", "-f", "--filter", filter]))).toBe("Total reclaimed space: 0B\n");
      for (const [, bin] of dockers) expect(ok(d.docker(bin, ["image", "prune", "-a", "-f", "--filter", filter]))).toBe("Total reclaimed space: 0B\n");
    }
    const bogus = d.skiff(["image", "prune", "-a", "-f", "--filter", "bogus=1"]);
    expect(bogus.status).toBe(1);
    expect(bogus.stderr).toContain("invalid filter 'bogus'");
    for (const [, bin] of dockers) {
      const r = d.docker(bin, ["image", "prune", "-a", "-f", "--filter", "bogus=1"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("invalid filter 'bogus'");
    }
    expect(ok(d.skiff(["images", "-q", "--no-trunc"]))).toBe(before);
  });

  test("label!=KEY=VALUE keeps the images with that label; until keeps those created since", () => {
    ok(d.skiff(["import", "-c", "LABEL keep=yes", distinctRootfs("keep"), "prune/keep:1"]));
    ok(d.skiff(["import", distinctRootfs("go"), "prune/go:1"]));
    const out = ok(d.skiff(["image", "prune", "-a", "-f", "--filter", "label!=keep=yes", "--filter", "label=nomatch"]));
    expect(out).toBe("Total reclaimed space: 0B\n"); // label=nomatch: no image has it
    // the images of this test only: label=go
    ok(d.skiff(["import", "-c", "LABEL go=1", distinctRootfs("go2"), "prune/go:2"]));
    const r = ok(d.skiff(["image", "prune", "-a", "-f", "--filter", "label=go", "--filter", "label!=keep=yes"]));
    expect(r).toContain("untagged: prune/go:2\n");
    expect(idOf("prune/go:2")).toBe("");
    expect(idOf("prune/keep:1")).not.toBe("");
    expect(idOf("prune/go:1")).not.toBe("");
    ok(d.skiff(["rmi", "prune/keep:1", "prune/go:1"]));
  });
});

describe("save of a repository without a tag", () => {
  test("saves every tag of it, in one manifest.json entry per image, through skiff and both docker CLIs", () => {
    ok(d.skiff(["tag", "trial/bb:1", "save/me:1"]));
    ok(d.skiff(["tag", "trial/bb:1", "save/me:2"]));
    ok(d.skiff(["import", distinctRootfs("other"), "save/me:other"]));
    const manifest = (tar: string) => {
      const out = tempDir("saved");
      execFileSync("tar", ["-C", out, "-xf", tar, "manifest.json"]);
      return (JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { RepoTags: string[] }[]).map((m) => m.RepoTags.sort()).sort();
    };
    const want = [["save/me:1", "save/me:2"], ["save/me:other"]];
    const tar = join(d.dir, "save-me.tar");
    ok(d.skiff(["save", "-o", tar, "save/me"]));
    expect(manifest(tar)).toEqual(want);
    for (const [, bin] of dockers) {
      ok(d.docker(bin, ["save", "-o", tar, "save/me"]));
      expect(manifest(tar)).toEqual(want);
    }
    // a tag is still that tag only; a repository that has none is docker's 404
    ok(d.skiff(["save", "-o", tar, "save/me:2"]));
    expect(manifest(tar)).toEqual([["save/me:2"]]);
    const none = d.skiff(["save", "-o", tar, "save/none"]);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain("No such image");
    ok(d.skiff(["rmi", "save/me:1", "save/me:2", "save/me:other"]));
  });
});

describe("references", () => {
  test("images with a fully qualified name lists the image, as the positional argument and as a filter", () => {
    ok(d.skiff(["tag", "trial/bb:1", "qualified:1"]));
    expect(ok(d.skiff(["images", "--format", "{{.Repository}}:{{.Tag}}", "docker.io/library/qualified"]))).toBe("qualified:1\n");
    expect(ok(d.skiff(["images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=docker.io/library/qualified:1"]))).toBe("qualified:1\n");
    expect(ok(d.skiff(["images", "--format", "{{.Repository}}:{{.Tag}}", "docker.io/trial/bb"]))).toBe("trial/bb:1\n");
    for (const [, bin] of dockers) expect(ok(d.docker(bin, ["images", "--format", "{{.Repository}}:{{.Tag}}", "docker.io/library/qualified"]))).toBe("qualified:1\n");
    ok(d.skiff(["rmi", "qualified:1"]));
  });

  test("a first component with capitals is a registry host, as docker's (not a Docker Hub name that must be lowercase)", () => {
    const r = d.skiff(["pull", "UPPER/case"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("probe registry UPPER:");
    expect(r.stderr).not.toContain("must be lowercase");
  });
});

describe("templates see docker's structs", () => {
  test("inspect: a field docker's type has is its zero value when absent ({{.Config.StopSignal}} is empty), len of a nil list is 0", () => {
    expect(ok(d.skiff(["image", "inspect", "--format", "[{{.Config.StopSignal}}] {{.Config.Env | len}} {{len .Config.Labels}} [{{.ContainerConfig.Hostname}}]", "trial/bb:1"]))).toBe("[] 0 0 []\n");
    for (const [, bin] of dockers) expect(ok(d.docker(bin, ["image", "inspect", "--format", "[{{.Config.StopSignal}}] {{.Config.Env | len}}", "trial/bb:1"]))).toBe("[] 0\n");
    // the JSON is the daemon's: no field made up
    expect(JSON.parse(ok(d.skiff(["image", "inspect", "trial/bb:1"])))[0].Config.StopSignal).toBeUndefined();
  });

  test("version: {{.Client.APIVersion}} and {{.Server.APIVersion}} as in docker, {{.Server.ApiVersion}} still", () => {
    expect(ok(d.skiff(["version", "--format", "{{.Client.APIVersion}} {{.Server.APIVersion}} {{.Server.ApiVersion}} {{.Server.MinAPIVersion}}"]))).toBe("1.41 1.41 1.41 1.24\n");
    for (const [, bin] of dockers) expect(ok(d.docker(bin, ["version", "--format", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}}"]))).toBe("1.41 1.24\n");
  });

  test("the daemon's JSON has every field of docker's ImageInspect and Info at API 1.41", async () => {
    const inspect = (await (await api("/v1.41/images/trial/bb:1/json")).json()) as Record<string, Record<string, unknown>>;
    expect(inspect.ContainerConfig).toMatchObject({ Hostname: "", Env: null, Cmd: null, Labels: null });
    const info = (await (await api("/v1.41/info")).json()) as Record<string, unknown>;
    for (const key of ["KernelMemory", "KernelMemoryTCP", "BridgeNfIptables", "BridgeNfIp6tables", "OomKillDisable", "GenericResources", "ContainerdCommit", "RuncCommit", "InitCommit"]) expect(info).toHaveProperty(key);
    for (const [, bin] of dockers) expect(ok(d.docker(bin, ["info", "--format", "{{.ContainerdCommit.ID}}|{{.OomKillDisable}}"]))).toBe("|false\n");
  });
});

describe("smaller things", () => {
  test.skipIf(!haveRegistry)("a pull by digest of an image that is present says it is up to date", () => {
    const ref = `${registry.domain}/dig/bb:1`;
    ok(d.skiff(["tag", "trial/bb:1", ref]));
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(ok(d.skiff(["push", ref])))![1]!;
    const byDigest = `${registry.domain}/dig/bb@${digest}`;
    expect(ok(d.skiff(["pull", byDigest]))).toContain(`Status: Image is up to date for ${byDigest}`);
    for (const [, bin] of dockers) expect(ok(d.docker(bin, ["pull", byDigest]))).toContain(`Status: Image is up to date for ${byDigest}`);
    ok(d.skiff(["rmi", ref])); // its digest goes with the repository's last tag, as in docker
    expect(idOf(byDigest)).toBe("");
  });

  test("images -q prints an ID per row (per tag), as docker's CLI", () => {
    ok(d.skiff(["tag", "trial/bb:1", "rows/a:1"]));
    ok(d.skiff(["tag", "trial/bb:1", "rows/b:1"]));
    const ids = ok(d.skiff(["images", "-q", "rows/*"])).trim().split("\n");
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
    for (const [, bin] of dockers) expect(ok(d.docker(bin, ["images", "-q", "rows/*"]))).toBe(ok(d.skiff(["images", "-q", "rows/*"])));
    ok(d.skiff(["rmi", "rows/a:1", "rows/b:1"]));
  });

  test("load over a tag that names another image says so, as docker: the old one keeps its ID and loses the tag", () => {
    ok(d.skiff(["tag", "trial/bb:1", "load/x:1"]));
    const tar = join(d.dir, "load-x.tar");
    ok(d.skiff(["save", "-o", tar, "load/x:1"]));
    const loaders: [string, (args: string[]) => RunResult][] = [["skiff", (a) => d.skiff(a)], ...dockers.map(([name, bin]): [string, (args: string[]) => RunResult] => [name, (a) => d.docker(bin, a)])];
    for (const [, load] of loaders) {
      const other = ok(d.skiff(["import", distinctRootfs(`other ${Math.random()}`), "load/x:1"])).trim();
      expect(ok(load(["load", "-i", tar]))).toBe(`The image load/x:1 already exists, renaming the old one with ID ${other} to empty string\nLoaded image: load/x:1\n`);
      expect(idOf("load/x:1")).toBe(idOf("trial/bb:1"));
      ok(d.skiff(["rmi", other]));
    }
    // the same image again: nothing to say
    expect(ok(d.skiff(["load", "-i", tar]))).toBe("Loaded image: load/x:1\n");
    ok(d.skiff(["rmi", "load/x:1"]));
  });

  test("--platform bogus is refused at once with containerd's words", () => {
    const r = d.skiff(["pull", "--platform", "bogus", "busybox"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('"bogus": unknown operating system or architecture: invalid argument');
    for (const [, bin] of dockers) {
      const theirs = d.docker(bin, ["pull", "--platform", "bogus", "busybox"]);
      expect(theirs.stderr).toContain('"bogus": unknown operating system or architecture: invalid argument');
      // docker's CLI says which tag it defaulted to before the daemon refuses the platform: skiff as docker
      expect(r.stdout).toBe(theirs.stdout);
    }
  });

  test("the API versions refused are outside the ones /version reports", async () => {
    const v = (await (await api("/version")).json()) as { ApiVersion: string; MinAPIVersion: string };
    expect(v).toMatchObject({ ApiVersion: "1.41", MinAPIVersion: "1.24" });
    const tooNew = await api("/v1.45/version");
    expect(tooNew.status).toBe(400);
    expect(((await tooNew.json()) as { message: string }).message).toBe(`client version 1.45 is too new. Maximum supported API version is ${v.ApiVersion}`);
    expect(((await (await api("/v1.12/version")).json()) as { message: string }).message).toContain(`Minimum supported API version is ${v.MinAPIVersion}`);
    expect((await api(`/v${v.MinAPIVersion}/version`)).status).toBe(200);
  });
});
