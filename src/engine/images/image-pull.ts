// Pull: resolve the reference (the host's platform by default), fetch the config, then for each
// layer, in parallel (bounded): nothing when its snapshot exists ("Already exists"); else the blob
// is streamed once from the registry into the content store AND through the unpacker into a
// temporary snapshot (a tee), both verifying it. A resumed partial download goes to the store
// first and unpacks from there.
//
// Layers unpack at once, whatever their order (on the unpack pool's threads): a layer is written
// and verified without its parents, then waits for its parent's commit to merge with the lowers
// (see apply-layer.ts) and commit. Manifest and config blobs are stored after the layers, the
// image recorded in the database last: a failed pull leaves no image (committed snapshots and
// blobs stay for the next attempt or GC).
import { isSkiffError } from "../../common/errors.ts";
import { errnoOf } from "../../common/errno.ts";
import type { Descriptor } from "../../oci/image/descriptor.ts";
import { formatPlatform, parsePlatform } from "../../oci/image/platform.ts";
import type { ImageReference } from "../../oci/image/reference.ts";
import { mapLimit, resolveImage, type RegistryClient } from "../registry/index.ts";
import { ByteChannel } from "../archive/index.ts";
import type { ContentStore } from "../content/index.ts";
import type { ProgressEvent } from "./service.ts";
import type { ImageRecord } from "./image-metadata.ts";
import { chainIds, type SnapshotBuilder, type SnapshotRecord } from "../snapshots/index.ts";

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
  /** Called once the registry answered with the image's manifest and config, before any layer. */
  onResolved?: () => void;
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
  req.signal?.throwIfAborted();
  req.onResolved?.();
  const layers = image.manifest.manifest.layers;
  const diffIds = image.config.config.rootfs.diffIds;
  const chains = chainIds(diffIds);
  const ready = layers.map(() => defer());
  const commits: Promise<void>[] = [];
  const sizes: number[] = [];
  for (const [i, l] of layers.entries()) if (!ctx.builder.existing(chains[i]!)) say({ id: shortId(l.digest), status: "Pulling fs layer" });
  // A layer is committed once it is unpacked and its parent is committed; a failure fails the
  // layers above it and stops the downloads.
  const stop = new AbortController();
  const track = (i: number, built: Promise<SnapshotRecord>, id: string) => {
    commits[i] = built.then(
      (rec) => {
        sizes[i] = rec.size;
        say({ id, status: "Pull complete" });
        ready[i]!.resolve();
      },
      (e) => {
        // A full disk leaves a partial blob that only holds space: drop it.
        if (diskFull(e)) ctx.store.abort(layers[i]!.digest);
        for (let j = i; j < ready.length; j++) ready[j]!.reject(e);
        if (!stop.signal.aborted) stop.abort(e);
        throw e;
      },
    );
    commits[i].catch(() => undefined); // reported after every download settled
  };
  let downloadError: unknown;
  try {
    // The bound is on downloads: a layer leaves its slot once its blob is in, and unpacks on.
    await mapLimit(layers, req.concurrency ?? 3, async (desc, i, failed) => {
      // downloads stop on the first failure and when the request's signal aborts (its client went away)
      const signal = AbortSignal.any([failed, stop.signal, ...(req.signal ? [req.signal] : [])]);
      const id = shortId(desc.digest);
      const layer = { chainId: chains[i]!, parents: chains.slice(0, i), diffId: diffIds[i]!, desc };
      const parentsReady = i > 0 ? ready[i - 1]!.promise : undefined;
      const present = ctx.builder.existing(layer.chainId);
      if (present) {
        // The blob is still wanted for push and save.
        if (!ctx.store.has(desc.digest)) await client.pullBlob(ctx.store, ref.path, desc, { signal });
        say({ id, status: "Already exists" });
        sizes[i] = present.size;
        commits[i] = (i > 0 ? ready[i - 1]!.promise : Promise.resolve()).then(() => ready[i]!.resolve());
        commits[i].catch(() => undefined);
        return;
      }
      const downloading = (done: number) => say({ id, status: "Downloading", current: done, total: desc.size });
      const downloaded = () => {
        say({ id, status: "Verifying Checksum" });
        say({ id, status: "Download complete" });
        say({ id, status: "Extracting", current: desc.size, total: desc.size });
      };
      const oneFlow = !ctx.store.has(desc.digest) && ctx.store.partialSize(desc.digest) === 0 && !ctx.builder.isBuilding(layer.chainId);
      if (oneFlow) {
        const ch = new ByteChannel();
        const built = ctx.builder.ensure(layer, () => ch, parentsReady);
        // docker's words while a cut download waits to reconnect
        const onRetry = (_e: unknown, _done: number, ms: number) => say({ id, status: retryingIn(ms) });
        const stored = ctx.store.ingest(desc, (offset) => ch.tap(client.blobStream(ref.path, desc, { offset, signal, onRetry })), { onProgress: downloading }).then(downloaded);
        track(i, settleBoth(built, stored).then(([rec]) => rec), id);
        await stored.catch(() => undefined); // its failure is the commit's
      } else {
        await client.pullBlob(ctx.store, ref.path, desc, { signal, onProgress: (p) => p.status === "downloading" && downloading(p.done) });
        downloaded();
        track(i, ctx.builder.ensure(layer, () => ({ file: ctx.store.blobPath(desc.digest) }), parentsReady), id);
      }
    });
  } catch (e) {
    downloadError = e;
    for (const r of ready) r.reject(e);
  }
  const settled = await Promise.allSettled(commits);
  if (stop.signal.aborted) throw stop.signal.reason; // the root cause, not the downloads it stopped
  if (downloadError) throw downloadError;
  for (const r of settled) if (r.status === "rejected") throw r.reason;
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

const diskFull = (e: unknown): boolean => isSkiffError(e) && (e.details.errno === "ENOSPC" || errnoOf(e.cause) === "ENOSPC");

/** Waits for both; the first failure wins, but only after both settled (no write left running). */
async function settleBoth<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  // A full disk first (the other side then only saw a short stream); else the unpacker's error is
  // the more precise one (digest, diffID, unsafe path).
  for (const r of [ra, rb]) if (r.status === "rejected" && diskFull(r.reason)) throw r.reason;
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

/** docker's words while a transfer waits for its next try: "Retrying in 5 seconds". */
export function retryingIn(ms: number): string {
  const secs = Math.max(1, Math.round(ms / 1000));
  return `Retrying in ${secs} second${secs > 1 ? "s" : ""}`;
}
