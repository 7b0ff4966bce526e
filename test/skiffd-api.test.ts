// What a new user met with skiffd through bin/skiff and the docker CLIs (28 and Debian's 20.10):
// image list filters, `docker inspect IMAGE`, pull --platform, a cancelled pull and a pull that
// joins a running one, Go templates and --format json, and references (bad ones, push -a, images
// pulled by digest, load's names, import from a URL). A real skiffd, a local docker-registry, and a
// throttling proxy in front of it for the pulls that must last.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ContentStore } from "../src/engine/content/index.ts";
import { buildTar } from "../src/engine/archive/index.ts";
import { busyboxLayers, pushBusybox, type BuiltImage } from "../src/engine/images/testing/busybox.ts";
import { pushImage, RegistryClient } from "../src/engine/registry/index.ts";
import { startRegistry, type RegistryServer } from "../src/engine/registry/testing/registry-server.ts";
import { indexOf, pseudoRandom, storeImage, tinyImage } from "../src/engine/registry/testing/test-image.ts";
import { DOCKER_20, DOCKER_28, removeDir, SKIFF, startSkiffd, type RunResult, type Skiffd, busyboxRootfsTar } from "./harness/skiffd.ts";
import { startThrottle } from "./harness/throttle.ts";

/** The big layer through the proxy: 4 MB at 64 KiB per 40 ms (~1.6 MB/s), some 2.5 s. */
const RANDOM_BYTES = 4_000_000;
const THROTTLE = { bytesPerTick: 64 * 1024, tickMs: 40 };

let d: Skiffd;
let registry: RegistryServer;
let proxy: { domain: string; stop(): Promise<void> };
let bb: BuiltImage;
let big: BuiltImage;
let rootfsTar: string;


