import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import type { Writable } from "node:stream";
import { SkiffError } from "../common/errors.ts";
import type { ImageInspect, PullOptions } from "../engine/images/index.ts";
import { ApiClient, connectError, jsonLines, socketPathFromHost } from "./client.ts";
import { handleRequest, startApiServer, type ApiServer, type ServerLog } from "./server.ts";
import { FakeImageService } from "./testing/fake-images.ts";

const dir = `/tmp/skiff-test-${process.pid}/api-client`;
const sock = `${dir}/api.sock`;

/** Pulls that fail after their first line, with a hint, as the image store's ENOSPC does. */
class FailingPulls extends FakeImageService {
  override async pull(ref: string, opts: PullOptions = {}): Promise<ImageInspect> {
    if (ref.startsWith("plain")) return super.pull(ref, opts);
    opts.onProgress?.({ id: "1", status: "Pulling from library/full" });
    if (ref.startsWith("untyped")) throw new Error("something broke");
    throw new SkiffError({ layer: "image", kind: "unavailable", code: "IMAGE_IO", message: "write blob sha256:abc: no space left on device", hint: "free space under the storage root, then retry" });
  }

  /** "broken:1" breaks off after the archive's first bytes. */
  override async save(names: string[], out: Writable): Promise<void> {
    if (!names[0]!.startsWith("broken")) return super.save(names, out);
    out.write(Buffer.alloc(1024));
    await Bun.sleep(10);
    throw new SkiffError({ layer: "image", kind: "unavailable", code: "IMAGE_IO", message: "write scratch file: no space left on device" });
  }
}

const images = new FailingPulls();
images.add("broken:1");
const daemon = { id: "x", name: "h", version: "0.1.0", dataRoot: dir, execRoot: dir, insecureRegistries: [], debug: false };
let server: ApiServer;
const client = new ApiClient(sock);

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  server = await startApiServer({ socketPath: sock, images, daemon, log: { debug() {}, info() {}, warn() {}, error() {} } });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const drain = async (it: AsyncIterable<unknown>) => {
  for await (const _ of it);
};

test("an in-stream error line carries the daemon's code, layer and hint beside docker's fields", async () => {
  const res = await fetch("http://x/images/create?fromImage=full&tag=1", { method: "POST", unix: sock } as RequestInit);
  const lines = [];
  for await (const m of jsonLines(res)) lines.push(m);
  expect(lines.at(-1)).toEqual({
    errorDetail: { message: "write blob sha256:abc: no space left on device" },
    error: "write blob sha256:abc: no space left on device",
    code: "IMAGE_IO",
    layer: "image",
    hint: "free space under the storage root, then retry",
  });
});

test("the client ends a pull's stream with the daemon's error: code, layer and hint kept", async () => {
  const err = (await drain(await client.pull("full", "1")).catch((e) => e)) as SkiffError;
  expect(err).toBeInstanceOf(SkiffError);
  expect(err.code).toBe("IMAGE_IO");
  expect(err.layer).toBe("image");
  expect(err.hint).toBe("free space under the storage root, then retry");
  expect(err.details.stream).toBe(true);
  // an error that is no SkiffError still says which layer sent it
  const untyped = (await drain(await client.pull("untyped", "1")).catch((e) => e)) as SkiffError;
  expect([untyped.code, untyped.layer, untyped.message]).toEqual(["API_INTERNAL", "api", "something broke"]);
});

