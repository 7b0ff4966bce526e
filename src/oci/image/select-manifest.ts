// Picks the manifest for one platform from an index or manifest list, as docker pull does:
// the host's platform by default, an exact variant before an older compatible one, and the first
// entry in index order among equals.
import { notFound } from "../../common/errors.ts";
import type { Descriptor } from "./descriptor.ts";
import type { ImageIndex } from "./manifest.ts";
import { isIndexType, isManifestType } from "./media-types.ts";
import { compatiblePlatforms, formatPlatform, hostPlatform, samePlatform, type Platform } from "./platform.ts";

export interface SelectOptions {
  /** The platform wanted; default the host's. */
  platform?: Platform;
  /** Named in the error when nothing matches. */
  name?: string;
}

/**
 * Returns the best descriptor for the platform. Entries without a platform (attestations written
 * as "unknown/unknown" or none at all) and of media types other than manifests and indexes are skipped.
 * Throws IMAGE_PLATFORM_NOT_FOUND listing the platforms the index offers.
 */
export function selectManifest(index: ImageIndex, opts: SelectOptions = {}): Descriptor {
  const wanted = opts.platform ?? hostPlatform();
  const usable = index.manifests.filter((d) => d.platform && d.platform.os !== "unknown" && (isManifestType(d.mediaType) || isIndexType(d.mediaType)));
  for (const p of compatiblePlatforms(wanted)) {
    const hit = usable.find((d) => samePlatform(d.platform!, p));
    if (hit) return hit;
  }
  const offered = [...new Set(usable.map((d) => formatPlatform(d.platform!)))];
  throw notFound(
    "image",
    "IMAGE_PLATFORM_NOT_FOUND",
    `select manifest${opts.name ? ` of ${opts.name}` : ""}: no match for platform ${JSON.stringify(formatPlatform(wanted))}`,
    offered.length ? `the image offers ${offered.join(", ")}; choose one with --platform` : "the index lists no runnable platforms",
    { platform: formatPlatform(wanted), offered },
  );
}
