// Pull: resolve the reference (the host's platform by default), fetch the config, then for each
// layer, in parallel (bounded): nothing when its snapshot exists ("Already exists"); else the blob
// is streamed once from the registry into the content store AND through unpackLayer into a
// temporary snapshot (a tee), both verifying it; the snapshot is then committed.
//
// A layer can only unpack over its committed parent (hardlinks and whiteouts refer to the lowers):
// when the parent is not committed yet as the download starts, or a partial download is being
// resumed, the blob goes to the store only and is unpacked from there once the parent is ready.
// Manifest and config blobs are stored after the layers, the image recorded in the database last:
// a failed pull leaves no image (committed snapshots and blobs stay for the next attempt or GC).
import { isSkiffError } from "../../common/errors.ts";
import { errnoOf } from "../../common/errno.ts";
import type { Descriptor } from "../../oci/image/descriptor.ts";
import { formatPlatform, parsePlatform } from "../../oci/image/platform.ts";
import type { ImageReference } from "../../oci/image/reference.ts";
import { mapLimit } from "../registry/map-limit.ts";
import { resolveImage } from "../registry/pull-image.ts";
import type { RegistryClient } from "../registry/registry-client.ts";
import { ByteChannel } from "./byte-channel.ts";
import type { ContentStore } from "./content-store.ts";
import type { ImageRecord } from "./metadata.ts";
import type { ProgressEvent } from "./service.ts";
import type { SnapshotBuilder } from "./snapshot-builder.ts";
import { chainIds } from "./snapshots.ts";

export interface PullContext {
  store: ContentStore;
  builder: SnapshotBuilder;
}

export interface PullRequest {
  client: RegistryClient;
  ref: ImageReference;
  platform?: string;
  concurrency?: number;
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
}

/** Docker's short layer id: 12 hex digits. */
export const shortId = (digest: string): string => digest.replace(/^[a-z0-9]+:/, "").slice(0, 12);

/** Pulls everything the image needs; returns the record to store (the caller records it and the references). */
export async function pullLayers(ctx: PullContext, req: PullRequest): Promise<{ record: ImageRecord; rootDigest: string }> {
  const { client, ref } = req;
  const say = req.onProgress ?? (() => {});
  const platform = req.platform ? parsePlatform(req.platform) : undefined;
  const image = await resolveImage(client, ref, { platform });
  const layers = image.manifest.manifest.layers;
  const diffIds = image.config.config.rootfs.diffIds;
  const chains = chainIds(diffIds);
  const ready = layers.map(() => defer());
  const committed = layers.map(() => false);
  const sizes: number[] = [];
  for (const l of layers) if (!ctx.builder.existing(chains[layers.indexOf(l)]!)) say({ id: shortId(l.digest), status: "Pulling fs layer" });
  await mapLimit(layers, req.concurrency ?? 3, async (desc, i, signal) => {
    const id = shortId(desc.digest);
    const layer = { chainId: chains[i]!, parents: chains.slice(0, i), diffId: diffIds[i]!, desc };
    try {
      const present = ctx.builder.existing(layer.chainId);
      if (present) {
        // The blob is still wanted for push and save.
        if (!ctx.store.has(desc.digest)) await client.pullBlob(ctx.store, ref.path, desc, { signal });
        say({ id, status: "Already exists" });
        sizes[i] = present.size;
      } else {
        const downloading = (done: number) => say({ id, status: "Downloading", current: done, total: desc.size });
        const oneFlow = (i === 0 || committed[i - 1]) && !ctx.store.has(desc.digest) && ctx.store.partialSize(desc.digest) === 0 && !ctx.builder.isBuilding(layer.chainId);
        if (oneFlow) {
          const ch = new ByteChannel();
          const built = ctx.builder.ensure(layer, () => ch);
          const stored = ctx.store
            .ingest(desc, (offset) => ch.tap(client.blobStream(ref.path, desc, { offset, signal })), { onProgress: downloading })
            .then(() => {
              say({ id, status: "Verifying Checksum" });
              say({ id, status: "Download complete" });
              say({ id, status: "Extracting", current: desc.size, total: desc.size });
            });
          const [rec] = await settleBoth(built, stored);
          sizes[i] = rec.size;
        } else {
          await client.pullBlob(ctx.store, ref.path, desc, { signal, onProgress: (p) => p.status === "downloading" && downloading(p.done) });
          say({ id, status: "Verifying Checksum" });
          say({ id, status: "Download complete" });
          if (i > 0) await ready[i - 1]!.promise;
          say({ id, status: "Extracting", current: desc.size, total: desc.size });
          const rec = await ctx.builder.ensure(layer, () => ctx.store.open(desc.digest));
          sizes[i] = rec.size;
        }
        say({ id, status: "Pull complete" });
      }
      committed[i] = true;
      ready[i]!.resolve();
    } catch (e) {
      // A full disk leaves a partial blob that only holds space: drop it.
      if (isSkiffError(e) && (e.details.errno === "ENOSPC" || errnoOf(e.cause) === "ENOSPC")) ctx.store.abort(desc.digest);
      for (let j = i; j < ready.length; j++) ready[j]!.reject(e);
      throw e;
    }
  });
  const documents: { descriptor: Descriptor; bytes: Uint8Array }[] = [{ descriptor: image.config.descriptor, bytes: image.config.bytes }, image.manifest];
  if (image.root !== image.manifest) documents.push(image.root);
  for (const d of documents) await ctx.store.ingest(d.descriptor, () => [d.bytes]);
  const cfg = image.config.config;
  const record: ImageRecord = {
    id: image.config.descriptor.digest,
    manifestDigest: image.manifest.descriptor.digest,
    manifestMediaType: image.manifest.descriptor.mediaType,
    indexDigest: image.root !== image.manifest ? image.root.descriptor.digest : undefined,
    platform: formatPlatform({ os: cfg.os, architecture: cfg.architecture, variant: cfg.variant }),
    created: cfg.created ?? new Date(0).toISOString(),
    size: sizes.reduce((a, b) => a + b, 0),
    chainIds: chains,
    blobs: [...documents.map((d) => d.descriptor.digest), ...layers.map((l) => l.digest)],
    lastTagTime: new Date().toISOString(),
  };
  say({ status: `Digest: ${image.root.descriptor.digest}` });
  return { record, rootDigest: image.root.descriptor.digest };
}

/** Waits for both; the first failure wins, but only after both settled (no write left running). */
async function settleBoth<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  // The unpacker's error is the more precise one (digest, diffID, unsafe path, ENOSPC while writing).
  if (ra.status === "rejected") throw ra.reason;
  if (rb.status === "rejected") throw rb.reason;
  return [ra.value, rb.value];
}

function defer() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

