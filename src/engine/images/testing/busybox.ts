// Test fixture: a busybox image built from Debian's busybox-static, three gzip layers (a whiteout
// in the second, a hardlink pair in the third), pushed to a registry with the registry client.
import { readFileSync, rmSync } from "node:fs";
import { gzipSync } from "node:zlib";
import type { Descriptor } from "../../../oci/image/descriptor.ts";
import { digestBytes } from "../../../oci/image/digest.ts";
import { MEDIA } from "../../../oci/image/media-types.ts";
import { pushImage, RegistryClient } from "../../registry/index.ts";
import { startRegistry, type RegistryServer } from "../../registry/testing/registry-server.ts";
import { ContentStore } from "../../content/index.ts";
import { buildTar, type TarWriteEntry } from "../../archive/index.ts";

export const BUSYBOX = "/bin/busybox";

export interface BuiltImage {
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
  diffIds: string[];
}

const dir = (name: string): TarWriteEntry => ({ name, type: "dir", mode: 0o755 });

export function busyboxLayers(extra: Record<string, string> = {}): Uint8Array[] {
  const bb = readFileSync(BUSYBOX);
  return [
    buildTar([
      dir("bin/"), dir("etc/"), dir("tmp/"),
      { name: "bin/busybox", type: "file", mode: 0o755, data: bb },
      { name: "bin/sh", type: "symlink", linkname: "busybox" },
      { name: "etc/passwd", type: "file", data: "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/sh\n" },
      { name: "etc/group", type: "file", data: "root:x:0:\nwww:x:33:\nstaff:x:50:www\n" },
      { name: "tmp/junk", type: "file", data: "to be deleted\n" },
    ]),
    buildTar([dir("tmp/"), { name: "tmp/.wh.junk", type: "file", data: "" }, dir("etc/"), { name: "etc/motd", type: "file", data: "hello\n" }]),
    buildTar([dir("data/"), { name: "data/a", type: "file", data: "linked\n" }, { name: "data/b", type: "hardlink", linkname: "data/a" }, ...Object.entries(extra).map(([name, data]) => ({ name, type: "file" as const, data }))]),
  ];
}

/** Stores the image's blobs in `store` (gzip layers, OCI config, Docker schema-2 manifest). */
export async function buildImage(store: ContentStore, tars: Uint8Array[], config: Record<string, unknown> = {}): Promise<BuiltImage & { manifest: Descriptor }> {
  const layers = tars.map((t) => gzipSync(t));
  const diffIds = tars.map((t) => digestBytes(t));
  const cfg = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", created: "2024-01-02T03:04:05Z", config: { Cmd: ["sh"], Env: ["PATH=/bin"], ...config }, rootfs: { type: "layers", diff_ids: diffIds }, history: tars.map(() => ({ created_by: "test" })) }));
  const desc = (mediaType: string, b: Uint8Array) => ({ mediaType, digest: digestBytes(b), size: b.byteLength });
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: desc(MEDIA.dockerConfig, cfg), layers: layers.map((l) => desc(MEDIA.dockerLayerGzip, l)) }));
  for (const b of [...layers, cfg, manifest]) await store.add(b);
  return { manifestDigest: digestBytes(manifest), configDigest: digestBytes(cfg), layerDigests: layers.map((l) => digestBytes(l)), diffIds, manifest: desc(MEDIA.dockerManifest, manifest) };
}

/** Builds and pushes the image as `repo:tag`. */
export async function pushBusybox(client: RegistryClient, storeDir: string, repo: string, tag: string, tars = busyboxLayers(), config?: Record<string, unknown>): Promise<BuiltImage> {
  const store = new ContentStore(storeDir);
  const img = await buildImage(store, tars, config);
  await pushImage(client, store, repo, img.manifest, { tag });
  return img;
}

/** A fresh docker-registry under `tmp` (emptied first) holding the busybox image as test/busybox:1. */
export async function startBusyboxRegistry(tmp: string): Promise<{ registry: RegistryServer; bb: BuiltImage }> {
  rmSync(tmp, { recursive: true, force: true });
  const registry = await startRegistry({ dir: `${tmp}/registry` });
  const bb = await pushBusybox(new RegistryClient({ domain: registry.domain }), `${tmp}/src`, "test/busybox", "1");
  return { registry, bb };
}
