// Pushes an image from the content store: blobs first (in parallel, bounded; each skipped when the
// registry has it, mounted when another repository of the registry has it), then the manifests,
// children of an index before the index, so the registry never holds a manifest whose blobs it lacks.
import type { Descriptor } from "../../oci/image/descriptor.ts";
import type { Digest } from "../../oci/image/digest.ts";
import { parseManifest } from "../../oci/image/manifest.ts";
import type { ContentStore } from "../image/content-store.ts";
import { mapLimit } from "./map-limit.ts";
import type { OnProgress } from "./progress.ts";
import type { RegistryClient } from "./registry-client.ts";

export interface PushImageOptions {
  /** The tag to put the root manifest under; without one it is pushed by digest only. */
  tag?: string;
  /** A repository of the same registry the blobs may be mounted from (where the image came from). */
  mountFrom?: string;
  /** Blobs uploaded at once; docker's default max-concurrent-uploads is 5. */
  concurrency?: number;
  /** PATCH chunk size for large blobs (see pushBlob). */
  chunkSize?: number;
  onProgress?: OnProgress;
}

/**
 * Pushes the manifest or index `root` (in the store) and everything it references that the store
 * holds to `repo`; returns the root's digest. Children of an index missing from the store (other
 * platforms never pulled) are not pushed; a registry that checks indexes then refuses the index.
 */
export async function pushImage(client: RegistryClient, store: ContentStore, repo: string, root: Descriptor, opts: PushImageOptions = {}): Promise<Digest> {
  await pushTree(client, store, repo, root, opts, 0);
  return client.putManifest(repo, opts.tag ?? root.digest, store.readBytes(root.digest), root.mediaType);
}

async function pushTree(client: RegistryClient, store: ContentStore, repo: string, desc: Descriptor, opts: PushImageOptions, depth: number): Promise<void> {
  const m = parseManifest(store.readBytes(desc.digest), desc.mediaType, `manifest ${desc.digest}`);
  if (m.kind === "index") {
    if (depth >= 3) return;
    for (const child of m.manifests) {
      if (!store.has(child.digest)) continue;
      await pushTree(client, store, repo, child, opts, depth + 1);
      await client.putManifest(repo, child.digest, store.readBytes(child.digest), child.mediaType);
    }
    return;
  }
  const blobs = [m.config, ...m.layers];
  await mapLimit(blobs, opts.concurrency ?? 5, (b, _i, signal) =>
    client.pushBlob(repo, b, Bun.file(store.blobPath(b.digest)), { mountFrom: opts.mountFrom, chunkSize: opts.chunkSize, onProgress: opts.onProgress, signal }),
  );
}
