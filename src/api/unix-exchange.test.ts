// UnixExchange against a Bun.serve in another process (its I/O blocks this thread): a chunked
// body arrives whole, a chunked and a sized response come back whole through the reused buffer,
// an early error answer is thrown as ApiClient throws it, a missing socket says so; an ApiClient
// `alone` sends its requests through it and gets what fetch would have given.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn, type Subprocess } from "bun";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { CHUNK_ROOM, UnixExchange } from "./unix-exchange.ts";
import { SkiffError } from "../common/errors.ts";
import { ApiClient } from "./client.ts";
import { API_VERSION } from "./version.ts";

const dir = mkdtempSync("/tmp/skiff-unix-exchange-");
const sock = join(dir, "s.sock");
let server: Subprocess;
// 3 MiB + 7 of a pattern: crosses the 1 MiB read buffer unevenly
const BIG = Buffer.alloc(3 * 2 ** 20 + 7);
for (let i = 0; i < BIG.byteLength; i++) BIG[i] = (i * 31 + (i >> 13)) & 0xff;

beforeAll(async () => {
  const script = join(dir, "server.ts");
  writeFileSync(
    script,
    `const BIG = Buffer.alloc(${BIG.byteLength});
for (let i = 0; i < BIG.byteLength; i++) BIG[i] = (i * 31 + (i >> 13)) & 0xff;
Bun.serve({ unix: ${JSON.stringify(sock)}, async fetch(req) {
  const u = new URL(req.url);
  if (u.pathname === "/sum") { const h = new Bun.CryptoHasher("sha256"); let n = 0; for await (const c of req.body) { h.update(c); n += c.byteLength; } return Response.json({ n, sha: h.digest("hex"), te: req.headers.get("transfer-encoding") }); }
  if (u.pathname === "/refuse") return Response.json({ message: "No such container: x", code: "ENGINE_CONTAINER_NOT_FOUND", layer: "engine" }, { status: 404 });
  if (u.pathname === "/chunked") return new Response(new ReadableStream({ async pull(c) { for (let at = 0; at < BIG.byteLength; at += 70001) { c.enqueue(BIG.subarray(at, at + 70001)); await Bun.sleep(0); } c.close(); } }), { headers: { "X-Stat": "s" } });
  if (u.pathname === "/sized" || u.pathname === "/v${API_VERSION}/sized") return new Response(BIG);
  if (u.pathname === "/v${API_VERSION}/echo") return Response.json({ method: req.method, query: u.search, body: await req.text(), length: req.headers.get("content-length"), type: req.headers.get("content-type"), agent: req.headers.get("user-agent") }, { status: 201, headers: { "Skiff-Echo": "1" } });
  if (u.pathname === "/v${API_VERSION}/none") return new Response(null, { status: 204 });
  if (u.pathname === "/v${API_VERSION}/refuse") return Response.json({ message: "Conflict. The container name is in use", code: "ENGINE_NAME_IN_USE", layer: "engine" }, { status: 409 });
  return new Response("?", { status: 500 });
} });
console.log("ready");`,
  );
  server = spawn([process.execPath, script], { stdout: "pipe", stderr: "inherit" });
  for (let i = 0; i < 500 && !existsSync(sock); i++) await Bun.sleep(10);
});
afterAll(() => {
  server.kill();
  rmSync(dir, { recursive: true, force: true });
});

const got = (x: UnixExchange): Buffer => {
  const parts: Buffer[] = [];
  x.body((p) => void parts.push(Buffer.from(p)));
  return Buffer.concat(parts);
};

