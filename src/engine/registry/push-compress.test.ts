// Push of uncompressed layers (a docker-archive's, as load stores them): docker pushes them
// gzip-compressed, and so does skiff. The manifest the registry gets names the gzip blobs with the
// gzip media type (its digest changes; the config and its diff_ids do not); the blobs decompress
// to the layers; pushing again gives the same digests; an "uncompressed" layer that is gzip'd
// already is not compressed twice; an index over such a manifest is rewritten to name the new one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { digestBytes } from "../../oci/image/digest.ts";
import type { ImageManifest, ImageIndex } from "../../oci/image/manifest.ts";
import { MEDIA } from "../../oci/image/media-types.ts";
import { parseReference } from "../../oci/image/reference.ts";
import { ImageStore } from "../images/index.ts";
import { buildTar } from "../archive/index.ts";
import type { BlobProgress } from "./progress.ts";
import { pullImage } from "./pull-image.ts";
import { pushImage } from "./push-image.ts";
import { RegistryClient } from "./registry-client.ts";
import { haveRegistry, startRegistry, type RegistryServer } from "./testing/registry-server.ts";
import { indexOf, pseudoRandom, storeImage, tinyImage, type TinyImage, storesUnder } from "./testing/test-image.ts";

const tmp = `/tmp/skiff-test-${process.pid}/push-compress`;
let registry: RegistryServer;
const freshStore = storesUnder(tmp);
const client = () => new RegistryClient({ domain: registry.domain, retry: { baseDelayMs: 2, maxDelayMs: 20 } });
const LAYERS: Record<string, string | Uint8Array>[] = [{ "etc/hostname": "plain\n", "bin/hello": "#!/bin/sh\necho hello\n" }, { "data/big": pseudoRandom(300_000, 3), "data/zeros": new Uint8Array(500_000) }];

/** What the registry holds under repo:tag, the manifest parsed. */
async function remote(repo: string, reference: string) {
  const m = await client().getManifest(repo, reference);
  return { descriptor: m.descriptor, manifest: m.manifest as ImageManifest };
}

