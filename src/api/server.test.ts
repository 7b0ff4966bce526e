import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { ApiClient, jsonLines } from "./client.ts";
import { startApiServer, type ApiServer } from "./server.ts";
import { FakeImageService } from "./testing/fake-images.ts";

const dir = `/tmp/skiff-test-${process.pid}/api-server`;
const sock = `${dir}/api.sock`;
const images = new FakeImageService();
let server: ApiServer;
const client = new ApiClient(sock);
const raw = (method: string, path: string, body?: string) => fetch(`http://x${path}`, { method, body, unix: sock } as RequestInit);

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  images.add("busybox:latest");
  server = await startApiServer({ socketPath: sock, images, daemon: { id: "x", name: "h", version: "0.1.0", dataRoot: dir, execRoot: dir, insecureRegistries: [], debug: false } });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("/_ping answers with the headers docker clients negotiate from", async () => {
  const res = await raw("HEAD", "/_ping");
  expect(res.status).toBe(200);
  expect(res.headers.get("API-Version")).toBe("1.41");
  expect(res.headers.get("OSType")).toBe("linux");
  expect(res.headers.get("Docker-Experimental")).toBe("false");
  expect(await (await raw("GET", "/v1.41/_ping")).text()).toBe("OK");
});

test("errors carry docker's message with skiff's code and layer, and the kind's status", async () => {
  const res = await raw("GET", "/v1.41/images/nope:1/json");
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ message: "No such image: nope:1", code: "IMAGE_NOT_FOUND", layer: "image" });
  const tooNew = await raw("GET", "/v1.99/version");
  expect(tooNew.status).toBe(400);
  expect(((await tooNew.json()) as { message: string }).message).toBe("client version 1.99 is too new. Maximum supported API version is 1.41");
  // the versions /version reports are the ones refused outside of
  const v = (await (await raw("GET", "/version")).json()) as { ApiVersion: string; MinAPIVersion: string };
  expect(v).toMatchObject({ ApiVersion: "1.41", MinAPIVersion: "1.24" });
  expect((await raw("GET", "/v1.24/version")).status).toBe(200);
  expect(((await (await raw("GET", "/v1.23/version")).json()) as { message: string }).message).toBe("client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version");
  expect((await raw("GET", "/nothing")).status).toBe(404);
  expect(client.inspectImage("nope")).rejects.toThrow("No such image: nope");
});

test("a pull that fails before any progress is an HTTP error; after, an in-stream error line", async () => {
  const early = await raw("POST", "/images/create?fromImage=missing&tag=1");
  expect(early.status).toBe(404);
  images.failAfterStart.add("flaky:1");
  const late = await raw("POST", "/images/create?fromImage=flaky&tag=1");
  expect(late.status).toBe(200);
  const lines = [];
  for await (const m of jsonLines(late)) lines.push(m);
  expect(lines[0]).toEqual({ status: "Pulling from library/flaky", id: "1" });
  expect(lines[1]).toEqual({ status: "Pulling fs layer", progressDetail: {}, id: "a1b2c3d4e5f6" });
  // docker's two fields, and skiff's code and layer beside them (as in an HTTP error body)
  expect(lines.at(-1)).toEqual({ errorDetail: { message: 'fetch "flaky:1": connection reset by peer' }, error: 'fetch "flaky:1": connection reset by peer', code: "IMAGE_REGISTRY_UNAVAILABLE", layer: "image" });
});

test("pull progress lines have docker's progressDetail and progress bar", async () => {
  const lines = [];
  for await (const m of await client.pull("alpine", "3")) lines.push(m);
  expect(lines).toContainEqual({ status: "Downloading", progressDetail: { current: 1_000_000, total: 2_000_000 }, progress: `[=========================>${" ".repeat(25)}]      1MB/2MB`, id: "a1b2c3d4e5f6" });
  expect(lines.at(-1)).toEqual({ status: "Status: Downloaded newer image for alpine:3" });
});

test("tag, list with filters, remove and prune through the client", async () => {
  await client.tagImage("busybox", "localhost:5000/a/b", "x");
  expect((await client.inspectImage("localhost:5000/a/b:x")).RepoTags).toContain("busybox:latest");
  expect(await client.removeImage("localhost:5000/a/b:x")).toEqual([{ Untagged: "localhost:5000/a/b:x" }]);
  expect(await client.listImages({ filters: { dangling: ["true"] } })).toEqual([]);
  expect((await raw("POST", "/images/busybox/tag")).status).toBe(400);
  const pruned = await client.pruneImages(false);
  expect(pruned).toEqual({ ImagesDeleted: null, SpaceReclaimed: 0 });
});

test("save and load round-trip; load answers with docker's stream lines", async () => {
  const body = await new Response(await client.save(["busybox"])).text();
  const lines = [];
  for await (const m of await client.load(body, true)) lines.push(m);
  expect(lines).toEqual([{ stream: "Loaded image: busybox:latest\n" }]);
  expect((await raw("GET", "/images/get?names=nope")).status).toBe(404);
});

test("import reads the request body; auth checks credentials", async () => {
  const lines = [];
  for await (const m of await client.importImage("rootfs-bytes", { repo: "imp", tag: "1", changes: ["CMD sh"] })) lines.push(m);
  expect(lines[0]!.status).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect((await client.inspectImage("imp:1")).Config).toEqual({ Changes: ["CMD sh"], Comment: "" });
  expect(await client.auth({ username: "u", password: "p", serveraddress: "r" })).toEqual({ IdentityToken: "", Status: "Login Succeeded" });
  expect(client.auth({ username: "u", password: "wrong", serveraddress: "r" })).rejects.toThrow("unauthorized");
});

test("a client of a socket nobody listens on says the daemon is not running and how to start it", async () => {
  const err = await new ApiClient(`${dir}/none.sock`).ping().catch((e) => e);
  expect(err.code).toBe("CLI_DAEMON_UNREACHABLE");
  expect(err.message).toContain("the daemon is not running");
  expect(err.hint).toContain("skiffd");
});

test("Skiff-Trace: 1 gets the request's steps back in the Skiff-Trace header, from its arrival to its answer (the client's ApiClient hands them to --debug); without it, no header", async () => {
  const traced = await fetch("http://x/v1.41/images/busybox:latest/json", { headers: { "Skiff-Trace": "1" }, unix: sock } as RequestInit);
  expect(traced.status).toBe(200);
  const steps = JSON.parse(traced.headers.get("Skiff-Trace") ?? "[]") as { what: string; ms: number }[];
  expect(steps.map((s) => s.what)).toEqual(["api: received", "api: answered"]);
  expect(steps[0]!.ms).toBe(0);
  expect(steps[1]!.ms).toBeGreaterThanOrEqual(0);
  const plain = await raw("GET", "/v1.41/images/busybox:latest/json");
  expect(plain.headers.get("Skiff-Trace")).toBeNull();
  const got: string[] = [];
  await new ApiClient(sock, { trace: (request, s) => got.push(`${request}: ${s.map((x) => x.what).join(" → ")}`) }).inspectImage("busybox:latest");
  expect(got).toEqual(["GET /images/busybox:latest/json: api: received → api: answered"]);
});
