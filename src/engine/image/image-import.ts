// docker import: a rootfs tarball (uncompressed, gzip or zstd) becomes a one-layer image. The
// input is read once: decompressed, hashed for the diffID and recompressed with gzip into the
// content store; the layer is then unpacked from the store into its snapshot, the config and
// manifest stored, and the image recorded last (with repo:tag when given).
import { Readable } from "node:stream";
import { createGunzip, createGzip, createZstdDecompress } from "node:zlib";
import { invalid } from "../../common/errors.ts";
import { Digester } from "../../oci/image/digest.ts";
import { MEDIA } from "../../oci/image/media-types.ts";
import { formatPlatform, hostPlatform, parsePlatform } from "../../oci/image/platform.ts";
import { formatReference, parseReference } from "../../oci/image/reference.ts";
import type { ImageStore } from "./image-service.ts";
import { applyChanges } from "./import-changes.ts";

export interface ImportOptions {
  repo?: string;
  tag?: string;
  message?: string;
  changes?: string[];
  platform?: string;
}

/** The input's bytes, decompressed when its first bytes say gzip or zstd. */
export async function* decompressed(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = first.value as Uint8Array;
  const rest = (async function* () {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Uint8Array;
  })();
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const zst = head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd;
  if (!gz && !zst) return yield* rest;
  const z = gz ? createGunzip() : createZstdDecompress();
  try {
    for await (const c of Readable.from(rest).pipe(z)) yield c as Uint8Array;
  } catch (e) {
    throw invalid("engine", "ENGINE_IMPORT_INVALID", `import rootfs: decompress the input: ${(e as Error).message}`, "give a tar archive, optionally gzip or zstd compressed");
  }
}

export async function importRootfs(s: ImageStore, input: AsyncIterable<Uint8Array>, o: ImportOptions): Promise<string> {
  const diff = new Digester();
  const hashed = (async function* () {
    for await (const c of decompressed(input)) {
      diff.update(c);
      yield c;
    }
  })();
  const layer = await s.content.add(Readable.from(hashed).pipe(createGzip()) as AsyncIterable<Uint8Array>);
  if (diff.size === 0) throw invalid("engine", "ENGINE_IMPORT_INVALID", "import rootfs: the input is empty", "give a tar archive of the root filesystem");
  const diffId = diff.digest();
  const desc = { mediaType: MEDIA.dockerLayerGzip, digest: layer.digest, size: layer.size };
  const snap = await s.builder.ensure({ chainId: diffId, parents: [], diffId, desc }, () => s.content.file(layer.digest));
  const platform = o.platform ? parsePlatform(o.platform) : hostPlatform();
  const created = new Date().toISOString();
  const config = {
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    os: platform.os,
    created,
    ...(o.message ? { comment: o.message } : {}),
    config: applyChanges({}, o.changes ?? []),
    rootfs: { type: "layers", diff_ids: [diffId] },
    history: [{ created, created_by: "", comment: o.message || "Imported from -" }],
  };
  const cfg = await s.content.add(Buffer.from(JSON.stringify(config)));
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: { mediaType: MEDIA.dockerConfig, digest: cfg.digest, size: cfg.size }, layers: [desc] }));
  const manifest = await s.content.add(manifestBytes);
  let tag: string | undefined;
  if (o.repo) {
    const ref = parseReference(o.tag ? `${o.repo}:${o.tag}` : o.repo);
    if (ref.digest) throw invalid("engine", "ENGINE_TAG_INVALID", `import as ${JSON.stringify(o.repo)}: a tag cannot name a digest`);
    tag = formatReference(ref);
  }
  s.commitImage(
    { id: cfg.digest, manifestDigest: manifest.digest, manifestMediaType: MEDIA.dockerManifest, platform: formatPlatform(platform), created, size: snap.size, chainIds: [diffId], blobs: [manifest.digest, cfg.digest, layer.digest], lastTagTime: created },
    { tag },
  );
  return cfg.digest;
}