describe.skipIf(!haveRegistry)("push compresses uncompressed layers", () => {
  beforeAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    registry = await startRegistry({ dir: `${tmp}/registry` });
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const docker of [true, false]) {
    test(`${docker ? "Docker" : "OCI"} media types: gzip layers in the pushed manifest, the same config, diffIDs kept`, async () => {
      const image = tinyImage({ label: `plain-${docker}`, layers: LAYERS, uncompressed: true, docker });
      const src = freshStore();
      await storeImage(src, image);
      const seen: BlobProgress[] = [];
      const repo = `test/plain-${docker ? "docker" : "oci"}`;
      const digest = await pushImage(client(), src, repo, image.manifest.descriptor, { tag: "1", onProgress: (p) => seen.push(p) });
      expect(digest).not.toBe(image.manifest.descriptor.digest);
      const { descriptor, manifest } = await remote(repo, "1");
      expect(descriptor.digest).toBe(digest);
      expect(descriptor.mediaType).toBe(image.manifest.descriptor.mediaType);
      expect(manifest.config).toEqual(image.config.descriptor);
      const gzipType = docker ? MEDIA.dockerLayerGzip : MEDIA.ociLayerGzip;
      expect(manifest.layers.map((l) => l.mediaType)).toEqual([gzipType, gzipType]);
      for (const [i, l] of manifest.layers.entries()) {
        const bytes = await client().fetchBlobBytes(repo, l);
        expect(bytes[0]).toBe(0x1f);
        // decompresses to the layer as stored: its digest is the diffID
        expect(digestBytes(gunzipSync(bytes))).toBe(image.layers[i]!.descriptor.digest);
        expect(l.size).toBeLessThan(image.layers[i]!.descriptor.size);
      }
      // the store holds what was pushed (the rewritten manifest, the gzip blobs)
      expect(src.has(digest)).toBe(true);
      for (const l of manifest.layers) expect(src.has(l.digest)).toBe(true);
      // progress names the layers by their uncompressed digests (diffIDs), as docker does
      const ids = new Set(seen.map((p) => p.digest));
      for (const l of image.layers) expect(ids.has(l.descriptor.digest)).toBe(true);
      for (const l of manifest.layers) expect(ids.has(l.digest)).toBe(false);
      expect(seen.filter((p) => p.status === "complete").map((p) => p.digest).sort()).toEqual([image.config.descriptor.digest, ...image.layers.map((l) => l.descriptor.digest)].sort());

      // it pulls back: same config, layers verified against the diffIDs
      const pulled = await pullImage(client(), freshStore(), parseReference(`${registry.domain}/${repo}:1`));
      expect(pulled.config.descriptor.digest).toBe(image.config.descriptor.digest);

      // pushing again (compressed again, from a fresh store): the same digests, every blob there already
      const again = freshStore();
      await storeImage(again, image);
      const second: BlobProgress[] = [];
      expect(await pushImage(client(), again, repo, image.manifest.descriptor, { tag: "2", onProgress: (p) => second.push(p) })).toBe(digest);
      expect(second.filter((p) => p.status === "uploading")).toEqual([]);
      expect(second.filter((p) => p.status === "exists")).toHaveLength(3);
    });
  }

  test("an index over such a manifest is pushed rewritten, naming the manifest as pushed", async () => {
    const image = tinyImage({ label: "in-index", layers: LAYERS, uncompressed: true });
    const index = indexOf([image], [{ os: "linux", architecture: "amd64" }]);
    const src = freshStore();
    await storeImage(src, image, [index]);
    const digest = await pushImage(client(), src, "test/plain-index", index.descriptor, { tag: "1" });
    expect(digest).not.toBe(index.descriptor.digest);
    const got = await client().getManifest("test/plain-index", "1");
    const child = (got.manifest as ImageIndex).manifests[0]!;
    expect(child.platform).toEqual({ os: "linux", architecture: "amd64" });
    expect(child.digest).not.toBe(image.manifest.descriptor.digest);
    const { manifest } = await remote("test/plain-index", child.digest);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual([MEDIA.ociLayerGzip, MEDIA.ociLayerGzip]);
  });

  test("a layer labelled uncompressed whose bytes are gzip is pushed as it is, as gzip (not compressed twice)", async () => {
    const gz = tinyImage({ label: "gz-inside", layers: LAYERS });
    // the gzip'd layers under the uncompressed type, as some docker-archives hold them
    const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: { ...gz.config.descriptor, mediaType: MEDIA.dockerConfig }, layers: gz.layers.map((l) => ({ ...l.descriptor, mediaType: MEDIA.dockerLayer })) }));
    const desc = { mediaType: MEDIA.dockerManifest, digest: digestBytes(manifestBytes), size: manifestBytes.byteLength };
    const src = freshStore();
    await storeImage(src, gz, [{ descriptor: desc, bytes: manifestBytes }]);
    await pushImage(client(), src, "test/gz-inside", desc, { tag: "1" });
    const { manifest } = await remote("test/gz-inside", "1");
    expect(manifest.layers.map((l) => [l.mediaType, l.digest])).toEqual(gz.layers.map((l) => [MEDIA.dockerLayerGzip, l.descriptor.digest]));
  });

  test("gzip layers are pushed as they are: the manifest's digest does not change", async () => {
    const image = tinyImage({ label: "already-gzip", layers: LAYERS });
    const src = freshStore();
    await storeImage(src, image);
    expect(await pushImage(client(), src, "test/gzip", image.manifest.descriptor, { tag: "1" })).toBe(image.manifest.descriptor.digest);
  });

  test("ImageStore: a loaded docker-archive pushes gzip layers; the digest line has the pushed manifest's size; GC takes the push's blobs", async () => {
    const dirs = (name: string) => name.split("/").slice(0, -1).map((_, i, parts) => ({ name: `${parts.slice(0, i + 1).join("/")}/`, type: "dir" as const }));
    const tars = LAYERS.map((files) => buildTar(Object.entries(files).flatMap(([name, data]) => [...dirs(name), { name, type: "file" as const, data }])));
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: tars.map((t) => digestBytes(t)) } }));
    const archive = buildTar([
      { name: "c.json", type: "file", data: config },
      ...tars.map((t, i) => ({ name: `l${i}/layer.tar`, type: "file" as const, data: t })),
      { name: "manifest.json", type: "file", data: JSON.stringify([{ Config: "c.json", RepoTags: [`${registry.domain}/test/loaded:1`], Layers: tars.map((_, i) => `l${i}/layer.tar`) }]) },
    ]);
    const store = new ImageStore({ dataRoot: `${tmp}/image-store`, unpackWorkers: 0, retry: { baseDelayMs: 2, tries: 2 } });
    try {
      expect((await store.load(Readable.from([archive]))).loaded).toEqual([`${registry.domain}/test/loaded:1`]);
      const before = store.content.list().map((b) => b.digest).sort();
      const lines: string[] = [];
      const r = await store.push(`${registry.domain}/test/loaded:1`, { onProgress: (e) => lines.push(`${e.id ? `${e.id}: ` : ""}${e.status}`) });
      const { descriptor, manifest } = await remote("test/loaded", "1");
      expect(r.digest).toBe(descriptor.digest);
      expect(r.size).toBe(descriptor.size);
      expect(lines.at(-1)).toBe(`1: digest: ${descriptor.digest} size: ${descriptor.size}`);
      expect(manifest.layers.map((l) => l.mediaType)).toEqual([MEDIA.dockerLayerGzip, MEDIA.dockerLayerGzip]);
      expect(manifest.config.digest).toBe(digestBytes(config));
      // layer lines name the diffIDs, as docker's
      for (const t of tars) expect(lines).toContain(`${digestBytes(t).slice(7, 19)}: Pushed`);
      expect(store.inspect(`${registry.domain}/test/loaded:1`).RepoDigests).toEqual([`${registry.domain}/test/loaded@${descriptor.digest}`]);
      // the push's own blobs are no image's: GC takes them, the image keeps its own
      store.gc();
      expect(store.content.list().map((b) => b.digest).sort()).toEqual(before);
      // and a pull of what was pushed gives the same image
      const other = new ImageStore({ dataRoot: `${tmp}/image-store-2`, unpackWorkers: 0 });
      try {
        expect((await other.pull(`${registry.domain}/test/loaded:1`)).Id).toBe(digestBytes(config));
      } finally {
        await other.close();
      }
    } finally {
      await store.close();
    }
  });
});
