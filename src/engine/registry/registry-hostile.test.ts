// A hostile registry: docker-registry behind a proxy that answers one kind of request at a time
// with a redirect (or an upload session, or a token realm) pointing at a host file, or with a
// document built to break a parser. Each must end in a clear error that names the registry, with
// nothing of the host file read: it appears in no error and in no file of the content store.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isSkiffError, type SkiffError } from "../../common/errors.ts";
import { digestBytes } from "../../oci/image/digest.ts";
import { MEDIA } from "../../oci/image/media-types.ts";
import { parseReference } from "../../oci/image/reference.ts";
import type { ContentStore } from "../content/index.ts";
import { pullImage } from "./pull-image.ts";
import { pushImage } from "./push-image.ts";
import { RegistryClient } from "./registry-client.ts";
import { startProxy, type FaultProxy } from "./testing/fault-proxy.ts";
import { haveRegistry, startRegistry, type RegistryServer } from "./testing/registry-server.ts";
import { storeImage, storesUnder, tinyImage } from "./testing/test-image.ts";
import { failure as failureOf } from "../../common/failure.ts";

const tmp = `/tmp/skiff-test-${process.pid}/registry-hostile`;
const MARK = `CANARY-${process.pid}-${Date.now()}`;
const canary = join(tmp, "canary");
let registry: RegistryServer;
let proxy: FaultProxy;
const freshStore = storesUnder(join(tmp, "stores"));
const image = tinyImage({ label: "hostile" });
const ref = () => parseReference(`${proxy.domain}/test/hostile:1`);
const client = (o: { username?: string } = {}) =>
  new RegistryClient({ domain: proxy.domain, retry: { tries: 2, baseDelayMs: 1, maxDelayMs: 2 }, ...(o.username ? { credentials: { username: o.username, password: "secret" } } : {}) });


