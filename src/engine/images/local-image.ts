// An image made on this host (tag, import, commit) rather than pulled: the tag it is given, and
// how it is stored as docker stores one: its config and a Docker schema-2 manifest in the content
// store, its record and tag in the database in one transaction.
import { invalid } from "../../common/errors.ts";
import { MEDIA } from "../../oci/image/media-types.ts";
import { formatReference, parseReference } from "../../oci/image/reference.ts";
import type { ContentStore } from "../content/index.ts";
import type { ImageRecord } from "./image-metadata.ts";

/** The tag (repository[:tag], normalized) that an API call's `repo` and `tag` name; `action` names
 *  the call in the error ("commit", "import", "tag image"). A digest is no tag. */
export function tagOf(action: string, repo: string, tag?: string): string {
  const ref = parseReference(tag ? `${repo}:${tag}` : repo);
  if (ref.digest) throw invalid("engine", "ENGINE_TAG_INVALID", `${action} as ${JSON.stringify(repo)}: a tag cannot name a digest`, "give repository[:tag]");
  return formatReference(ref);
}

export interface LocalImage {
  /** The image config, as it will be stored (its digest is the image's id). */
  config: object;
  /** The layers' descriptors, bottom first; their blobs are in the content store already. */
  layers: { mediaType: string; digest: string; size: number }[];
  platform: string;
  created: string;
  /** Sum of the layers' unpacked sizes. */
  size: number;
  chainIds: string[];
  tag?: string;
}

/** What storing a local image needs of the image store (import's and commit's contexts have it). */
export interface LocalImageStore {
  content: ContentStore;
  /** Records the image and its tag in one transaction. */
  commitImage(record: ImageRecord, refs: { tag?: string }): void;
}

/** Stores the config and manifest and records the image (and its tag); returns its id. */
export async function storeLocalImage(s: LocalImageStore, image: LocalImage): Promise<string> {
  const cfg = await s.content.add(Buffer.from(JSON.stringify(image.config)));
  const manifest = await s.content.add(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: { mediaType: MEDIA.dockerConfig, digest: cfg.digest, size: cfg.size }, layers: image.layers })));
  const blobs = [...new Set([manifest.digest, cfg.digest, ...image.layers.map((l) => l.digest)])];
  const { platform, created, size, chainIds, tag } = image;
  s.commitImage({ id: cfg.digest, manifestDigest: manifest.digest, manifestMediaType: MEDIA.dockerManifest, platform, created, size, chainIds, blobs, lastTagTime: created }, { tag });
  return cfg.digest;
}
