// Pushes an image from the content store: blobs first (in parallel, bounded; each skipped when the
// registry has it, mounted when another repository of the registry has it), then the manifests,
// children of an index before the index, so the registry never holds a manifest whose blobs it lacks.
// The repositories to mount from are the caller's: one for every blob, or a list per blob.
//
// Uncompressed layers (a docker-archive's, as `load` stores them) are pushed gzip-compressed, as
// docker pushes them: each is compressed (streamed through node:zlib, which runs on its thread
// pool) into the content store, and the manifest is pushed rewritten to name the gzip blobs with
// the gzip media type (the config, and with it the diff_ids and the image id, does not change; the
// manifest's digest does, as with docker). The rewritten manifest (and an index over it) is stored
// too, unreferenced: GC removes it and the compressed layers once the push is over. Compression
// is deterministic, so pushing again gives the same digests and finds the layers there already.
// A layer stored compressed under an uncompressed media type (some docker-archives hold gzip'd
// layer.tar files) is not compressed twice: it is pushed as it is, under its real media type.
import { pipeline } from "node:stream";
import { createGzip } from "node:zlib";
import type { Descriptor } from "../../oci/image/descriptor.ts";
import type { Digest } from "../../oci/image/digest.ts";
import { parseManifest } from "../../oci/image/manifest.ts";
import { MEDIA } from "../../oci/image/media-types.ts";
import type { Ingester, Provider } from "../content/index.ts";
import { mapLimit } from "./map-limit.ts";
import type { OnPushProgress } from "./blob-push.ts";
import type { RegistryClient } from "./registry-client.ts";

/** Where a push reads blobs, and stores what it makes for the push (compressed layers, rewritten manifests). */
type Blobs = Provider & Ingester;

export interface PushImageOptions {
  /** The tag to put the root manifest under; without one it is pushed by digest only. */
  tag?: string;
  /**
   * Repositories of the same registry the blobs may be mounted from: one for all (where the image
   * came from), or per blob, best first. `stored` is the blob as the store holds it: the
   * uncompressed layer a gzip blob is made from for the push, else `blob` itself.
   */
  mountFrom?: string | ((blob: Descriptor, stored: Descriptor) => readonly string[]);
  /** Blobs uploaded at once; docker's default max-concurrent-uploads is 5. */
  concurrency?: number;
  /** PATCH chunk size for large blobs (see pushBlob). */
  chunkSize?: number;
  /** Progress per blob; a compressed layer reports under its uncompressed digest (its diffID, as docker shows it). */
  onProgress?: OnPushProgress;
  /** A gzip blob in the store to push a layer as instead of its own (the same diffID, known on the
   * registry: images/push-substitutes.ts), so that the registry's copy is reused. */
  substitute?: (layer: Descriptor) => Descriptor | undefined;
}

/** Uncompressed layer media types and what they are pushed as. */
const GZIP_TYPE: Record<string, string> = { [MEDIA.dockerLayer]: MEDIA.dockerLayerGzip, [MEDIA.ociLayer]: MEDIA.ociLayerGzip };
/** What an "uncompressed" layer that is compressed already is really: by its magic number. */
const SNIFFED: [magic: number[], gzip: boolean][] = [
  [[0x1f, 0x8b], true],
  [[0x28, 0xb5, 0x2f, 0xfd], false],
];

/**
 * Pushes the manifest or index `root` (in the store) and everything it references that the store
 * holds to `repo`; returns the digest of the root as pushed (`root.digest`, unless layers had to be
 * compressed: then the rewritten manifest's, which the store holds). Children of an index missing
 * from the store (other platforms never pulled) are not pushed; a registry that checks indexes
 * then refuses the index.
 */
export async function pushImage(client: RegistryClient, store: Blobs, repo: string, root: Descriptor, opts: PushImageOptions = {}): Promise<Digest> {
  const pushed = await pushTree(client, store, repo, root, opts, 0);
  return client.putManifest(repo, opts.tag ?? pushed.digest, store.readBytes(pushed.digest), pushed.mediaType);
}