beforeAll(async () => {
  d = await startSkiffd();
  registry = await startRegistry({ dir: join(d.dir, "registry") });
  const client = new RegistryClient({ domain: registry.domain });
  bb = await pushBusybox(client, join(d.dir, "src-bb"), "test/bb", "1");
  big = await pushBusybox(client, join(d.dir, "src-big"), "test/big", "1", [...busyboxLayers(), buildTar([{ name: "data/", type: "dir" }, { name: "data/random", type: "file", data: pseudoRandom(RANDOM_BYTES, 42) }])]);
  // an index of two tiny images, amd64 and arm64
  const store = new ContentStore(join(d.dir, "src-multi"));
  const amd = tinyImage({ architecture: "amd64", label: "amd" });
  const arm = tinyImage({ architecture: "arm64", label: "arm" });
  const index = indexOf([amd, arm], [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64" }]);
  await storeImage(store, amd);
  await storeImage(store, arm, [index]);
  await pushImage(client, store, "test/multi", index.descriptor, { tag: "1" });
  proxy = await startThrottle(Number(registry.domain.split(":")[1]), THROTTLE);
  rootfsTar = busyboxRootfsTar(d.dir);
});

afterAll(async () => {
  await d?.stop();
  await proxy?.stop();
  await registry?.stop();
  if (d) removeDir(d.dir);
});

const ok = (r: RunResult) => {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};
const fails = (r: RunResult) => {
  if (r.status === 0) throw new Error(`expected a failure, got: ${r.stdout}`);
  return r.stderr;
};
const api = (path: string, init: RequestInit = {}) => fetch(`http://skiffd/v1.41${path}`, { ...init, unix: d.sock } as RequestInit);
const lines = (s: string) => s.split("\n").filter(Boolean);
const DOCKERS = [["docker CLI 28", DOCKER_28], ["docker CLI 20.10", DOCKER_20]].filter(([, bin]) => existsSync(bin!)) as [string, string][];

/** Removes every image, so that the next pull downloads again. */
function forgetImages(): void {
  for (const id of new Set(lines(d.skiff(["images", "-qa", "--no-trunc"]).stdout))) ok(d.skiff(["rmi", "-f", id]));
}

describe("images filters", () => {
  beforeAll(async () => {
    forgetImages();
    ok(d.skiff(["pull", `${registry.domain}/test/bb:1`])); // created in 2024
    ok(d.skiff(["tag", `${registry.domain}/test/bb:1`, "flt/base:1"]));
    ok(d.skiff(["import", "-c", "LABEL tier=web", "-c", "LABEL team=a", rootfsTar, "flt/web:1"]));
    await Bun.sleep(1100); // creation times in whole seconds
    ok(d.skiff(["import", "-c", "LABEL tier=db", rootfsTar, "flt/db:1"]));
    ok(d.skiff(["import", "-c", "LABEL tier=none", "-m", "dangling", rootfsTar]));
  });

  const names = (out: string) => lines(out).sort();
  const table = (args: string[]) => names(ok(d.skiff(["images", "--format", "{{.Repository}}:{{.Tag}}", ...args])));

  test("skiff: NAME[:TAG], reference globs, before/since, label, dangling", () => {
    expect(table(["flt/web"])).toEqual(["flt/web:1"]);
    expect(table(["flt/base:1"])).toEqual(["flt/base:1"]); // not the image's other tag
    expect(table(["--filter", "reference=flt/*"])).toEqual(["flt/base:1", "flt/db:1", "flt/web:1"]);
    expect(table(["--filter", "reference=*/*:1", "--filter", "label=tier"])).toEqual(["flt/db:1", "flt/web:1"]);
    expect(table(["--filter", "label=tier=db"])).toEqual(["flt/db:1"]);
    expect(table(["--filter", "label=team", "--filter", "label=tier=web"])).toEqual(["flt/web:1"]);
    expect(table(["--filter", "before=flt/db:1", "--filter", "reference=flt/*"])).toEqual(["flt/base:1", "flt/web:1"]);
    expect(table(["--filter", "since=flt/web:1"])).toEqual(["<none>:<none>", "flt/db:1"]);
    expect(table(["--filter", "dangling=true"])).toEqual(["<none>:<none>"]);
    expect(table(["--filter", "dangling=false", "--filter", "reference=flt/*"])).toEqual(["flt/base:1", "flt/db:1", "flt/web:1"]);
    expect(table(["nope"])).toEqual([]);
  });

  test("an unknown filter is docker's 400 \"invalid filter 'foo'\"; a bad value too", async () => {
    const r = d.skiff(["images", "--filter", "foo=bar"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Error response from daemon: invalid filter 'foo'");
    expect(fails(d.skiff(["images", "-f", "dangling=maybe"]))).toContain("invalid filter 'dangling=[maybe]'");
    const res = await api(`/images/json?filters=${encodeURIComponent(JSON.stringify({ foo: { bar: true } }))}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBe("invalid filter 'foo'");
    expect((await api("/images/json?filters=%7Bnot-json")).status).toBe(400);
    expect((await api(`/images/json?filters=${encodeURIComponent(JSON.stringify({ before: ["nope:1"] }))}`)).status).toBe(404);
  });

  test("the API takes both encodings of filters: a map of booleans and the legacy lists", async () => {
    for (const filters of [{ reference: { "flt/web": true } }, { reference: ["flt/web"] }]) {
      const res = await api(`/images/json?filters=${encodeURIComponent(JSON.stringify(filters))}`);
      expect(((await res.json()) as { RepoTags: string[] }[]).map((i) => i.RepoTags)).toEqual([["flt/web:1"]]);
    }
  });

  for (const [name, bin] of DOCKERS) {
    test(`${name}: NAME, --filter reference, label, dangling, and the unknown filter`, () => {
      const dtable = (args: string[]) => names(ok(d.docker(bin, ["images", "--format", "{{.Repository}}:{{.Tag}}", ...args])));
      expect(dtable(["flt/web"])).toEqual(["flt/web:1"]);
      expect(dtable(["--filter", "reference=flt/d*"])).toEqual(["flt/db:1"]);
      expect(dtable(["--filter", "label=tier=web"])).toEqual(["flt/web:1"]);
      expect(dtable(["--filter", "dangling=true"])).toEqual(["<none>:<none>"]);
      expect(fails(d.docker(bin, ["images", "--filter", "foo=bar"]))).toContain("invalid filter 'foo'");
    });
  }
});

describe("docker inspect NAME", () => {
  for (const [name, bin] of DOCKERS) {
    test(`${name}: asks for a container, gets "No such container", and finds the image; nothing is "No such object"`, () => {
      ok(d.skiff(["pull", `${registry.domain}/test/bb:1`]));
      expect(ok(d.docker(bin, ["inspect", "--format", "{{.Id}}", `${registry.domain}/test/bb:1`])).trim()).toBe(bb.configDigest);
      const missing = d.docker(bin, ["inspect", "nope:404"]);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain("No such object: nope:404");
    });
  }

  test("container lookups of what is not there are docker's 404 No such container; a create body without an image is a 400", async () => {
    const res = await api("/containers/other/x:2/json");
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toBe("No such container: other/x:2");
    expect((await api("/containers/abc/logs")).status).toBe(404);
    expect((await api("/containers/abc/start", { method: "POST" })).status).toBe(404);
    const bad = await api("/containers/create", { method: "POST", body: "{}" });
    expect([bad.status, ((await bad.json()) as { message: string }).message]).toEqual([400, "no image given: Config.Image is empty"]);
  });
});

describe("pull --platform", () => {
  test("a single-platform image of another platform is an error, not \"Image is up to date\"", () => {
    const ref = `${registry.domain}/test/bb:1`;
    ok(d.skiff(["pull", ref]));
    const r = d.skiff(["pull", "--platform", "linux/arm64", ref]);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain(`image with reference ${ref} was found but does not match the specified platform: wanted linux/arm64/v8, actual: linux/amd64`);
    expect(r.stdout).not.toContain("up to date");
    expect(ok(d.skiff(["pull", "--platform", "linux/amd64", ref]))).toContain("Image is up to date");
  });

  test("an index: the platform asked for is pulled, a missing one is docker's \"no matching manifest\"", () => {
    const ref = `${registry.domain}/test/multi:1`;
    ok(d.skiff(["pull", "--platform", "linux/amd64", ref]));
    expect(ok(d.skiff(["image", "inspect", "-f", "{{.Architecture}}", ref])).trim()).toBe("amd64");
    const arm = ok(d.skiff(["pull", "--platform", "linux/arm64", ref]));
    expect(arm).toContain(`Status: Downloaded newer image for ${ref}`);
    expect(ok(d.skiff(["image", "inspect", "-f", "{{.Architecture}}", ref])).trim()).toBe("arm64");
    const r = d.skiff(["pull", "--platform", "linux/s390x", ref]);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain("no matching manifest for linux/s390x in the manifest list entries");
  });

  test("image inspect --platform: the image when it is that platform, docker's error when not", () => {
    const ref = `${registry.domain}/test/bb:1`;
    expect(ok(d.skiff(["image", "inspect", "--platform", "linux/amd64", "-f", "{{.Os}}/{{.Architecture}}", ref])).trim()).toBe("linux/amd64");
    const r = d.skiff(["image", "inspect", "--platform", "linux/arm64", ref]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("was found but does not match the specified platform: wanted linux/arm64/v8, actual: linux/amd64");
  });
  test("create --platform: a local image of another platform is not there (dockerd's 404), so the client pulls the one asked for", async () => {
    const single = `${registry.domain}/test/bb:1`;
    ok(d.skiff(["pull", single]));
    const res = await api(`/containers/create?platform=${encodeURIComponent("linux/arm64")}`, { method: "POST", body: JSON.stringify({ Image: single }) });
    expect([res.status, ((await res.json()) as { message: string }).message]).toEqual([404, `image with reference ${single} was found but does not match the specified platform: wanted linux/arm64/v8, actual: linux/amd64`]);
    const refused = d.skiff(["create", "--platform", "linux/arm64", single]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("does not match the specified platform");
    const multi = `${registry.domain}/test/multi:1`;
    ok(d.skiff(["pull", "--platform", "linux/amd64", multi]));
    const id = ok(d.skiff(["create", "--platform", "linux/arm64", multi])).trim().split("\n").at(-1)!;
    const image = ok(d.skiff(["inspect", "-f", "{{.Image}}", id])).trim();
    expect(ok(d.skiff(["image", "inspect", "-f", "{{.Architecture}}", image])).trim()).toBe("arm64");
    ok(d.skiff(["rm", id]));
    expect(ok(d.skiff(["create", "--platform", "linux/amd64", single])).trim()).toMatch(/^[0-9a-f]{64}$/);
    ok(d.skiff(["container", "prune", "-f"]));
  });
});

// ---------------------------------------------------------------------------------------------

interface Running {
  proc: ReturnType<typeof Bun.spawn>;
  started: number;
  /** stdout so far, with the time each chunk came. */
  chunks: { at: number; text: string }[];
  out(): string;
  done: Promise<{ status: number; stdout: string; stderr: string }>;
}

function spawnSkiff(args: string[]): Running {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: d.dir, DOCKER_CONFIG: join(d.dir, "docker-config") };
  const proc = Bun.spawn([SKIFF, "-H", `unix://${d.sock}`, ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 60_000 });
  const started = performance.now();
  const chunks: Running["chunks"] = [];
  const stderr = new Response(proc.stderr).text();
  const done = (async () => {
    const dec = new TextDecoder();
    for await (const b of proc.stdout) chunks.push({ at: performance.now() - started, text: dec.decode(b, { stream: true }) });
    const status = await proc.exited;
    return { status, stdout: chunks.map((c) => c.text).join(""), stderr: await stderr };
  })();
  return { proc, started, chunks, out: () => chunks.map((c) => c.text).join(""), done };
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

const hex = (digest: string) => digest.slice("sha256:".length);
/** Bytes of the big layer the daemon holds: complete, or partial in the ingest directory. */
function bigLayerBytes(): { complete: boolean; partial: number } {
  const layer = hex(big.layerDigests.at(-1)!);
  const content = join(d.dir, "data/content");
  const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
  return { complete: existsSync(join(content, "blobs/sha256", layer)), partial: size(join(content, "ingest", `sha256-${layer}`)) };
}

describe("a pull's client goes away", () => {
  test("Ctrl-C of the only pull: the daemon stops downloading and tags nothing", async () => {
    forgetImages();
    const ref = `${proxy.domain}/test/big:1`;
    const pull = spawnSkiff(["pull", ref]);
    await until("the pull to start its layers", () => pull.out().includes("Pulling fs layer"));
    await Bun.sleep(400);
    pull.proc.kill("SIGINT");
    await pull.done;
    await Bun.sleep(500);
    const first = bigLayerBytes();
    await Bun.sleep(1500);
    const later = bigLayerBytes();
    expect(later.complete).toBe(false);
    expect(later.partial).toBe(first.partial); // nothing more came in
    // long after the whole download would have ended (~2.5 s at the proxy's pace)
    await Bun.sleep(1500);
    expect(ok(d.skiff(["images", "-qa"]))).toBe("");
    expect(bigLayerBytes().complete).toBe(false);
  }, 30_000);

  test("a second pull joins the running one: it shows the lines so far and what follows, and the first one's Ctrl-C does not stop it", async () => {
    forgetImages();
    const ref = `${proxy.domain}/test/big:1`;
    const first = spawnSkiff(["pull", ref]);
    await until("the first pull to start its layers", () => first.out().includes("Pulling fs layer"));
    const second = spawnSkiff(["pull", ref]);
    await until("the second pull's first lines", () => second.out().includes("Pulling fs layer"), 1500);
    first.proc.kill("SIGINT");
    await first.done;
    const r = await second.done;
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toBe("1: Pulling from test/big");
    for (const digest of big.layerDigests) expect(out).toContain(`${hex(digest).slice(0, 12)}: Pull complete`);
    expect(out).toContain(`Digest: ${big.manifestDigest}`);
    expect(out).toContain(`Status: Downloaded newer image for ${ref}`);
    expect(out.at(-1)).toBe(ref);
    // the second pull printed at once, long before the pull ended
    expect(second.chunks[0]!.at).toBeLessThan(1500);
    expect(ok(d.skiff(["images", "--format", "{{.Repository}}:{{.Tag}}"])).trim()).toBe(ref);
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------

describe("templates and --format json", () => {
  test("range over a list rebinds the dot; if/else; docker's functions", () => {
    const ref = `${registry.domain}/test/bb:1`;
    ok(d.skiff(["pull", ref]));
    ok(d.skiff(["tag", ref, "tpl/x:2"]));
    expect(ok(d.skiff(["image", "inspect", "--format", "{{range .RepoTags}}{{.}} {{end}}", "tpl/x:2"])).trim().split(" ").sort()).toEqual([ref, "tpl/x:2"].sort());
    expect(ok(d.skiff(["image", "inspect", "-f", '{{if .Config.Labels}}labels{{else}}no labels{{end}} {{upper .Os}} {{join .Config.Cmd "+"}}', "tpl/x:2"]))).toBe("no labels LINUX sh\n");
    expect(ok(d.skiff(["images", "--format", '{{if eq .Tag "2"}}{{title .Repository}}{{end}}', "tpl/x"]))).toBe("Tpl/X\n");
  });

  test("version and info print JSON for --format json", () => {
    const v = JSON.parse(ok(d.skiff(["version", "-f", "json"])));
    expect(v.Client.Version).toBe("0.1.0");
    expect(v.Server.ApiVersion).toBe("1.41");
    const i = JSON.parse(ok(d.skiff(["info", "--format", "json"])));
    expect(i.DockerRootDir).toBe(join(d.dir, "data"));
    expect(i.ClientInfo.Version).toBe("0.1.0");
  });
});

describe("references", () => {
  test("pull of a malformed reference says what is wrong with it", () => {
    expect(fails(d.skiff(["pull", "foo:bad tag"]))).toContain('invalid tag "bad tag"');
    expect(fails(d.skiff(["pull", ""]))).toContain("empty reference");
    expect(fails(d.skiff(["import", rootfsTar, "Bad/Ref"]))).toContain('repository name "Bad/Ref" must be lowercase');
  });

  test("push -a pushes every tag of the repository", async () => {
    const repo = `${registry.domain}/me/bb`;
    ok(d.skiff(["pull", `${registry.domain}/test/bb:1`]));
    ok(d.skiff(["tag", `${registry.domain}/test/bb:1`, `${repo}:1`]));
    ok(d.skiff(["tag", `${registry.domain}/test/bb:1`, `${repo}:2`]));
    const out = ok(d.skiff(["push", "-a", repo]));
    expect(out.match(/The push refers to repository/g)).toHaveLength(1);
    expect(out).toMatch(/^1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    expect(out).toMatch(/^2: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    expect((await new RegistryClient({ domain: registry.domain }).listTags("me/bb")).sort()).toEqual(["1", "2"]);
    expect(fails(d.skiff(["push", "-a", `${repo}:1`]))).toContain("tag can't be used with --all-tags/-a");
    expect(fails(d.skiff(["push", "-a", `${registry.domain}/me/none`]))).toContain("An image does not exist locally with the tag");
    // a tag that is not here: dockerd's words too (a new-user trial: "No such image")
    for (const cli of [(a: string[]) => d.skiff(a), (a: string[]) => d.docker(DOCKER_28, a)]) expect(fails(cli(["push", `${registry.domain}/me/none:1`]))).toContain(`An image does not exist locally with the tag: ${registry.domain}/me/none`);
  });

  test("an image pulled by digest only has its row, with <none> for the tag", () => {
    forgetImages();
    const ref = `${registry.domain}/test/bb:1`;
    ok(d.skiff(["pull", ref]));
    ok(d.skiff(["tag", ref, "dig/copy:1"]));
    ok(d.skiff(["rmi", ref]));
    ok(d.skiff(["pull", `${registry.domain}/test/bb@${bb.manifestDigest}`]));
    const rows = lines(ok(d.skiff(["images", "--digests", "--format", "{{.Repository}} {{.Tag}} {{.Digest}}"])));
    expect(rows.sort()).toEqual([`${registry.domain}/test/bb <none> ${bb.manifestDigest}`, "dig/copy 1 <none>"]);
  });

  test("load prints the familiar name of a docker.io reference", () => {
    ok(d.skiff(["pull", `${registry.domain}/test/bb:1`]));
    ok(d.skiff(["tag", `${registry.domain}/test/bb:1`, "sk/legacy:2"]));
    const dir = join(d.dir, "legacy");
    mkdirSync(dir, { recursive: true });
    ok(d.skiff(["save", "-o", join(dir, "saved.tar"), "sk/legacy:2"]));
    execFileSync("tar", ["-C", dir, "-xf", join(dir, "saved.tar")]);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    manifest[0].RepoTags = ["docker.io/sk/legacy:2"];
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
    execFileSync("tar", ["-C", dir, "-cf", join(d.dir, "legacy.tar"), "--exclude", "saved.tar", "."]);
    ok(d.skiff(["rmi", "sk/legacy:2"]));
    expect(ok(d.skiff(["load", "-i", join(d.dir, "legacy.tar")]))).toBe("Loaded image: sk/legacy:2\n");
  });

  test("`skiff image` prints the image commands (on stderr, as docker 28; --help on stdout); import's help", () => {
    const r = d.skiff(["image"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toStartWith("Usage:  skiff image COMMAND\n");
    expect(r.stderr).toMatch(/^ {2}ls +List images$/m);
    expect(ok(d.skiff(["image", "--help"]))).toStartWith("Usage:  skiff image COMMAND\n");
    const help = ok(d.skiff(["import", "--help"]));
    expect(help).toStartWith("\nUsage:  skiff import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]\n\nImport the contents from a tarball");
    expect(help).toMatch(/^ {2}-c, --change list +Apply Dockerfile instruction to the created image$/m);
  });

  test("skiff import URL: the daemon downloads", async () => {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => (new URL(req.url).pathname === "/rootfs.tar" ? new Response(Bun.file(rootfsTar)) : new Response("no", { status: 404 })) });
    try {
      // not spawnSync: this process serves the file
      const skiff = async (args: string[]) => {
        const p = Bun.spawn([SKIFF, ...args], { env: { PATH: process.env.PATH, SKIFF_HOST: `unix://${d.sock}` }, stdout: "pipe", stderr: "pipe", timeout: 30_000 });
        const [stdout, stderr, status] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
        return { status, stdout, stderr };
      };
      const id = ok(await skiff(["import", `http://127.0.0.1:${server.port}/rootfs.tar`, "imp/url:skiff"])).trim();
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(ok(d.skiff(["image", "inspect", "-f", "{{.Id}}", "imp/url:skiff"])).trim()).toBe(id);
      expect(fails(await skiff(["import", `http://127.0.0.1:${server.port}/missing.tar`]))).toContain("404");
    } finally {
      server.stop(true);
    }
  });

  for (const [name, bin] of DOCKERS) {
    test(`${name}: import URL, the daemon downloads`, async () => {
      const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => (new URL(req.url).pathname === "/rootfs.tar" ? new Response(Bun.file(rootfsTar)) : new Response("no", { status: 404 })) });
      try {
        const tag = `imp/url:${bin === DOCKER_28 ? "28" : "20"}`;
        // not spawnSync: this process serves the file
        const docker = async (args: string[]) => {
          const p = Bun.spawn([bin, ...args], { env: { PATH: process.env.PATH, HOME: d.dir, DOCKER_CONFIG: join(d.dir, "docker-config"), DOCKER_HOST: `unix://${d.sock}` }, stdout: "pipe", stderr: "pipe", timeout: 30_000 });
          const [stdout, stderr, status] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
          return { status, stdout, stderr };
        };
        const id = ok(await docker(["import", `http://127.0.0.1:${server.port}/rootfs.tar`, tag])).trim();
        expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(ok(d.skiff(["image", "inspect", "-f", "{{.Id}}", tag])).trim()).toBe(id);
        expect(fails(await docker(["import", `http://127.0.0.1:${server.port}/missing.tar`]))).toContain("404");
      } finally {
        server.stop(true);
      }
    });
  }
});