test("a daemon that drops the connection mid-stream is CLI_DAEMON_CONNECTION_LOST, not a raw ECONNRESET", async () => {
  const path = `${dir}/dropping.sock`;
  const dropping: Server = createServer((c) => {
    c.once("data", () => {
      const line = '{"status":"Pulling from library/x","id":"1"}\r\n';
      // one chunk of the body, then the connection closes without the last chunk
      c.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(line).toString(16)}\r\n${line}\r\n`);
      setTimeout(() => c.destroy(), 50);
    });
  });
  await new Promise<void>((r) => dropping.listen(path, r));
  try {
    const seen: unknown[] = [];
    const err = (await (async () => {
      for await (const m of await new ApiClient(path).pull("x", "1")) seen.push(m);
    })().catch((e) => e)) as SkiffError;
    expect(seen).toEqual([{ status: "Pulling from library/x", id: "1" }]);
    expect(err).toBeInstanceOf(SkiffError);
    expect(err.code).toBe("CLI_DAEMON_CONNECTION_LOST");
    expect(err.layer).toBe("cli");
    expect(err.hint).toContain("skiffd");
    expect(err.message).not.toContain("verbose");
  } finally {
    await new Promise((r) => dropping.close(r));
  }
});

test("DOCKER_HOST is read when SKIFF_HOST is unset, after -H and SKIFF_HOST (it was ignored)", () => {
  expect(socketPathFromHost(undefined, "", "unix:///docker.sock")).toBe("/docker.sock");
  expect(socketPathFromHost(undefined, "unix:///skiff.sock", "unix:///docker.sock")).toBe("/skiff.sock");
  expect(socketPathFromHost("/flag.sock", "unix:///skiff.sock", "unix:///docker.sock")).toBe("/flag.sock");
  expect(() => socketPathFromHost(undefined, "", "tcp://10.0.0.1:2375")).toThrow('connect to "tcp://10.0.0.1:2375" (from DOCKER_HOST): the tcp:// scheme is not supported');
});

test("-H and SKIFF_HOST: unix:///PATH and /PATH; other schemes are CLI_HOST_UNSUPPORTED in the layer/code format, with a hint", () => {
  // ("" for a variable that is not set: undefined would read the test's own SKIFF_HOST and
  // DOCKER_HOST, which a docker user running the tests may well have)
  expect(socketPathFromHost("unix:///run/x.sock", "", "")).toBe("/run/x.sock");
  expect(socketPathFromHost("/run/y.sock", "tcp://ignored:1", "")).toBe("/run/y.sock");
  expect(socketPathFromHost(undefined, "unix:///env.sock", "")).toBe("/env.sock");
  expect(socketPathFromHost(undefined, "", "")).toBe("/run/skiff/skiff.sock");
  const refused = (flag: string | undefined, env = "") => {
    try {
      socketPathFromHost(flag, env, "");
    } catch (e) {
      return e as SkiffError;
    }
    throw new Error(`accepted ${flag ?? env}`);
  };
  for (const host of ["tcp://127.0.0.1:2375", "ssh://me@host", "fd://", "npipe:////./pipe/docker_engine", "localhost:2375", "unix://"]) {
    const e = refused(host);
    expect([e.code, e.layer]).toEqual(["CLI_HOST_UNSUPPORTED", "cli"]);
    expect(e.hint).toContain("only unix:// is supported");
  }
  expect(refused("tcp://127.0.0.1:2375").message).toBe('connect to "tcp://127.0.0.1:2375": the tcp:// scheme is not supported (skiffd listens on a unix socket only)');
  expect(refused(undefined, "ssh://x").message).toStartWith('connect to "ssh://x" (from SKIFF_HOST): the ssh:// scheme');
  // not a misuse of the command line (docker's "skiff: MESSAGE" and 125): the layer/code format
  expect(refused("tcp://h:1").kind).not.toBe("invalid_argument");
});

test("connecting: no socket or nobody listening is 'not running'; EACCES and EPERM are permission denied, with the group to join", () => {
  for (const code of ["ENOENT", "ECONNREFUSED"]) {
    const e = connectError("/run/skiff/skiff.sock", Object.assign(new Error("x"), { code }));
    expect(e.code).toBe("CLI_DAEMON_UNREACHABLE");
    expect(e.message).toContain("the daemon is not running");
    expect(e.details.errno).toBe(code);
  }
  for (const code of ["EACCES", "EPERM"]) {
    const e = connectError(`${dir}/none.sock`, Object.assign(new Error("x"), { code }));
    expect(e.code).toBe("CLI_DAEMON_PERMISSION_DENIED");
    expect(e.layer).toBe("cli");
    expect(e.message).toContain("permission denied");
    expect(e.message).not.toContain("not running");
    expect(e.hint).toContain("root");
    expect(e.hint).toContain('group "skiff"'); // joined, or created first where it does not exist
    expect(e.details.errno).toBe(code);
  }
});

test("the server logs failures: a 5xx at error level, a 4xx at debug level, a stream that fails after its 200 at warning level with its code", async () => {
  const lines: string[] = [];
  const log: ServerLog = {
    debug: (m, f) => lines.push(`debug ${m} ${JSON.stringify(f ?? {})}`),
    info: (m, f) => lines.push(`info ${m} ${JSON.stringify(f ?? {})}`),
    warn: (m, f) => lines.push(`warning ${m} ${JSON.stringify(f ?? {})}`),
    error: (m, f) => lines.push(`error ${m} ${JSON.stringify(f ?? {})}`),
  };
  const call = async (method: string, path: string) => {
    const res = await handleRequest(new Request(`http://x${path}`, { method }), { images, daemon }, log);
    await res.arrayBuffer();
    await Bun.sleep(0);
  };
  await call("POST", "/v1.41/images/create?fromImage=full&tag=1");
  expect(lines).toContainEqual(expect.stringMatching(/^warning POST \/v1\.41\/images\/create failed after the response started: write blob sha256:abc: no space left on device .*"code":"IMAGE_IO"/));
  lines.length = 0;
  await call("GET", "/v1.41/images/nope:1/json");
  expect(lines).toContainEqual(expect.stringMatching(/^debug Handler for GET \/v1\.41\/images\/nope:1\/json returned error: No such image: nope:1 .*"status":404.*"code":"IMAGE_NOT_FOUND"/));
  expect(lines.some((l) => /^(warning|error)/.test(l))).toBe(false);
  lines.length = 0;
  await call("POST", "/v1.41/images/create?fromImage=plain&tag=1");
  expect(lines.some((l) => /^(warning|error)/.test(l))).toBe(false);
  // a save's tar that breaks off has no error line: the log still says why
  const save = await handleRequest(new Request("http://x/v1.41/images/get?names=broken:1"), { images, daemon }, log);
  expect(save.status).toBe(200);
  expect(await save.arrayBuffer().catch((e) => e)).toBeInstanceOf(Error);
  expect(lines).toContainEqual(expect.stringMatching(/^warning GET \/v1\.41\/images\/get failed after the response started: write scratch file: no space left on device .*"code":"IMAGE_IO"/));
});

test("an error answer to HEAD (no body) carries the daemon's message and hint, through the error header", async () => {
  const { errorResponse } = await import("./http-error.ts");
  const { responseError } = await import("./client.ts");
  const sent = errorResponse(new SkiffError({ layer: "engine", kind: "conflict", code: "ENGINE_X", message: "container sv: the copy cannot go on", hint: "start it first" }));
  const head = new Response(null, { status: sent.status, headers: sent.headers });
  const e = await responseError(head, "HEAD /containers/sv/archive");
  expect([e.message, e.hint, e.code, e.layer]).toEqual(["container sv: the copy cannot go on", "start it first", "ENGINE_X", "engine"]);
  // an answer without the header (another daemon): the status with its reason and a hint, never a bare code
  const bare = await responseError(new Response(null, { status: 409, statusText: "Conflict" }), "HEAD /containers/sv/archive");
  expect(bare.message).toBe("HEAD /containers/sv/archive: HTTP 409 Conflict");
  expect(bare.hint).toContain("daemon's log");
});
