// The validation layer through the real server: every refusal is a 400 naming the field (413 for a
// body over the limit), made before the handler runs, so the image service never sees the request.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdirSync, rmSync } from "node:fs";
import { ENDPOINTS, startApiServer, type ApiServer } from "./server.ts";
import { FakeImageService } from "./testing/fake-images.ts";

const dir = `/tmp/skiff-test-${process.pid}/api-endpoint`;
const sock = `${dir}/api.sock`;
const images = new FakeImageService();
let server: ApiServer;
const raw = (method: string, path: string, body?: string | Uint8Array, headers: Record<string, string> = {}) => fetch(`http://x${path}`, { method, body, headers, unix: sock } as RequestInit);
const refusal = async (res: Response) => ({ status: res.status, ...((await res.json()) as { message: string; code: string; layer: string; hint?: string }) });

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  images.add("busybox:latest", { created: 1000 });
  server = await startApiServer({ socketPath: sock, images, daemon: { id: "x", name: "h", version: "0.1.0", dataRoot: dir, execRoot: dir, insecureRegistries: [], debug: false } });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("POST /auth checks its body before anything is tried", () => {
  const cases: [string, string | Uint8Array, number, string, string][] = [
    ["malformed JSON", '{"username": "a",', 400, "API_BODY_INVALID", "the body is not valid JSON: expected a string at line 1, column 18"],
    ["null", "null", 400, "API_BODY_INVALID", "the body must be an object, got null"],
    ["an array", '[{"serveraddress":"r.example"}]', 400, "API_BODY_INVALID", "the body must be an object, got an array"],
    ["a string", '"hello"', 400, "API_BODY_INVALID", 'the body must be an object, got "hello"'],
    ["no body", "", 400, "API_BODY_INVALID", "the request has no body: a JSON object is expected"],
    ["a number for username", '{"username": 5}', 400, "API_BODY_INVALID", "username must be a string, got 5"],
    ["an object for serveraddress", '{"serveraddress": {"a": 1}}', 400, "API_BODY_INVALID", "serveraddress must be a string, got an object"],
    ["a file: URL for serveraddress", '{"serveraddress": "file:///etc/passwd"}', 400, "API_BODY_INVALID", 'serveraddress must be a registry host name or an http or https URL (not file:), got "file:///etc/passwd"'],
    ["a path for serveraddress", '{"serveraddress": "/etc/passwd"}', 400, "API_BODY_INVALID", 'serveraddress must be a registry host name (host[:port]) or an http or https URL of one, got "/etc/passwd"'],
    ["a NUL in username", '{"username": "a\\u0000b"}', 400, "API_BODY_INVALID", 'username must be a string without NUL bytes, got "a\\u0000b"'],
    ["a password of the wrong type", '{"password": ["x"]}', 400, "API_BODY_INVALID", "password must be a string, got an array"],
    ["100,000 levels deep", "[".repeat(100_000) + "]".repeat(100_000), 400, "API_BODY_INVALID", "the body is nested more than 64 levels deep (line 1, column 65)"],
    ["over 1 MiB", JSON.stringify({ username: "u", email: "x".repeat(1 << 20) }), 413, "API_BODY_TOO_LARGE", "the request body of 1048603 bytes is larger than the 1048576 bytes this endpoint takes"],
  ];
  for (const [what, body, status, code, message] of cases) {
    test(what, async () => {
      const before = images.logins.length;
      expect(await refusal(await raw("POST", "/v1.41/auth", body))).toMatchObject({ status, code, message, layer: "api" });
      expect(images.logins.length).toBe(before);
    });
  }

  test("a body over the limit sent without a length (chunked) is cut off at the limit: 413", async () => {
    const big = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode(" ".repeat(100_000)));
        c.close();
      },
    });
    const res = await fetch("http://x/v1.41/auth", { method: "POST", body: big, unix: sock } as RequestInit);
    expect(await refusal(res)).toMatchObject({ status: 413, code: "API_BODY_TOO_LARGE", message: "the request body is larger than the 1048576 bytes this endpoint takes" });
  });

  test("a refused password is never echoed, even when its shape is wrong", async () => {
    const r = await refusal(await raw("POST", "/v1.41/auth", JSON.stringify({ password: "hunter2\u0000" })));
    expect(r.message).toBe("password must be a string without NUL bytes, got a string");
  });

  test("a good body reaches the service; unknown fields are ignored, null is absent (as Go decodes)", async () => {
    const res = await raw("POST", "/v1.41/auth", JSON.stringify({ username: "u", password: "p", serveraddress: "https://r.example:5000/v2/", email: null, future: { x: 1 } }));
    expect(res.status).toBe(200);
    expect(images.logins.at(-1)).toEqual({ username: "u", password: "p", serveraddress: "https://r.example:5000/v2/" });
  });
});