test("a chunked request body arrives whole (one chunk per send, framed in the room before it)", async () => {
  const x = UnixExchange.open(sock, "PUT", "/sum", { "Content-Type": "application/x-tar" }, true);
  const buf = Buffer.alloc(CHUNK_ROOM + 2 ** 20 + 2);
  for (let at = 0; at < BIG.byteLength; at += 2 ** 20) {
    const n = BIG.copy(buf, CHUNK_ROOM, at, at + 2 ** 20);
    expect(x.send(buf, CHUNK_ROOM, CHUNK_ROOM + n)).toBe(true);
  }
  const head = await x.finish();
  expect(head.status).toBe(200);
  expect(JSON.parse(got(x).toString())).toEqual({ n: BIG.byteLength, sha: createHash("sha256").update(BIG).digest("hex"), te: "chunked" });
});

test("a chunked and a sized response come back whole through the one read buffer, headers kept", async () => {
  const c = UnixExchange.open(sock, "GET", "/chunked", {}, false);
  expect((await c.response()).headers.get("x-stat")).toBe("s");
  expect(got(c).equals(BIG)).toBe(true);
  const s = UnixExchange.open(sock, "GET", "/sized", {}, false);
  expect((await s.response()).headers.get("content-length")).toBe(String(BIG.byteLength));
  expect(got(s).equals(BIG)).toBe(true);
});

test("an error answer is the daemon's error, whether or not the body was read", async () => {
  const g = UnixExchange.open(sock, "GET", "/refuse", {}, false);
  const e1 = await g.response().catch((e) => e);
  expect(e1).toBeInstanceOf(SkiffError);
  expect([e1.code, e1.kind, e1.message]).toEqual(["ENGINE_CONTAINER_NOT_FOUND", "not_found", "No such container: x"]);
  // a body the daemon does not wait for: sending stops (or is taken), the answer is still read
  const p = UnixExchange.open(sock, "PUT", "/refuse", {}, true);
  const buf = Buffer.alloc(CHUNK_ROOM + 2 ** 20 + 2, 1);
  for (let i = 0; i < 8 && p.send(buf, CHUNK_ROOM, CHUNK_ROOM + 2 ** 20); i++);
  const e2 = await p.finish().catch((e) => e);
  expect(e2.code).toBe("ENGINE_CONTAINER_NOT_FOUND");
});

test("no socket: the daemon is not running, with the path", () => {
  let e: unknown;
  try {
    UnixExchange.open(join(dir, "none.sock"), "GET", "/x", {}, false);
  } catch (err) {
    e = err;
  }
  expect(e).toBeInstanceOf(SkiffError);
  expect((e as SkiffError).code).toBe("CLI_DAEMON_UNREACHABLE");
  expect((e as SkiffError).message).toContain("no socket at that path");
});

test("an ApiClient alone: its requests on this thread (not fetch's), answered as fetch answers them", async () => {
  const c = new ApiClient(sock, { alone: true });
  const body = JSON.stringify({ Image: "busybox", Env: ["A=é"] });
  const r = await c.request("POST", "/echo", { query: { name: "a b", all: true }, body, headers: { "Content-Type": "application/json" } });
  expect([r.status, r.headers.get("skiff-echo")]).toEqual([201, "1"]);
  expect(await r.json()).toEqual({ method: "POST", query: "?name=a+b&all=1", body, length: String(Buffer.byteLength(body)), type: "application/json", agent: "skiff" });
  const none = await c.request("POST", "/none");
  expect([none.status, await none.text()]).toEqual([204, ""]);
  // a body past the 64 KiB read buffer comes back whole
  expect(Buffer.from(await (await c.request("GET", "/sized")).arrayBuffer()).equals(BIG)).toBe(true);
  const e = await c.request("POST", "/refuse").catch((err) => err);
  expect(e).toBeInstanceOf(SkiffError);
  expect([e.code, e.kind, e.message]).toEqual(["ENGINE_NAME_IN_USE", "conflict", "Conflict. The container name is in use"]);
  const gone = await new ApiClient(join(dir, "none.sock"), { alone: true }).request("GET", "/none").catch((err) => err);
  expect([gone.code, gone.message.includes("no socket at that path")]).toEqual(["CLI_DAEMON_UNREACHABLE", true]);
});