/** Every file under `dir`, read: none may hold the canary's mark. */
function filesHolding(dir: string, mark: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && readFileSync(p).includes(mark)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function expectRefused(e: SkiffError, scheme: string, store?: ContentStore) {
  expect(e.code).toBe("IMAGE_REGISTRY_URL_REFUSED");
  expect(e.message).toContain(`the registry ${proxy.domain} `);
  expect(e.message).toContain(`${scheme}:`);
  expect(e.details.scheme).toBe(scheme);
  expect(JSON.stringify(e.toJSON())).not.toContain(MARK);
  if (store) expect(filesHolding(store.root, MARK)).toEqual([]);
}

type Kind = { name: string; matches: (req: Request, url: URL) => boolean };
const isBlob = (digest: string) => (req: Request, url: URL) => (req.method === "GET" || req.method === "HEAD") && url.pathname.endsWith(`/blobs/${digest}`);
const PULL_KINDS: Kind[] = [
  { name: "the manifest by tag", matches: (r, u) => r.method === "GET" && u.pathname.endsWith("/manifests/1") },
  { name: "the config blob", matches: isBlob(image.config.descriptor.digest) },
  { name: "a layer blob", matches: isBlob(image.layers[1]!.descriptor.digest) },
];

describe.skipIf(!haveRegistry)("a registry that points skiff at host files", () => {
  beforeAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    registry = await startRegistry({ dir: `${tmp}/registry` });
    proxy = await startProxy(registry.url);
    writeFileSync(canary, `${MARK}\n`.repeat(40));
    const src = freshStore();
    await storeImage(src, image);
    await pushImage(new RegistryClient({ domain: registry.domain }), src, "test/hostile", image.manifest.descriptor, { tag: "1" });
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  afterEach(() => {
    proxy.hook = undefined;
    proxy.requests.length = 0;
  });

  for (const kind of PULL_KINDS) {
    for (const [scheme, location] of [
      ["file", () => `file://${canary}`],
      ["file", () => "file:///dev/zero"],
      ["data", () => `data:text/plain,${MARK}`],
      ["ftp", () => "ftp://127.0.0.1/x"],
    ] as const) {
      test(`a ${scheme}: redirect for ${kind.name} (${location().slice(0, 24)}) is refused, nothing read`, async () => {
        proxy.hook = (req, url) => (kind.matches(req, url) ? new Response(null, { status: 307, headers: { location: location() } }) : undefined);
        const s = freshStore();
        expectRefused(await failureOf(pullImage(client(), s, ref())), scheme, s);
        expect(s.list()).toEqual([]);
      });
    }
  }

  test("a redirect of the /v2/ probe is not followed: the 307 is the error, nothing read", async () => {
    proxy.hook = (_req, url) => (url.pathname === "/v2/" ? new Response(null, { status: 307, headers: { location: `file://${canary}` } }) : undefined);
    const s = freshStore();
    const e = await failureOf(pullImage(client(), s, ref()));
    expect([e.code, e.details.status]).toEqual(["IMAGE_REGISTRY_ERROR", 307]);
    expect(JSON.stringify(e.toJSON())).not.toContain(MARK);
    expect(filesHolding(s.root, MARK)).toEqual([]);
  });

  test("a manifest HEAD redirected to a file is refused", async () => {
    proxy.hook = (req, url) => (req.method === "HEAD" && url.pathname.includes("/manifests/") ? new Response(null, { status: 302, headers: { location: `file://${canary}` } }) : undefined);
    expectRefused(await failureOf(client().headManifest("test/hostile", "1")), "file");
  });

  test("the tag list's next page at a file is refused", async () => {
    proxy.hook = async (_req, url, forward) => {
      if (!url.pathname.endsWith("/tags/list")) return undefined;
      const res = await forward();
      const h = new Headers(res.headers);
      h.set("link", `<file://${canary}>; rel="next"`);
      return new Response(await res.arrayBuffer(), { status: res.status, headers: h });
    };
    expectRefused(await failureOf(client().listTags("test/hostile")), "file");
  });

  test("a token realm at a file is refused before any credential is sent", async () => {
    proxy.hook = (_req, url) =>
      url.pathname === "/v2/" || url.pathname.includes("/manifests/")
        ? new Response('{"errors":[{"code":"UNAUTHORIZED"}]}', { status: 401, headers: { "www-authenticate": `Bearer realm="file://${canary}",service="x"` } })
        : undefined;
    const s = freshStore();
    expectRefused(await failureOf(pullImage(client({ username: "u" }), s, ref())), "file", s);
    expectRefused(await failureOf(client({ username: "u" }).login()), "file");
  });

  test("redirects are bounded: a loop ends with a clear error", async () => {
    proxy.hook = (_req, url) => (url.pathname.includes("/manifests/") ? new Response(null, { status: 302, headers: { location: url.pathname } }) : undefined);
    const e = await failureOf(pullImage(client(), freshStore(), ref()));
    expect([e.code, e.message]).toEqual(["IMAGE_REGISTRY_PROTOCOL", `fetch manifest "${proxy.domain}/test/hostile:1": more than 10 redirects`]);
    expect(proxy.requests.filter((r) => r.path.includes("/manifests/")).length).toBeLessThanOrEqual(2 * 11);
  });

  test("a blob redirected to another origin gets no Authorization", async () => {
    const other = await startProxy(registry.url);
    try {
      const digest = image.layers[1]!.descriptor.digest;
      proxy.hook = (req, url) => {
        if (url.pathname === "/v2/" && !req.headers.get("authorization")) return new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="r"' } });
        return isBlob(digest)(req, url) ? new Response(null, { status: 307, headers: { location: `${other.url}${url.pathname}` } }) : undefined;
      };
      const s = freshStore();
      await pullImage(client({ username: "u" }), s, ref());
      expect(proxy.requests.some((r) => r.authorization?.startsWith("Basic "))).toBe(true);
      expect(other.requests.map((r) => [r.path, r.authorization])).toEqual([[`/v2/test/hostile/blobs/${digest}`, null]]);
    } finally {
      await other.stop();
    }
  });

  describe("push: every upload session Location and redirect at a file is refused", () => {
    const pushKinds: { name: string; answer: (req: Request, url: URL) => Response | undefined }[] = [
      { name: "the blob HEAD", answer: (r, u) => (r.method === "HEAD" && u.pathname.includes("/blobs/sha256:") ? new Response(null, { status: 307, headers: { location: `file://${canary}` } }) : undefined) },
      { name: "the upload POST", answer: (r, u) => (r.method === "POST" && u.pathname.endsWith("/blobs/uploads/") && !u.search.includes("mount=") ? new Response(null, { status: 202, headers: { location: `file://${canary}` } }) : undefined) },
      { name: "a mount POST", answer: (r, u) => (r.method === "POST" && u.search.includes("mount=") ? new Response(null, { status: 202, headers: { location: `file://${canary}` } }) : undefined) },
    ];
    for (const kind of pushKinds) {
      test(kind.name, async () => {
        const fresh = tinyImage({ label: `push-${kind.name}` });
        const src = freshStore();
        await storeImage(src, fresh);
        proxy.hook = (req, url) => (req.method === "HEAD" && url.pathname.includes("/blobs/") && kind.name !== "the blob HEAD" ? new Response(null, { status: 404 }) : kind.answer(req, url));
        const e = await failureOf(pushImage(client(), src, "test/hostile-push", fresh.manifest.descriptor, { tag: "1", mountFrom: kind.name === "a mount POST" ? "test/hostile" : undefined }));
        expectRefused(e, "file");
      });
    }
    test("a chunked upload's next Location", async () => {
      const fresh = tinyImage({ label: "push-chunked" });
      const src = freshStore();
      await storeImage(src, fresh);
      proxy.hook = (req) => (req.method === "PATCH" ? new Response(null, { status: 202, headers: { location: `file://${canary}` } }) : undefined);
      expectRefused(await failureOf(pushImage(client(), src, "test/hostile-chunk", fresh.manifest.descriptor, { tag: "1", chunkSize: 1000 })), "file");
    });
  });

  describe("documents built to break a parser", () => {
    const manifestPath = "/v2/test/hostile/manifests/1";
    const serve = (body: string, type: string = MEDIA.ociManifest) => {
      const bytes = Buffer.from(body);
      proxy.hook = (_req, url) => (url.pathname === manifestPath ? new Response(bytes, { headers: { "content-type": type, "docker-content-digest": digestBytes(bytes) } }) : undefined);
    };
    test("100,000 levels deep: IMAGE_MANIFEST_INVALID, not a stack overflow", async () => {
      serve(`{"schemaVersion":2,"mediaType":"${MEDIA.ociManifest}","config":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
      const e = await failureOf(pullImage(client(), freshStore(), ref()));
      expect([e.code, e.message]).toEqual(["IMAGE_MANIFEST_INVALID", `parse manifest ${proxy.domain}/test/hostile:1: nested more than 32 levels deep (line 1, column 117)`]);
    });
    test("layers: null is no image (not an image with no layers)", async () => {
      serve(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(image.manifest.bytes)), layers: null }));
      const s = freshStore();
      const e = await failureOf(pullImage(client(), s, ref()));
      expect([e.code, e.message]).toEqual(["IMAGE_MANIFEST_INVALID", `read manifest ${proxy.domain}/test/hostile:1: layers must be an array, got null`]);
      expect(s.list()).toEqual([]);
    });
    test("an error body 100,000 deep, or with escape sequences, is read as no error list", async () => {
      proxy.hook = (_req, url) => (url.pathname === manifestPath ? new Response(`{"errors":${"[".repeat(100_000)}`, { status: 404 }) : undefined);
      expect((await failureOf(pullImage(client(), freshStore(), ref()))).code).toBe("IMAGE_MANIFEST_NOT_FOUND");
      proxy.hook = (_req, url) => (url.pathname === manifestPath ? Response.json({ errors: [{ code: "DENIED", message: "no\u001b[2J\u001b]0;pwned\u0007" }] }, { status: 403 }) : undefined);
      const e = await failureOf(pullImage(client(), freshStore(), ref()));
      expect(e.code).toBe("IMAGE_REGISTRY_DENIED");
      expect(e.message).toEndWith("registry answered 403 Forbidden: DENIED: no?[2J?]0;pwned?");
    });
    test("a token answer 100,000 deep or over 1 MiB is a protocol error", async () => {
      const token = await Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => new Response(new URL(req.url).searchParams.get("big") ? "{" + " ".repeat(2 << 20) + "}" : `{"token":${"[".repeat(100_000)}`) });
      try {
        for (const realm of [`http://127.0.0.1:${token.port}/t`, `http://127.0.0.1:${token.port}/t?big=1`]) {
          proxy.hook = (req, url) => (url.pathname === "/v2/" ? new Response(null, { status: 401, headers: { "www-authenticate": `Bearer realm="${realm}",service="x"` } }) : undefined);
          const e = await failureOf(pullImage(client(), freshStore(), ref()));
          expect(e.code).toBe("IMAGE_REGISTRY_PROTOCOL");
        }
      } finally {
        token.stop(true);
      }
    });
  });
});
