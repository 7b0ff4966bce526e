// Pulls an image into the content store: the reference resolved to a manifest (the platform's
// one when it names an index), the config fetched and checked against the layers, the layers
// downloaded in parallel (bounded) through the store's verified, resumable ingest, and the
// documents stored last, so a failed pull never leaves a manifest whose blobs are missing.
import { invalid, notFound } from "../../common/errors.ts";
import type { Descriptor } from "../../oci/image/descriptor.ts";
import { checkLayersMatchConfig, parseImageConfig, type ImageConfig } from "../../oci/image/image-config.ts";
import type { ImageManifest } from "../../oci/image/manifest.ts";
import { compatiblePlatforms, formatPlatform, samePlatform, type Platform } from "../../oci/image/platform.ts";
import { formatReference, type ImageReference } from "../../oci/image/reference.ts";
import { selectManifest } from "../../oci/image/select-manifest.ts";
import type { Ingester } from "../content/index.ts";
import type { FetchedManifest } from "./manifests.ts";
import { mapLimit } from "./map-limit.ts";
import type { OnProgress } from "./progress.ts";
import type { RegistryClient } from "./registry-client.ts";

export interface ResolvedImage {
  reference: ImageReference;
  /** What the reference names: an index, or the image manifest itself. */
  root: FetchedManifest;
  /** The image manifest for the platform (the same as root when that is a manifest). */
  manifest: FetchedManifest & { manifest: ImageManifest };
  config: { descriptor: Descriptor; bytes: Uint8Array; config: ImageConfig };
}

export interface ResolveOptions {
  /** Default: the host's. */
  platform?: Platform;
}

/** Nested indexes are allowed by the spec; more than this many levels is a loop or an attack. */
const MAX_DEPTH = 3;

export async function resolveImage(client: RegistryClient, ref: ImageReference, opts: ResolveOptions = {}): Promise<ResolvedImage> {
  if (ref.domain !== client.domain) throw new Error(`resolveImage: ${ref.domain} is not the client's registry ${client.domain}`);
  const name = formatReference(ref);
  const reference = ref.digest ?? ref.tag;
  if (!reference) throw invalid("image", "IMAGE_REFERENCE_INVALID", `resolve ${JSON.stringify(name)}: neither a tag nor a digest`, "add :tag or @digest");
  const root = await client.getManifest(ref.path, reference);
  let current = root;
  for (let depth = 0; current.manifest.kind === "index"; depth++) {
    if (depth >= MAX_DEPTH) throw invalid("image", "IMAGE_MANIFEST_INVALID", `resolve ${JSON.stringify(name)}: indexes nested more than ${MAX_DEPTH} deep`);
    const chosen = selectManifest(current.manifest, { platform: opts.platform, name });
    current = await client.getManifest(ref.path, chosen.digest, chosen);
  }
  const manifest = current as FetchedManifest & { manifest: ImageManifest };
  const configDesc = manifest.manifest.config;
  const bytes = await client.fetchBlobBytes(ref.path, configDesc);
  const config = parseImageConfig(bytes, `image config of ${name}`);
  checkLayersMatchConfig(manifest.manifest, config, name);
  // A platform asked for and a single-platform image: it must be that platform (as docker's --platform).
  if (opts.platform && root === manifest) {
    const actual = { os: config.os, architecture: config.architecture, variant: config.variant };
    if (!compatiblePlatforms(opts.platform).some((p) => samePlatform(actual, p)))
      throw notFound("image", "IMAGE_PLATFORM_MISMATCH", `image with reference ${name} was found but does not match the specified platform: wanted ${formatPlatform(opts.platform)}, actual: ${formatPlatform(actual)}`, `the image is built for ${formatPlatform(actual)} only`, { platform: formatPlatform(opts.platform), offered: [formatPlatform(actual)] });
  }
  return { reference: ref, root, manifest, config: { descriptor: configDesc, bytes, config } };
}

export interface PullImageOptions extends ResolveOptions {
  /** Layers downloaded at once; docker's default max-concurrent-downloads is 3. */
  concurrency?: number;
  onProgress?: OnProgress;
}

/** Resolves and stores every blob of the image; layers already in the store are not downloaded. */
export async function pullImage(client: RegistryClient, store: Ingester, ref: ImageReference, opts: PullImageOptions = {}): Promise<ResolvedImage> {
  const image = await resolveImage(client, ref, opts);
  const layers = image.manifest.manifest.layers;
  for (const l of layers) if (!store.info(l.digest)) opts.onProgress?.({ digest: l.digest, status: "waiting", done: 0, total: l.size });
  await mapLimit(layers, opts.concurrency ?? 3, (l, _i, signal) => client.pullBlob(store, ref.path, l, { onProgress: opts.onProgress, signal }));
  const documents: { descriptor: Descriptor; bytes: Uint8Array }[] = [{ descriptor: image.config.descriptor, bytes: image.config.bytes }, image.manifest];
  if (image.root !== image.manifest) documents.push(image.root);
  for (const d of documents) await store.ingest(d.descriptor, () => [d.bytes]);
  return image;
}
