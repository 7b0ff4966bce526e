// Push and pull against Debian's docker-registry (distribution 2.8), anonymous access.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { parseReference } from "../../oci/image/reference.ts";
import type { BlobProgress } from "./progress.ts";
import { pullImage } from "./pull-image.ts";
import { pushImage } from "./push-image.ts";
import { RegistryClient } from "./registry-client.ts";
import { haveRegistry, startRegistry, type RegistryServer } from "./testing/registry-server.ts";
import { indexOf, storeImage, tinyImage, storesUnder } from "./testing/test-image.ts";
import { failure } from "../../common/failure.ts";

const tmp = `/tmp/skiff-test-${process.pid}/registry-anon`;
let registry: RegistryServer;
const freshStore = storesUnder(tmp);
const client = () => new RegistryClient({ domain: registry.domain, retry: { baseDelayMs: 5 } });

describe.skipIf(!haveRegistry)("registry client against docker-registry", () => {
  beforeAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    registry = await startRegistry({ dir: `${tmp}/registry` });
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const image = tinyImage();

  test("probes /v2/ over plain HTTP on loopback after HTTPS fails", async () => {
    const ep = await client().ping();
    expect(ep.base).toBe(registry.url);
  });

  test("pushes an image (monolithic uploads) and pulls it back identical", async () => {
    const src = freshStore();
    await storeImage(src, image);
    const c = client();
    const events: BlobProgress[] = [];
    const digest = await pushImage(c, src, "test/tiny", image.manifest.descriptor, { tag: "1", onProgress: (e) => events.push(e) });
    expect(digest).toBe(image.manifest.descriptor.digest);
    expect(events.filter((e) => e.status === "complete").map((e) => e.digest).sort()).toEqual([image.config, ...image.layers].map((d) => d.descriptor.digest).sort());

    const dst = freshStore();
    const pulled = await pullImage(client(), dst, parseReference(`${registry.domain}/test/tiny:1`), { onProgress: (e) => events.push(e) });
    expect(pulled.manifest.descriptor).toEqual(image.manifest.descriptor);
    expect(pulled.config.config.rootfs.diffIds.length).toBe(2);
    for (const d of [image.manifest, image.config, ...image.layers]) expect(new Uint8Array(dst.readBytes(d.descriptor.digest))).toEqual(new Uint8Array(d.bytes));
    const big = image.layers[1]!.descriptor;
    const last = events.filter((e) => e.digest === big.digest && e.status === "downloading").at(-1)!;
    expect(last.done).toBe(big.size);
    expect(last.total).toBe(big.size);
  });

  test("a second pull downloads nothing that is in the store", async () => {
    const dst = freshStore();
    await pullImage(client(), dst, parseReference(`${registry.domain}/test/tiny:1`));
    const events: BlobProgress[] = [];
    await pullImage(client(), dst, parseReference(`${registry.domain}/test/tiny:1`), { onProgress: (e) => events.push(e) });
    expect(events.map((e) => e.status)).toEqual(["exists", "exists"]);
  });

  test("pulls by digest and checks the manifest's digest", async () => {
    const dst = freshStore();
    const ref = parseReference(`${registry.domain}/test/tiny@${image.manifest.descriptor.digest}`);
    const pulled = await pullImage(client(), dst, ref);
    expect(pulled.root.descriptor.digest).toBe(image.manifest.descriptor.digest);
  });

  test("pushes in PATCH chunks with Content-Range", async () => {
    const img = tinyImage({ label: "chunked" });
    const src = freshStore();
    await storeImage(src, img);
    const events: BlobProgress[] = [];
    await pushImage(client(), src, "test/chunked", img.manifest.descriptor, { tag: "v1", chunkSize: 64 * 1024, onProgress: (e) => events.push(e) });
    const big = img.layers[1]!.descriptor;
    expect(events.filter((e) => e.digest === big.digest && e.status === "uploading").map((e) => e.done)).toEqual([0, 65536, 131072, 196608, big.size]);
    const pulled = await pullImage(client(), freshStore(), parseReference(`${registry.domain}/test/chunked:v1`));
    expect(pulled.manifest.descriptor.digest).toBe(img.manifest.descriptor.digest);
  });

  test("mounts blobs from another repository instead of uploading them, and skips blobs already there", async () => {
    const src = freshStore();
    await storeImage(src, image);
    const events: BlobProgress[] = [];
    await pushImage(client(), src, "other/copy", image.manifest.descriptor, { tag: "x", mountFrom: "test/tiny", onProgress: (e) => events.push(e) });
    expect(events.filter((e) => e.status === "mounted").length).toBe(3);
    expect(events.some((e) => e.status === "uploading")).toBe(false);
    const again: BlobProgress[] = [];
    await pushImage(client(), src, "other/copy", image.manifest.descriptor, { tag: "y", onProgress: (e) => again.push(e) });
    expect(again.map((e) => e.status)).toEqual(["exists", "exists", "exists"]);
    expect((await client().listTags("other/copy")).sort()).toEqual(["x", "y"]);
  });

  test("lists tags across pages", async () => {
    const src = freshStore();
    await storeImage(src, image);
    const c = client();
    await pushImage(c, src, "test/tags", image.manifest.descriptor, { tag: "a", mountFrom: "test/tiny" });
    for (const tag of ["b", "c", "d", "e"]) await c.putManifest("test/tags", tag, image.manifest.bytes, image.manifest.descriptor.mediaType);
    // distribution 2.8 pages in no particular order; every tag must come exactly once
    expect((await c.listTags("test/tags", 2)).sort()).toEqual(["a", "b", "c", "d", "e"]);
  });

  test("selects the platform's manifest from an index", async () => {
    const amd = tinyImage({ label: "amd64", architecture: "amd64" });
    const arm = tinyImage({ label: "arm64", architecture: "arm64", layers: [{ "etc/arch": "arm64\n" }] });
    const index = indexOf([amd, arm], [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64", variant: "v8" }]);
    const src = freshStore();
    await storeImage(src, amd);
    await storeImage(src, arm, [index]);
    await pushImage(client(), src, "test/multi", index.descriptor, { tag: "latest" });
    const ref = parseReference(`${registry.domain}/test/multi`);
    const dst = freshStore();
    const pulled = await pullImage(client(), dst, ref, { platform: { os: "linux", architecture: "arm64" } });
    expect(pulled.root.descriptor.digest).toBe(index.descriptor.digest);
    expect(pulled.manifest.descriptor.digest).toBe(arm.manifest.descriptor.digest);
    expect(dst.has(index.descriptor.digest)).toBe(true);
    expect(dst.has(amd.layers[1]!.descriptor.digest)).toBe(false);
    const e = await failure(pullImage(client(), freshStore(), ref, { platform: { os: "linux", architecture: "s390x" } }));
    expect(e.code).toBe("IMAGE_PLATFORM_NOT_FOUND");
  });

  test("HEAD resolves a tag to the manifest's descriptor; a missing tag is not found", async () => {
    const c = client();
    expect(await c.headManifest("test/tiny", "1")).toEqual(image.manifest.descriptor);
    expect(await c.headManifest("test/tiny", "nope")).toBeUndefined();
    const e = await failure(pullImage(c, freshStore(), parseReference(`${registry.domain}/test/tiny:nope`)));
    expect(e.code).toBe("IMAGE_MANIFEST_NOT_FOUND");
    expect(e.details.status).toBe(404);
    expect(e.message).toContain(`"${registry.domain}/test/tiny:nope"`);
  });

  test("a stopped registry is unreachable, after bounded retries", async () => {
    const c = new RegistryClient({ domain: "127.0.0.1:1", retry: { baseDelayMs: 1, tries: 2 } });
    const e = await failure(c.ping());
    expect(e.code).toBe("IMAGE_REGISTRY_UNREACHABLE");
    expect(e.kind).toBe("unavailable");
  });
});
