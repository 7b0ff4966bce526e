// Test fixture: tiny images built in memory (gzip'd tar layers made with the tar writer, an OCI
// config and manifest), and an index over several of them.
import { mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import type { Descriptor } from "../../../oci/image/descriptor.ts";
import { digestBytes } from "../../../oci/image/digest.ts";
import { MEDIA } from "../../../oci/image/media-types.ts";
import { ContentStore } from "../../content/index.ts";
import { buildTar } from "../../archive/index.ts";

export interface Doc {
  descriptor: Descriptor;
  bytes: Uint8Array;
}

export interface TinyImage {
  layers: Doc[];
  config: Doc;
  manifest: Doc;
}

const doc = (mediaType: string, bytes: Uint8Array): Doc => ({ descriptor: { mediaType, digest: digestBytes(bytes), size: bytes.byteLength }, bytes });
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

export interface TinyImageOptions {
  /** One layer per entry, each file name → content. */
  layers?: Record<string, string | Uint8Array>[];
  os?: string;
  architecture?: string;
  /** Distinguishes otherwise equal images. */
  label?: string;
  /** Layers as uncompressed tars (as a docker-archive holds them) instead of gzip. */
  uncompressed?: boolean;
  /** Docker schema 2 media types instead of OCI ones. */
  docker?: boolean;
}

export function tinyImage(opts: TinyImageOptions = {}): TinyImage {
  const contents = opts.layers ?? [{ "etc/hostname": "skiff\n", "bin/hello": "#!/bin/sh\necho hello\n" }, { "data/big": pseudoRandom(200_000, 7) }];
  const tars = contents.map((files) => buildTar(Object.entries(files).flatMap(([name, data]) => [...parents(name).map((d) => ({ name: `${d}/`, type: "dir" as const })), { name, type: "file" as const, data }])));
  const layerType = opts.docker ? (opts.uncompressed ? MEDIA.dockerLayer : MEDIA.dockerLayerGzip) : opts.uncompressed ? MEDIA.ociLayer : MEDIA.ociLayerGzip;
  const layers = tars.map((t) => doc(layerType, opts.uncompressed ? t : gzipSync(t)));
  const config = doc(
    opts.docker ? MEDIA.dockerConfig : MEDIA.ociConfig,
    json({
      architecture: opts.architecture ?? "amd64",
      os: opts.os ?? "linux",
      config: { Cmd: ["/bin/hello"], Labels: opts.label ? { test: opts.label } : {} },
      rootfs: { type: "layers", diff_ids: tars.map((t) => digestBytes(t)) },
      history: tars.map(() => ({ created_by: "test" })),
    }),
  );
  const manifestType = opts.docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
  const manifest = doc(manifestType, json({ schemaVersion: 2, mediaType: manifestType, config: config.descriptor, layers: layers.map((l) => l.descriptor) }));
  return { layers, config, manifest };
}

export function indexOf(images: TinyImage[], platforms: { os: string; architecture: string; variant?: string }[]): Doc {
  return doc(
    MEDIA.ociIndex,
    json({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: images.map((im, i) => ({ ...im.manifest.descriptor, platform: platforms[i] })) }),
  );
}

/** Puts every blob of the image into a store. */
export async function storeImage(store: ContentStore, image: TinyImage, extra: Doc[] = []): Promise<void> {
  for (const d of [...image.layers, image.config, image.manifest, ...extra]) await store.ingest(d.descriptor, () => [d.bytes]);
}

/** Incompressible but reproducible bytes, so a layer is big enough to be cut in the middle. */
export function pseudoRandom(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function parents(name: string): string[] {
  const parts = name.split("/").slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** Fresh content stores, one directory each under `dir`, for tests. */
export function storesUnder(dir: string): () => ContentStore {
  let n = 0;
  return () => {
    const at = `${dir}/store-${n++}`;
    mkdirSync(at, { recursive: true });
    return new ContentStore(at);
  };
}