/** Pushes what `desc` references; returns the descriptor to push the document itself under (a rewrite when its layers or children changed). */
async function pushTree(client: RegistryClient, store: Blobs, repo: string, desc: Descriptor, opts: PushImageOptions, depth: number): Promise<Descriptor> {
  const bytes = store.readBytes(desc.digest);
  const m = parseManifest(bytes, desc.mediaType, `manifest ${desc.digest}`);
  if (m.kind === "index") {
    if (depth >= 3) return desc;
    const children: Descriptor[] = [];
    for (const child of m.manifests) {
      if (!store.has(child.digest)) {
        children.push(child);
        continue;
      }
      const pushed = await pushTree(client, store, repo, child, opts, depth + 1);
      await client.putManifest(repo, pushed.digest, store.readBytes(pushed.digest), pushed.mediaType);
      children.push(pushed === child ? child : { ...child, mediaType: pushed.mediaType, digest: pushed.digest, size: pushed.size });
    }
    return children.every((c, i) => c === m.manifests[i]) ? desc : rewrite(store, desc, bytes, "manifests", children);
  }
  const blobs = [m.config, ...m.layers];
  const pushed = await mapLimit(blobs, opts.concurrency ?? 5, async (b, i, signal) => {
    const sub = i > 0 ? opts.substitute?.(b) : undefined;
    const gzipType = GZIP_TYPE[b.mediaType] ?? (b.mediaType.startsWith("application/vnd.docker.") ? MEDIA.dockerLayerGzip : MEDIA.ociLayerGzip);
    const blob: Descriptor = sub ? { ...b, mediaType: gzipType, digest: sub.digest, size: sub.size } : i > 0 && b.mediaType in GZIP_TYPE ? await compressedLayer(store, b, signal) : b;
    const onProgress = blob === b || !opts.onProgress ? opts.onProgress : (p: Parameters<OnPushProgress>[0]) => opts.onProgress!({ ...p, digest: b.digest });
    const mountFrom = typeof opts.mountFrom === "function" ? opts.mountFrom(blob, b) : opts.mountFrom;
    await client.pushBlob(repo, blob, Bun.file(store.blobPath(blob.digest)), { mountFrom, chunkSize: opts.chunkSize, onProgress, signal });
    return blob;
  });
  const layers = pushed.slice(1);
  return layers.every((l, i) => l === m.layers[i]) ? desc : rewrite(store, desc, bytes, "layers", layers);
}

/**
 * The gzip blob `layer` (uncompressed, in the store) is pushed as: compressed into the store
 * (streamed, the work on zlib's threads), or, when its bytes are compressed already, itself
 * under the media type they call for.
 */
async function compressedLayer(store: Blobs, layer: Descriptor, signal: AbortSignal): Promise<Descriptor> {
  const head = await readHead(store.file(layer.digest).file, 4);
  const sniffed = SNIFFED.find(([magic]) => magic.every((b, i) => head[i] === b));
  if (sniffed) return { ...layer, mediaType: sniffed[1] ? GZIP_TYPE[layer.mediaType]! : MEDIA.ociLayerZstd };
  signal.throwIfAborted();
  const gzip = pipeline(store.open(layer.digest), createGzip(), () => {});
  const stop = () => gzip.destroy(signal.reason as Error);
  signal.addEventListener("abort", stop, { once: true });
  try {
    const info = await store.add(gzip);
    return { ...layer, mediaType: GZIP_TYPE[layer.mediaType]!, digest: info.digest, size: info.size };
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  return new Uint8Array(await Bun.file(path).slice(0, n).arrayBuffer());
}

/** Stores `original` with its `layers` (or `manifests`) replaced; the rest of the document is kept as it was. */
async function rewrite(store: Blobs, original: Descriptor, bytes: Uint8Array, field: "layers" | "manifests", list: Descriptor[]): Promise<Descriptor> {
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  doc[field] = list;
  const info = await store.add(Buffer.from(JSON.stringify(doc)));
  return { ...original, digest: info.digest, size: info.size };
}
