// docker commit: a container's changes (its upper dir as an OCI layer tar, made by the container
// engine) become a new image over the container's image: one more layer (uncompressed in the
// content store, as dockerd keeps it until a push compresses it; unpacked into its snapshot), a config with the parent's history and diff_ids plus this
// layer's, and a Docker schema-2 manifest, so that the image runs, tags, saves and pushes as any.
//
// As dockerd: the config is the container's (with the request's fields over it), then the changes
// (-c) applied as a Dockerfile's instructions; the history entry's created_by is the container's
// command, its author and comment the request's; a commit that changed nothing adds an empty
// layer to the history (empty_layer) and no layer to rootfs. A failed commit stores nothing an
// image refers to (a GC takes what it staged).
import { invalid } from "../../common/errors.ts";
import { mark } from "../../common/trace.ts";
import { MEDIA } from "../../oci/image/media-types.ts";
import { ByteChannel } from "../archive/index.ts";
import { chainIds as chainOf } from "../snapshots/index.ts";
import type { ImportContext } from "./image-import.ts";
import type { ImageRecord } from "./image-metadata.ts";
import { applyChanges, type DockerConfigObject } from "./import-changes.ts";
import { storeLocalImage, tagOf } from "./local-image.ts";

export interface CommitRequest {
  /** The container's image (its id). */
  parent: string;
  /** The container's upper dir as a layer tar (uncompressed). */
  layer: AsyncIterable<Uint8Array>;
  /** The container's config (docker's Config), the base of the new image's. */
  config: DockerConfigObject;
  /** The container's id and command, for the history. */
  container: string;
  createdBy: string;
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  changes?: string[];
}

export interface CommitContext extends ImportContext {
  record(id: string): ImageRecord;
  configBytes(id: string): Buffer;
  manifestBytes(record: ImageRecord): Buffer;
}

export async function commitContainer(s: CommitContext, o: CommitRequest): Promise<string> {
  // the request first: nothing is read or written for a bad one
  const config = applyChanges(o.config, o.changes ?? []);
  const tag = o.repo ? tagOf("commit", o.repo, o.tag) : undefined;
  if (!o.repo && o.tag) throw invalid("engine", "ENGINE_TAG_INVALID", `commit with tag ${JSON.stringify(o.tag)} but no repository`, "give repository:tag (skiff commit CONTAINER repo:tag)");
  const parent = s.record(o.parent);
  const parentConfig = JSON.parse(s.configBytes(parent.id).toString("utf8")) as { architecture: string; os: string; variant?: string; rootfs: { diff_ids: string[] }; history?: unknown[] };
  const parentManifest = JSON.parse(s.manifestBytes(parent).toString("utf8")) as { layers: { mediaType: string; digest: string; size: number }[] };

  // The layer streams once: into the content store (uncompressed, as dockerd stores a commit's
  // diff and load a docker-archive's; push compresses it with gzip) and, through a channel, into
  // its snapshot, unpacked meanwhile on an unpack worker, so the two run side by side.
  const top = parent.chainIds.at(-1);
  const chainFor = (diffId: string) => (top ? chainOf([top, diffId])[1]! : diffId);
  const channel = new ByteChannel();
  const teed = (async function* () {
    try {
      for await (const c of o.layer) {
        await channel.push(c);
        yield c;
      }
      channel.end();
    } catch (e) {
      channel.fail(e);
      throw e;
    }
  })();
  // from here, a failure may leave a snapshot or blobs no image references: a GC takes them
  const collect = () => {
    try {
      s.gc();
    } catch {
      // the commit's own error is the one to report
    }
  };
  const unpacked = s.builder.buildStreamed(parent.chainIds, channel, chainFor);
  unpacked.catch(() => undefined); // awaited below; a failed stage is the error to report
  mark("image: commit's layer streaming");
  const layer = await s.content.stage(teed).catch(async (e: unknown) => {
    await unpacked.catch(() => undefined);
    collect();
    throw e;
  });
  try {
    mark("image: commit's layer stored");
    const snap = await unpacked;
    mark("image: commit's layer unpacked");
    if (snap.diffId !== layer.digest) throw new Error(`commit: the layer unpacked as ${snap.diffId} but was stored as ${layer.digest}`);
    // an empty diff is the tar's end marker alone (two zero blocks): a history entry, no layer
    const empty = layer.size <= 1024;
    const diffId = layer.digest;
    const desc = { mediaType: MEDIA.dockerLayer, digest: layer.digest, size: layer.size };
    const allChains = empty ? parent.chainIds : [...parent.chainIds, snap.chainId];
    const size = parent.size + (empty ? 0 : snap.size);
    const created = new Date().toISOString();
    const imageConfig = {
      architecture: parentConfig.architecture,
      ...(parentConfig.variant ? { variant: parentConfig.variant } : {}),
      os: parentConfig.os,
      created,
      ...(o.author ? { author: o.author } : {}),
      ...(o.comment ? { comment: o.comment } : {}),
      container: o.container,
      config,
      rootfs: { type: "layers", diff_ids: empty ? parentConfig.rootfs.diff_ids : [...parentConfig.rootfs.diff_ids, diffId] },
      history: [
        ...(parentConfig.history ?? []),
        { created, created_by: o.createdBy, ...(o.author ? { author: o.author } : {}), ...(o.comment ? { comment: o.comment } : {}), ...(empty ? { empty_layer: true } : {}) },
      ],
    };
    const layers = empty ? parentManifest.layers : [...parentManifest.layers, desc];
    if (!empty) await s.content.commitStaged(layer);
    return await storeLocalImage(s, { config: imageConfig, layers, platform: parent.platform, created, size, chainIds: allChains, tag });
  } catch (e) {
    collect();
    throw e;
  } finally {
    s.content.discardStaged(layer);
  }
}
