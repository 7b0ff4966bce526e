// docker import: a rootfs tarball (uncompressed, gzip or zstd) becomes a one-layer image. The
// input is read once: decompressed, hashed for the diffID and recompressed with gzip into a staging
// file of the content store; the layer is then unpacked from that file into its snapshot, and only
// then are the layer, config and manifest stored and the image recorded (with repo:tag when given).
//
// Contract: what the request says (changes, reference, platform) is checked before the input is
// read; a failed import stores nothing (an empty input, a corrupt one, a bad change).
import { pipeline, Readable, type Duplex } from "node:stream";
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

/** The input's bytes, decompressed when its first bytes say gzip or zstd; `what` names the operation in errors. */
export async function* decompressed(input: AsyncIterable<Uint8Array>, what: { action: string; code: string } = { action: "import rootfs", code: "ENGINE_IMPORT_INVALID" }): AsyncGenerator<Uint8Array> {
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = first.value as Uint8Array;
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const zst = head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd;
  let inputError: unknown;
  const rest = (async function* () {
    yield head;
    for (;;) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await it.next();
      } catch (e) {
        inputError = e; // the input's own failure (not one thrown in at the yield by a failing consumer)
        throw e;
      }
      if (r.done) return;
      yield r.value;
    }
  })();
  if (!gz && !zst) return yield* rest;
  const z = gz ? createGunzip() : createZstdDecompress();
  try {
    // pipeline, not pipe(): an error on either side reaches this loop (pipe() leaves it unhandled)
    for await (const c of chain(Readable.from(rest), z)) yield c as Uint8Array;
  } catch (e) {
    if (inputError !== undefined) throw inputError; // the input's own failure, not a compression error
    throw invalid("engine", what.code, `${what.action}: decompress the input: ${(e as Error).message}`, "give a tar archive, optionally gzip or zstd compressed");
  }
}

/** `from` piped into `to`, an error of either destroying both: iterate `to`, it throws. */
export function chain<T extends Duplex>(from: Readable, to: T): T {
  pipeline(from, to, () => {}); // the error reaches whoever reads `to`
  return to;
}

export async function importRootfs(s: ImageStore, input: AsyncIterable<Uint8Array>, o: ImportOptions): Promise<string> {
  // The request first: nothing is read or written for a bad one.
  const changed = applyChanges({}, o.changes ?? []);
  const platform = o.platform ? parsePlatform(o.platform) : hostPlatform();
  let tag: string | undefined;
  if (o.repo) {
    const ref = parseReference(o.tag ? `${o.repo}:${o.tag}` : o.repo);
    if (ref.digest) throw invalid("engine", "ENGINE_TAG_INVALID", `import as ${JSON.stringify(o.repo)}: a tag cannot name a digest`);
    tag = formatReference(ref);
  }
  const diff = new Digester();
  const hashed = (async function* () {
    for await (const c of decompressed(input)) {
      diff.update(c);
      yield c;
    }
  })();
  const layer = await s.content.stage(chain(Readable.from(hashed), createGzip()) as AsyncIterable<Uint8Array>);
  /** Whether this import stored anything (its snapshot, a blob) that a failure would leave unreferenced. */
  let built = false;
  try {
    if (diff.size === 0) throw invalid("engine", "ENGINE_IMPORT_INVALID", "import rootfs: unexpected EOF: the input is empty", "give a tar archive of the root filesystem");
    const diffId = diff.digest();
    const desc = { mediaType: MEDIA.dockerLayerGzip, digest: layer.digest, size: layer.size };
    const snap = await s.builder.ensure({ chainId: diffId, parents: [], diffId, desc }, () => {
      built = true;
      return { file: layer.path };
    });
    const created = new Date().toISOString();
    const config = {
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      os: platform.os,
      created,
      ...(o.message ? { comment: o.message } : {}),
      config: changed,
      rootfs: { type: "layers", diff_ids: [diffId] },
      history: [{ created, created_by: "", comment: o.message || "Imported from -" }],
    };
    built = true; // from here, a failure may leave blobs no image references
    await s.content.commitStaged(layer);
    const cfg = await s.content.add(Buffer.from(JSON.stringify(config)));
    const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: { mediaType: MEDIA.dockerConfig, digest: cfg.digest, size: cfg.size }, layers: [desc] }));
    const manifest = await s.content.add(manifestBytes);
    s.commitImage(
      { id: cfg.digest, manifestDigest: manifest.digest, manifestMediaType: MEDIA.dockerManifest, platform: formatPlatform(platform), created, size: snap.size, chainIds: [diffId], blobs: [manifest.digest, cfg.digest, layer.digest], lastTagTime: created },
      { tag },
    );
    return cfg.digest;
  } catch (e) {
    // what was stored before the failure is no image's: a GC takes it, once nothing is in flight
    if (built) {
      try {
        s.gc();
      } catch {
        // the import's own error is the one to report
      }
    }
    throw e;
  } finally {
    s.content.discardStaged(layer);
  }
}
