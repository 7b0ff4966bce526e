// Bad input from a registry, injected by a proxy in front of docker-registry: each must end in a
// clear error with nothing committed to the store, and a later good pull must still work.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { digestBytes } from "../../oci/image/digest.ts";
import { MEDIA } from "../../oci/image/media-types.ts";
import { parseReference } from "../../oci/image/reference.ts";
import { ContentStore } from "../content/index.ts";
import { unpackLayer } from "../snapshots/index.ts";
import { pullImage } from "./pull-image.ts";
import { pushImage } from "./push-image.ts";
import { RegistryClient } from "./registry-client.ts";
import { bodyOf, Dropped, startProxy, type FaultProxy } from "./testing/fault-proxy.ts";
import { freePort, haveRegistry, startRegistry, type RegistryServer } from "./testing/registry-server.ts";
import { storeImage, tinyImage, storesUnder } from "./testing/test-image.ts";
import { failure } from "../../common/failure.ts";

const tmp = `/tmp/skiff-test-${process.pid}/registry-faults`;
let registry: RegistryServer;
let proxy: FaultProxy;
const freshStore = storesUnder(tmp);
const client = () => new RegistryClient({ domain: proxy.domain, retry: { baseDelayMs: 2, maxDelayMs: 20 } });
const image = tinyImage({ label: "faults" });
const big = image.layers[1]!.descriptor;
const blobPath = `/v2/test/faults/blobs/${big.digest}`;
const manifestPath = "/v2/test/faults/manifests/1";
const ref = () => parseReference(`${proxy.domain}/test/faults:1`);
const ingestFiles = (s: ContentStore) => (existsSync(join(s.root, "ingest")) ? readdirSync(join(s.root, "ingest")) : []);
const blobRequests = () => proxy.requests.filter((r) => r.method === "GET" && r.path === blobPath);

/** Nothing of the image but the untouched small blobs may be in the store. */
function expectNothingCommitted(s: ContentStore) {
  expect(s.has(big.digest)).toBe(false);
  expect(s.has(image.manifest.descriptor.digest)).toBe(false);
  expect(s.has(image.config.descriptor.digest)).toBe(false);
}

async function expectGoodPull(s: ContentStore) {
  proxy.hook = undefined;
  const pulled = await pullImage(client(), s, ref());
  expect(pulled.manifest.descriptor.digest).toBe(image.manifest.descriptor.digest);
  expect(digestBytes(s.readBytes(big.digest))).toBe(big.digest);
  expect(ingestFiles(s)).toEqual([]);
}

test("nothing listening fails at once (the default back-off is for registries that answer)", async () => {
  const domain = `127.0.0.1:${await freePort()}`;
  const started = performance.now();
  const e = await failure(new RegistryClient({ domain }).getManifest("x/y", "1"));
  expect([e.code, e.details.errno]).toEqual(["IMAGE_REGISTRY_UNREACHABLE", "ECONNREFUSED"]);
  expect(performance.now() - started).toBeLessThan(900);
});

