// The image handlers through the API server, over the in-memory image service.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { ApiClient, jsonLines, type JsonMessage } from "../client.ts";
import { startApiServer, type ApiServer } from "../server.ts";
import { FakeImageService } from "../testing/fake-images.ts";

const dir = `/tmp/skiff-test-${process.pid}/api-handlers`;
const sock = `${dir}/api.sock`;
const images = new FakeImageService();
let server: ApiServer;
const client = new ApiClient(sock);
const raw = (method: string, path: string, body?: string) => fetch(`http://x${path}`, { method, body, unix: sock } as RequestInit);
const all = async (it: AsyncIterable<JsonMessage>) => {
  const out: JsonMessage[] = [];
  for await (const m of it) out.push(m);
  return out;
};

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  images.add("busybox:latest", { created: 1000, config: { Labels: { tier: "web" } } });
  images.add("alpine:3", { created: 2000 });
  server = await startApiServer({ socketPath: sock, images, daemon: { id: "x", name: "h", version: "0.1.0", dataRoot: dir, execRoot: dir, insecureRegistries: [], debug: false } });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const listed = async (query: string) => ((await (await raw("GET", `/v1.41/images/json?${query}`)).json()) as { RepoTags: string[] }[]).map((i) => i.RepoTags.join(","));

test("GET /images/json: filters in both encodings, the legacy filter parameter, and docker's 400 for unknown or malformed ones", async () => {
  const q = (f: unknown) => `filters=${encodeURIComponent(JSON.stringify(f))}`;
  expect(await listed(q({ reference: { busybox: true } }))).toEqual(["busybox:latest"]);
  expect(await listed(q({ reference: ["alp*"] }))).toEqual(["alpine:3"]);
  expect(await listed(q({ label: ["tier=web"] }))).toEqual(["busybox:latest"]);
  expect(await listed(q({ since: ["busybox"] }))).toEqual(["alpine:3"]);
  expect(await listed("filter=alpine")).toEqual(["alpine:3"]);
  const bad = await raw("GET", `/v1.41/images/json?${q({ foo: ["x"] })}`);
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { message: string }).message).toBe("invalid filter 'foo'");
  for (const f of ["{nope", "[1]", JSON.stringify({ reference: "x" })]) expect((await raw("GET", `/v1.41/images/json?filters=${encodeURIComponent(f)}`)).status).toBe(400);
  await expect(client.listImages({ filters: { dangling: ["maybe"] } })).rejects.toThrow("invalid filter 'dangling=[maybe]'");
});

test("lookups of what skiffd has not (networks, volumes, containers by names no container has) answer docker's 404; endpoints not served yet 501", async () => {
  expect((await raw("GET", "/v1.41/containers/a/b:1/json")).status).toBe(404);
  expect((await raw("GET", "/v1.41/networks/x")).status).toBe(404);
  expect((await raw("GET", "/v1.41/volumes/x")).status).toBe(404);
  expect((await raw("GET", "/v1.41/swarm")).status).toBe(501);
  // a server without a container service (this image-only test server) says so
  const res = await raw("GET", "/v1.41/containers/json");
  expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([409, "API_NO_CONTAINERS"]);
});

test("push without a tag pushes every tag of the repository; none is docker's 404", async () => {
  await client.tagImage("busybox", "localhost:5000/me/bb", "1");
  await client.tagImage("busybox", "localhost:5000/me/bb", "2");
  const out = await all(await client.push("localhost:5000/me/bb", undefined));
  expect(out.filter((m) => m.status?.startsWith("The push refers to"))).toHaveLength(1);
  expect(out.filter((m) => m.aux).map((m) => m.aux!.Tag)).toEqual(["1", "2"]);
  await expect(client.push("localhost:5000/me/none", undefined)).rejects.toThrow("An image does not exist locally with the tag: localhost:5000/me/none");
});

test("load names images as docker prints them", async () => {
  const body = JSON.stringify([{ id: "sha256:" + "e".repeat(64), tags: ["docker.io/sk/legacy:2", "docker.io/library/x:1"], digests: [], created: 0, size: 1, config: {} }]);
  expect(await all(await client.load(body, true))).toEqual([{ stream: "Loaded image: sk/legacy:2\n" }, { stream: "Loaded image: x:1\n" }]);
});

test("import from a URL: the daemon downloads it; a refused source is 400, a missing file 404", async () => {
  const files = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => (new URL(req.url).pathname === "/rootfs.tar" ? new Response("rootfs-by-url") : new Response("no", { status: 404 })) });
  try {
    const res = await raw("POST", `/v1.41/images/create?fromSrc=${encodeURIComponent(`http://127.0.0.1:${files.port}/rootfs.tar`)}&repo=imp/url&tag=1`);
    expect(res.status).toBe(200);
    const [line] = await all(jsonLines(res));
    expect((await client.inspectImage("imp/url:1")).Id).toBe(line!.status!);
    // no scheme: http, as docker
    expect((await raw("POST", `/v1.41/images/create?fromSrc=${encodeURIComponent(`127.0.0.1:${files.port}/rootfs.tar`)}`)).status).toBe(200);
    expect((await raw("POST", `/v1.41/images/create?fromSrc=${encodeURIComponent(`http://127.0.0.1:${files.port}/missing.tar`)}`)).status).toBe(404);
    expect((await raw("POST", "/v1.41/images/create?fromSrc=ftp%3A%2F%2Fx%2Fy.tar")).status).toBe(400);
  } finally {
    files.stop(true);
  }
});

test("import from a URL that redirects to a host file: refused, nothing imported", async () => {
  const files = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(null, { status: 302, headers: { location: "file:///etc/passwd" } }) });
  try {
    const before = images.images.length;
    const res = await raw("POST", `/v1.41/images/create?fromSrc=${encodeURIComponent(`http://127.0.0.1:${files.port}/rootfs.tar`)}&repo=imp/evil`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBe(`import from "http://127.0.0.1:${files.port}/rootfs.tar": the server redirected to a file: URL (only http and https are followed)`);
    expect(images.images.length).toBe(before);
  } finally {
    files.stop(true);
  }
});

test("POST /images/prune: docker's filters (until, label, label!, dangling); an unknown key is a 400 before anything is removed", async () => {
  const now = Math.floor(Date.now() / 1000);
  images.add("fresh:1", { created: now, config: { Labels: { keep: "yes" } } });
  images.add("old:1", { created: now - 7200 });
  const prune = (f: Record<string, string[]>) => raw("POST", `/v1.41/images/prune?filters=${encodeURIComponent(JSON.stringify(f))}`);
  const tags = () => images.images.flatMap((i) => i.tags);
  const bad = await prune({ bogus: ["1"], dangling: ["false"] });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { message: string }).message).toBe("invalid filter 'bogus'");
  expect(tags()).toEqual(expect.arrayContaining(["fresh:1", "old:1"]));
  // a label no image has: nothing goes
  expect(await (await prune({ dangling: ["false"], label: ["nomatch=1"] })).json()).toEqual({ ImagesDeleted: null, SpaceReclaimed: 0 });
  expect(tags()).toEqual(expect.arrayContaining(["fresh:1", "old:1"]));
  // until=1h: only what was created more than an hour ago
  const r = await prune({ dangling: ["false"], until: ["1h"] });
  expect(r.status).toBe(200);
  expect(tags()).toContain("fresh:1");
  expect(tags()).not.toContain("old:1");
  // label!: the images that have the label stay
  images.add("other:1", { created: now });
  await prune({ dangling: ["false"], "label!": ["keep=yes"] });
  expect(tags()).toContain("fresh:1");
  expect(tags()).not.toContain("other:1");
});
