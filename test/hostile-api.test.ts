// The project's own hostile corpus at skiffd's doors, through the built binaries: raw bytes and
// crafted HTTP on the API socket, bodies and headers of the wrong shape, names that try to leave
// the store, a registry that points at host files, and CLI arguments of the same kind. For every
// case: a clear refusal in the API's or CLI's words (never a 500 or a stack trace), nothing read
// or written outside (canaries), nothing half-written in the data root, and the daemon answers after.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { busyboxRootfsTar, removeDir, SKIFF, startSkiffd, tempDir, type Skiffd } from "./harness/skiffd.ts";

let d: Skiffd;
let canaryDir: string;
const MARK = `HOSTILE-CANARY-${process.pid}`;
const canary = () => join(canaryDir, "secret");

/** One raw exchange on the socket: the bytes sent as they are, the answer's status line. */
function exchange(bytes: string | Uint8Array, waitMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(d.sock);
    let got = "";
    const done = () => {
      s.destroy();
      resolve(got);
    };
    s.on("data", (c) => {
      got += c.toString("latin1");
      if (/\r\n\r\n/.test(got)) setTimeout(done, 20);
    });
    s.on("error", done);
    s.on("close", done);
    s.write(bytes);
    setTimeout(done, waitMs);
  });
}

const request = (method: string, path: string, init: { body?: string | Uint8Array; headers?: Record<string, string> } = {}) =>
  fetch(`http://skiffd${path}`, { method, body: init.body, headers: init.headers, unix: d.sock } as RequestInit);

/** What the data root holds (paths and sizes), to tell that a refused request wrote nothing. */
function dataRootListing(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      // the SQLite journal and WAL come and go with any read
      else if (!/\.(db-wal|db-shm|db-journal)$/.test(name)) out.push(`${p.slice(d.dir.length)} ${st.size}`);
    }
  };
  walk(join(d.dir, "data"));
  return out.sort();
}

async function expectAlive() {
  const res = await request("GET", "/_ping");
  expect([res.status, await res.text()]).toEqual([200, "OK"]);
}

beforeAll(async () => {
  d = await startSkiffd();
  canaryDir = tempDir("canary");
  writeFileSync(canary(), `${MARK}\n`);
  // an image to aim at (and the metadata database made, which any first request does)
  const imported = d.skiff(["import", busyboxRootfsTar(canaryDir), "busybox:latest"]);
  expect(imported.status).toBe(0);
  await expectAlive();
});
afterAll(async () => {
  await d?.stop();
  removeDir(d.dir);
  removeDir(canaryDir);
});