describe.skipIf(!haveRegistry)("registry faults", () => {
  beforeAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    registry = await startRegistry({ dir: `${tmp}/registry` });
    proxy = await startProxy(registry.url);
    const src = freshStore();
    await storeImage(src, image);
    await pushImage(new RegistryClient({ domain: registry.domain }), src, "test/faults", image.manifest.descriptor, { tag: "1" });
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

  test("a blob whose digest does not match is refused and not stored", async () => {
    proxy.hook = async (req, url, forward) => {
      if (req.method !== "GET" || url.pathname !== blobPath) return undefined;
      const res = await forward();
      const bytes = await bodyOf(res);
      bytes[1000] = bytes[1000]! ^ 0xff;
      return new Response(bytes, { headers: res.headers });
    };
    const s = freshStore();
    const e = await failure(pullImage(client(), s, ref()));
    expect(e.code).toBe("IMAGE_DIGEST_MISMATCH");
    expect(e.message).toContain(big.digest);
    expectNothingCommitted(s);
    // The bad blob's partial is discarded; a sibling layer aborted mid-way may keep its (good) prefix.
    expect(ingestFiles(s)).not.toContain(`sha256-${big.digest.slice(7)}`);
    await expectGoodPull(s);
  });

  test("a blob cut short every time ends as IMAGE_BLOB_TRUNCATED after bounded reconnects; the next pull resumes it", async () => {
    const cut = 50_000;
    proxy.hook = async (req, url, forward) => {
      if (req.method !== "GET" || url.pathname !== blobPath) return undefined;
      const res = await forward();
      const bytes = await bodyOf(res);
      // Serve at most up to byte `cut` of the blob, whatever range was asked for.
      const start = Number(/bytes=(\d+)-/.exec(req.headers.get("range") ?? "")?.[1] ?? 0);
      const h = new Headers(res.headers);
      h.delete("content-length");
      return new Response(bytes.subarray(0, Math.max(0, cut - start)), { status: res.status, headers: h });
    };
    const s = freshStore();
    const e = await failure(pullImage(client(), s, ref()));
    expect(e.code).toBe("IMAGE_BLOB_TRUNCATED");
    expect(e.message).toContain(`ended at ${cut} of ${big.size} bytes`);
    expect(blobRequests().length).toBe(5); // five failures in a row: one that moved forward, four that did not
    expectNothingCommitted(s);
    proxy.requests.length = 0;
    await expectGoodPull(s);
    expect(blobRequests().map((r) => r.range)).toEqual([`bytes=${cut}-`]);
  });

  test("a connection closed mid-blob is resumed with Range, and the digest continues", async () => {
    let dropped = false;
    const keep = 70_000;
    proxy.hook = async (req, url, forward) => {
      if (req.method !== "GET" || url.pathname !== blobPath || dropped) return undefined;
      dropped = true;
      const res = await forward();
      return new Dropped(await bodyOf(res), keep, res.headers);
    };
    const s = freshStore();
    const pulled = await pullImage(client(), s, ref());
    expect(pulled.manifest.descriptor.digest).toBe(image.manifest.descriptor.digest);
    expect(blobRequests().map((r) => r.range)).toEqual([null, `bytes=${keep}-`]);
    expect(digestBytes(s.readBytes(big.digest))).toBe(big.digest);
    expect(ingestFiles(s)).toEqual([]);
  });

  test("unpacking straight from the network survives a dropped connection (digest and diffID verified)", async () => {
    let dropped = false;
    proxy.hook = async (req, url, forward) => {
      if (req.method !== "GET" || url.pathname !== blobPath || dropped) return undefined;
      dropped = true;
      const res = await forward();
      return new Dropped(await bodyOf(res), 12_345, res.headers);
    };
    const target = `${tmp}/unpack`;
    mkdirSync(target, { recursive: true });
    const c = client();
    const diffId = (await c.fetchBlobBytes("test/faults", image.config.descriptor).then((b) => JSON.parse(new TextDecoder().decode(b)))).rootfs.diff_ids[1];
    const r = await unpackLayer({ source: c.blobStream("test/faults", big), target, expected: big, diffId });
    expect(r.digest).toBe(big.digest);
    expect(existsSync(join(target, "data/big"))).toBe(true);
    expect(blobRequests().map((x) => x.range)).toEqual([null, "bytes=12345-"]);
  });

  test("a registry that answers 500 (and 429) is retried with back-off until it succeeds", async () => {
    const answers = new Map<string, number>();
    proxy.hook = (req, url) => {
      if (req.method !== "GET" || (url.pathname !== blobPath && url.pathname !== manifestPath)) return undefined;
      const seen = answers.get(url.pathname) ?? 0;
      answers.set(url.pathname, seen + 1);
      if (seen === 0) return new Response("oops", { status: 500 });
      if (seen === 1) return new Response("slow down", { status: 429, headers: { "retry-after": "0" } });
      return undefined;
    };
    const s = freshStore();
    const pulled = await pullImage(client(), s, ref());
    expect(pulled.manifest.descriptor.digest).toBe(image.manifest.descriptor.digest);
    expect(blobRequests().length).toBe(3);
    expect(proxy.requests.filter((r) => r.path === manifestPath).length).toBe(3);
  });

  test("a registry that keeps failing gives IMAGE_REGISTRY_UNAVAILABLE after bounded tries", async () => {
    proxy.hook = (req, url) => (url.pathname === blobPath ? new Response(JSON.stringify({ errors: [{ code: "UNKNOWN", message: "disk on fire" }] }), { status: 503 }) : undefined);
    const s = freshStore();
    const e = await failure(pullImage(client(), s, ref()));
    expect(e.code).toBe("IMAGE_REGISTRY_UNAVAILABLE");
    expect(e.details.status).toBe(503);
    expect(e.message).toContain("disk on fire");
    expect(blobRequests().length).toBe(5);
    expectNothingCommitted(s);
    await expectGoodPull(s);
  });

  const badManifests: [string, string, string][] = [
    ["not JSON", "<html>gateway</html>", "IMAGE_MANIFEST_INVALID"],
    ["an unknown media type", JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.example.thing+json" }), "IMAGE_UNKNOWN_MEDIA_TYPE"],
    ["schema 1", JSON.stringify({ schemaVersion: 1, name: "x", tag: "1", fsLayers: [] }), "IMAGE_MANIFEST_SCHEMA1"],
  ];
  for (const [what, body, code] of badManifests) {
    test(`a manifest that is ${what} gives ${code}`, async () => {
      const bytes = Buffer.from(body);
      proxy.hook = (req, url) =>
        url.pathname === manifestPath ? new Response(bytes, { headers: { "content-type": MEDIA.ociManifest, "docker-content-digest": digestBytes(bytes) } }) : undefined;
      const s = freshStore();
      const e = await failure(pullImage(client(), s, ref()));
      expect(e.code).toBe(code);
      expect(s.list()).toEqual([]);
      await expectGoodPull(s);
    });
  }

  test("a manifest that does not match the digest asked for is refused", async () => {
    proxy.hook = async (req, url, forward) => {
      if (!url.pathname.includes("/manifests/")) return undefined;
      const res = await forward();
      const text = new TextDecoder().decode(await bodyOf(res));
      return new Response(text.replace("{", "{ "), { headers: res.headers });
    };
    const s = freshStore();
    const e = await failure(pullImage(client(), s, parseReference(`${proxy.domain}/test/faults@${image.manifest.descriptor.digest}`)));
    expect(e.code).toBe("IMAGE_DIGEST_MISMATCH");
    // By tag, the registry's Docker-Content-Digest header is what the bytes must match.
    const e2 = await failure(pullImage(client(), s, ref()));
    expect(e2.code).toBe("IMAGE_DIGEST_MISMATCH");
    expect(s.list()).toEqual([]);
    await expectGoodPull(s);
  });
});