describe("query parameters and headers", () => {
  test("a string query is checked for length; a NUL is refused with the parameter named", async () => {
    expect(await refusal(await raw("POST", "/v1.41/images/busybox/tag?repo=a%00b"))).toMatchObject({ status: 400, code: "API_QUERY_INVALID", message: 'query parameter repo must be a string without NUL bytes, got "a\\u0000b"' });
    expect(await refusal(await raw("GET", `/v1.41/images/busybox/json?platform=${"x".repeat(5000)}`))).toMatchObject({ status: 400, message: "query parameter platform must be at most 4096 characters, got a string of 5000 characters" });
  });
  test("filters nested past their shape are refused as docker refuses filters", async () => {
    const r = await refusal(await raw("GET", `/v1.41/images/json?filters=${encodeURIComponent("[".repeat(1000))}`));
    expect(r).toMatchObject({ status: 400, code: "API_FILTERS_INVALID", message: "invalid filter: the filters parameter is nested more than 3 levels deep (line 1, column 4)" });
  });
  test("an X-Registry-Auth that is not a base64 AuthConfig is a 400 naming the header", async () => {
    const enc = (s: string) => Buffer.from(s).toString("base64url");
    for (const [header, message] of [
      [enc("null"), "invalid X-Registry-Auth header: the value must be an object, got null"],
      [enc('{"username": 1}'), "invalid X-Registry-Auth header: username must be a string, got 1"],
      [enc('{"serveraddress": "file:///etc/passwd"}'), 'invalid X-Registry-Auth header: serveraddress must be a registry host name or an http or https URL (not file:), got "file:///etc/passwd"'],
      [enc("{"), "invalid X-Registry-Auth header: not valid JSON: expected a string at line 1, column 2"],
    ]) {
      const r = await refusal(await raw("POST", "/v1.41/images/create?fromImage=r.example/a&tag=1", undefined, { "X-Registry-Auth": header! }));
      expect(r).toMatchObject({ status: 400, code: "API_REGISTRY_AUTH_INVALID", message });
    }
  });
});

test("every endpoint declares its query (and, for bodies, how they are taken)", () => {
  for (const [name, ep] of Object.entries(ENDPOINTS)) {
    expect(ep.spec.query, name).toBeDefined();
    if (ep.spec.body?.kind === "json") expect(ep.spec.body.maxBytes, name).toBeLessThanOrEqual(16 << 20);
  }
});

test("fuzz: any body to POST /auth gets 200 or a 4xx in the API's words, never a 500, and the daemon answers after", async () => {
  const body = fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc.string(),
    fc.record({ username: fc.anything(), password: fc.anything(), serveraddress: fc.oneof(fc.string(), fc.webUrl(), fc.anything()) }, { requiredKeys: [] }).map((o) => JSON.stringify(o) ?? "{}"),
  );
  await fc.assert(
    fc.asyncProperty(body, async (b) => {
      const res = await raw("POST", "/v1.41/auth", b);
      expect(res.status === 200 || (res.status >= 400 && res.status < 500)).toBe(true);
      const r = (await res.json()) as { code?: string; layer?: string };
      if (res.status !== 200) expect(r.layer).toBeDefined();
    }),
    { numRuns: 300, seed: 8 },
  );
  expect((await raw("GET", "/_ping")).status).toBe(200);
});

test("fuzz: any method, path and query gets an answer in the API's words, never a 500", async () => {
  const segment = fc.oneof(fc.constantFrom("images", "json", "create", "tag", "push", "get", "load", "prune", "auth", "_ping", "version", "info", "busybox", "..", "%2F", "%00", "containers"), fc.string({ maxLength: 12 }).map(encodeURIComponent));
  const path = fc.tuple(fc.constantFrom("", "/v1.41", "/v1.24", "/v9.9", "/v1.x"), fc.array(segment, { minLength: 1, maxLength: 4 })).map(([v, s]) => `${v}/${s.join("/")}`);
  const query = fc.dictionary(fc.constantFrom("all", "filters", "filter", "tag", "repo", "fromImage", "fromSrc", "names", "force", "quiet", "platform", "changes", "x"), fc.oneof(fc.string({ maxLength: 30 }), fc.json({ maxDepth: 3 })), { maxKeys: 4 });
  await fc.assert(
    fc.asyncProperty(fc.constantFrom("GET", "POST", "DELETE", "HEAD", "PUT"), path, query, async (method, p, qs) => {
      // (fromSrc would make the daemon download: a URL it cannot reach, or the body; neither matters here)
      const search = new URLSearchParams(Object.entries(qs).filter(([k]) => k !== "fromSrc")).toString();
      const res = await raw(method, `${p}${search ? `?${search}` : ""}`);
      expect(res.status).not.toBe(500);
      if (res.status >= 400 && method !== "HEAD") expect(((await res.json()) as { message?: string }).message).toBeString();
      else await res.body?.cancel();
    }),
    { numRuns: 400, seed: 8 },
  );
  expect((await raw("GET", "/_ping")).status).toBe(200);
});