describe("raw bytes and crafted HTTP on the socket", () => {
  const cases: [string, string | Uint8Array][] = [
    ["garbage", "\x00\x01\x02\xff\xfe garbage\r\n\r\n"],
    ["an unknown method", "BREW /_ping HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["HTTP/0.9", "GET /_ping\r\n\r\n"],
    ["a header with no colon", "GET /_ping HTTP/1.1\r\nHost x\r\n\r\n"],
    ["a 64 KiB header", `GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(65536)}\r\n\r\n`],
    ["both Content-Length and chunked (smuggling)", "POST /v1.41/auth HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /_ping HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["two Content-Lengths", "POST /v1.41/auth HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}"],
    ["a body shorter than its Content-Length", "POST /v1.41/auth HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"username\":"],
    ["a bad chunk size", "POST /v1.41/auth HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"],
    ["a NUL in the path", "GET /v1.41/images/a\x00b/json HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["a path of 100 KiB", `GET /v1.41/images/${"a".repeat(100_000)}/json HTTP/1.1\r\nHost: x\r\n\r\n`],
  ];
  for (const [what, bytes] of cases) {
    test(what, async () => {
      const before = dataRootListing();
      const answer = await exchange(bytes);
      // refused or answered, never a failure of ours (Bun's parser answers 505 to what is not HTTP/1.x)
      expect(answer).not.toMatch(/^HTTP\/1\.1 500/);
      expect(dataRootListing()).toEqual(before);
      await expectAlive();
    });
  }
});

describe("well-formed HTTP, hostile content", () => {
  const cases: { what: string; method: string; path: string; body?: string; headers?: Record<string, string>; status: number }[] = [
    { what: "an image name that climbs out of the store", method: "GET", path: "/v1.41/images/..%2F..%2F..%2Fetc%2Fpasswd/json", status: 404 },
    { what: "an image name that is a file: URL", method: "GET", path: `/v1.41/images/${encodeURIComponent(`file://${"/etc/passwd"}`)}/json`, status: 404 },
    { what: "delete by a path", method: "DELETE", path: "/v1.41/images/%2Fetc%2Fpasswd", status: 404 },
    { what: "tag into a repository with ../", method: "POST", path: "/v1.41/images/busybox/tag?repo=..%2F..%2Fx&tag=1", status: 400 },
    { what: "pull of a file: reference", method: "POST", path: `/v1.41/images/create?fromImage=${encodeURIComponent("file:///etc/passwd")}`, status: 400 },
    { what: "pull with a tag holding ../", method: "POST", path: "/v1.41/images/create?fromImage=127.0.0.1%3A1%2Fa&tag=..%2F..%2Fx", status: 400 },
    { what: "import from a file: URL", method: "POST", path: `/v1.41/images/create?fromSrc=${encodeURIComponent(`file://${"/etc/passwd"}`)}`, status: 400 },
    { what: "save of a path", method: "GET", path: "/v1.41/images/get?names=..%2F..%2Fetc%2Fpasswd", status: 404 },
    { what: "login at a file: URL", method: "POST", path: "/v1.41/auth", body: JSON.stringify({ serveraddress: "file:///etc/passwd" }), status: 400 },
    { what: "login with null", method: "POST", path: "/v1.41/auth", body: "null", status: 400 },
    { what: "login nested 100,000 deep", method: "POST", path: "/v1.41/auth", body: "[".repeat(100_000), status: 400 },
    { what: "X-Registry-Auth that is not base64 JSON", method: "POST", path: "/v1.41/images/create?fromImage=127.0.0.1%3A1%2Fa&tag=1", headers: { "X-Registry-Auth": "!!!not base64!!!" }, status: 400 },
    { what: "filters nested deep", method: "GET", path: `/v1.41/images/json?filters=${encodeURIComponent("{".repeat(500))}`, status: 400 },
    { what: "filters of the wrong shape", method: "POST", path: `/v1.41/images/prune?filters=${encodeURIComponent('{"dangling":[true]}')}`, status: 400 },
    { what: "an API version from the future", method: "GET", path: "/v99.99/images/json", status: 400 },
  ];
  for (const c of cases) {
    test(`${c.what}: ${c.status} in the API's words`, async () => {
      const before = dataRootListing();
      const res = await request(c.method, c.path, { body: c.body, headers: c.headers });
      const body = (await res.json()) as { message?: string; layer?: string };
      expect([res.status, typeof body.message, typeof body.layer]).toEqual([c.status, "string", "string"]);
      expect(body.message).not.toContain(MARK);
      expect(body.message).not.toMatch(/root:x:0:0/);
      expect({ body, listing: dataRootListing() }).toEqual({ body, listing: before });
      await expectAlive();
    });
  }
});

describe("a registry that points skiffd at host files", () => {
  test("skiff pull: every redirect to file: is refused, named, nothing of the file stored", async () => {
    const fake = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(req) {
        const p = new URL(req.url).pathname;
        if (p === "/v2/") return new Response("{}", { headers: { "docker-distribution-api-version": "registry/2.0" } });
        return new Response(null, { status: 307, headers: { location: `file://${canary()}` } });
      },
    });
    try {
      const before = dataRootListing();
      // (not d.skiff: spawnSync would block this process, where the fake registry answers)
      const p = Bun.spawn([SKIFF, "-H", `unix://${d.sock}`, "pull", `127.0.0.1:${fake.port}/evil/image:1`], { stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH, HOME: d.dir } });
      const r = { status: await p.exited, stdout: await new Response(p.stdout).text(), stderr: await new Response(p.stderr).text() };
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`the registry 127.0.0.1:${fake.port} redirected to a file: URL (only http and https are followed) (layer: image, code: IMAGE_REGISTRY_URL_REFUSED)`);
      expect(r.stderr + r.stdout).not.toContain(MARK);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(dataRootListing()).toEqual(before);
      expect(readFileSync(canary(), "utf8")).toBe(`${MARK}\n`);
      await expectAlive();
    } finally {
      fake.stop(true);
    }
  });
});

describe("CLI arguments", () => {
  const cases: [string, string[], RegExp][] = [
    ["a file: image reference", ["pull", "file:///etc/passwd"], /IMAGE_REFERENCE_INVALID/],
    ["a reference with ../", ["pull", "../../etc/passwd"], /IMAGE_REFERENCE_INVALID/],
    ["an absurd tag", ["tag", "busybox", `x:${"t".repeat(300)}`], /IMAGE_REFERENCE_INVALID|No such image/],
    ["a template that recurses", ["images", "--format", `${"{{with .}}".repeat(200)}x${"{{end}}".repeat(200)}`], /.*/],
    ["a host at a file", ["-H", "file:///etc/passwd", "images"], /-H/],
    ["a save into a path that is not there", ["save", "-o", "/nonexistent/dir/x.tar", "busybox"], /.*/],
  ];
  for (const [what, args, expected] of cases) {
    test(what, () => {
      const before = dataRootListing();
      const r = d.skiff(args);
      if (r.status !== 0) {
        expect(r.stderr).toMatch(expected);
        expect(r.stderr).not.toMatch(/\n\s+at |internal error|TypeError|RangeError/);
      }
      expect(r.stderr + r.stdout).not.toContain(MARK);
      expect(dataRootListing()).toEqual(before);
    });
  }
});
