// docker import: a rootfs tarball (uncompressed, gzip, zstd, bzip2 or xz) becomes a one-layer
// image. The input is read once: decompressed, its tar headers checked, hashed for the diffID and
// recompressed with gzip into a staging file of the content store; the layer is then unpacked from
// that file into its snapshot, and only then are the layer, config and manifest stored and the
// image recorded (with repo:tag when given).
//
// Contract: what the request says (changes, reference, platform) is checked before the input is
// read; a failed import stores nothing (an empty input, a corrupt one, a bad change).
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { invalid } from "../../common/errors.ts";
import { Digester } from "../../oci/image/digest.ts";
import { MEDIA } from "../../oci/image/media-types.ts";
import { formatPlatform, hostPlatform, parsePlatform } from "../../oci/image/platform.ts";
import { chain, decompressed, TarParser, type DecompressFor, type TarInput } from "../archive/index.ts";
import type { ContentStore } from "../content/index.ts";
import type { SnapshotBuilder } from "../snapshots/index.ts";
import type { ImageRecord } from "./image-metadata.ts";
import { applyChanges } from "./import-changes.ts";
import { storeLocalImage, tagOf } from "./local-image.ts";

/** What an import needs of the image store (ImageStore passes itself). */
export interface ImportContext {
  content: ContentStore;
  builder: SnapshotBuilder;
  /** Records the image and its tag in one transaction. */
  commitImage(record: ImageRecord, refs: { tag?: string }): void;
  /** Removes what no image references, at once or once nothing is in flight. */
  gc(): void;
}

export interface ImportOptions {
  repo?: string;
  tag?: string;
  message?: string;
  changes?: string[];
  platform?: string;
}

/** The import's input as the tar parser names it in errors. */
export const TARBALL_INPUT: TarInput = {
  what: "tarball",
  code: "IMAGE_TARBALL",
  hints: {
    invalid: "import takes a tar archive of a root filesystem (e.g. tar -C rootfs -c .), plain or compressed: gzip, zstd, bzip2 and xz are recognised",
    truncated: "the tarball is cut short: was it written or copied completely?",
  },
};

const IMPORT: DecompressFor = { action: "import rootfs", code: "ENGINE_IMPORT_INVALID", hint: "give a tar archive of the root filesystem, plain or compressed with gzip, zstd, bzip2 or xz" };

export async function importRootfs(s: ImportContext, input: AsyncIterable<Uint8Array>, o: ImportOptions): Promise<string> {
  // The request first: nothing is read or written for a bad one.
  const changed = applyChanges({}, o.changes ?? []);
  const platform = o.platform ? parsePlatform(o.platform) : hostPlatform();
  const tag = o.repo ? tagOf("import", o.repo, o.tag) : undefined;
  const diff = new Digester();
  // The tar is checked as it streams (its headers only), so a bad one fails here, named as the
  // import's tarball, before anything is unpacked.
  const tar = new TarParser({ entry() {}, data() {}, end() {} }, TARBALL_INPUT);
  const hashed = (async function* () {
    for await (const c of decompressed(input, IMPORT)) {
      diff.update(c);
      if (!tar.done) tar.push(c);
      yield c;
    }
    tar.finish();
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
      // as dockerd: the message, else where the tar came from (a client's upload: "-")
      comment: o.message || "Imported from -",
      config: changed,
      rootfs: { type: "layers", diff_ids: [diffId] },
      history: [{ created, created_by: "", comment: o.message || "Imported from -" }],
    };
    built = true; // from here, a failure may leave blobs no image references
    await s.content.commitStaged(layer);
    return await storeLocalImage(s, { config, layers: [desc], platform: formatPlatform(platform), created, size: snap.size, chainIds: [diffId], tag });
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
