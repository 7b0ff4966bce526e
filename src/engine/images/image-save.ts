// docker save: a docker-archive tar as docker 25+ writes it, which is at once an OCI image layout:
//   blobs/sha256/<hex>  config, uncompressed layer tars (named by diffID) and an OCI manifest
//   index.json, oci-layout                  the OCI layout's entry points
//   manifest.json, repositories             docker-archive's ([{Config, RepoTags, Layers}])
// Layers are written uncompressed, as docker-archive readers expect: a compressed blob is
// decompressed into a temporary file first (a tar header needs the size up front), in a scratch
// directory of the snapshots (snapshots/save-<pid>-<random>).
// Contract: `out` is written with backpressure and ended when the archive is complete. When `out`
// is destroyed (the client went away: the API server destroys the response stream) the save stops
// at its next write with ENGINE_SAVE_ABORTED. The scratch directory is removed on every way out;
// one left by a killed daemon is swept when the store is next opened (Snapshots).
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createZstdDecompress } from "node:zlib";
import { MEDIA } from "../../oci/image/media-types.ts";
import { parseManifest, type ImageManifest } from "../../oci/image/manifest.ts";
import { familiarName, formatReference, parseReference, repositoryOf } from "../../oci/image/reference.ts";
import { ioError, type ContentStore } from "../content/index.ts";
import type { Snapshots } from "../snapshots/index.ts";
import type { ImageMetadata } from "./image-metadata.ts";
import { drained } from "../../common/drained.ts";
import { SkiffError } from "../../common/errors.ts";

/** What a save needs of the image store (ImageStore passes itself). */
export interface SaveContext {
  content: ContentStore;
  /** For its scratch directory. */
  snapshots: Snapshots;
  meta: ImageMetadata;
  /** The image id a name or id names. Throws ENGINE_IMAGE_NOT_FOUND. */
  resolveId(nameOrId: string): string;
}

const enc = new TextEncoder();

/** A ustar header for a regular file (names here are short: blobs/sha256/<64 hex> is 77 bytes). */
function header(name: string, size: number): Uint8Array {
  const h = Buffer.alloc(512);
  const put = (off: number, len: number, s: string) => h.write(s, off, len, "utf8");
  const oct = (off: number, len: number, v: number) => put(off, len, v.toString(8).padStart(len - 1, "0") + "\0");
  put(0, 100, name);
  oct(100, 8, 0o644);
  oct(108, 8, 0);
  oct(116, 8, 0);
  oct(124, 12, size);
  oct(136, 12, 0);
  h.fill(0x20, 148, 156);
  put(156, 1, "0");
  put(257, 6, "ustar\0");
  put(263, 2, "00");
  let sum = 0;
  for (const b of h) sum += b;
  put(148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/** The receiver of the archive is gone: nothing more can be written. */
const aborted = (out: Writable) =>
  new SkiffError({ layer: "engine", code: "ENGINE_SAVE_ABORTED", kind: "unavailable", message: "save images: the receiver of the archive went away", cause: out.errored ?? undefined });

export async function saveImages(s: SaveContext, names: string[], out: Writable): Promise<void> {
  // A destroyed stream takes writes without a word and never drains: check before and after waiting.
  const write = async (b: Uint8Array) => {
    if (out.destroyed || out.errored || out.writableEnded) throw aborted(out);
    if (!out.write(b)) await drained(out).catch(() => undefined); // an 'error' of `out` rejects it: reported below
    if (out.destroyed || out.errored) throw aborted(out);
  };
  const written = new Set<string>();
  const file = async (name: string, data: Uint8Array | string) => {
    const b = typeof data === "string" ? enc.encode(data) : data;
    if (written.has(name)) return;
    written.add(name);
    await write(header(name, b.byteLength));
    await write(b);
    if (b.byteLength % 512) await write(new Uint8Array(512 - (b.byteLength % 512)));
  };
  const tmp = s.snapshots.scratch("save");
  const manifestJson: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const index: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  try {
    for (const [id, tags] of saveTargets(s, names)) {
      const record = s.meta.image(id)!;
      const m = parseManifest(s.content.readBytes(record.manifestDigest), record.manifestMediaType) as ImageManifest;
      const config = s.content.readBytes(id);
      const diffIds = (JSON.parse(config.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
      await file(`blobs/sha256/${hex(id)}`, config);
      const layers: { mediaType: string; digest: string; size: number }[] = [];
      for (const [i, l] of m.layers.entries()) {
        const diffId = diffIds[i]!;
        layers.push({ mediaType: MEDIA.ociLayer, digest: diffId, size: await layerFile(s, l.digest, l.mediaType, diffId, tmp, written, write) });
      }
      const ociManifest = enc.encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, digest: id, size: config.byteLength }, layers }));
      const mdigest = `sha256:${new Bun.CryptoHasher("sha256").update(ociManifest).digest("hex")}`;
      await file(`blobs/sha256/${hex(mdigest)}`, ociManifest);
      manifestJson.push({ Config: `blobs/sha256/${hex(id)}`, RepoTags: tags.map(familiarName), Layers: diffIds.map((d) => `blobs/sha256/${hex(d)}`) });
      if (!tags.length) index.push({ mediaType: MEDIA.ociManifest, digest: mdigest, size: ociManifest.byteLength });
      for (const t of tags) {
        const ref = parseReference(t);
        index.push({ mediaType: MEDIA.ociManifest, digest: mdigest, size: ociManifest.byteLength, annotations: { "io.containerd.image.name": t, "org.opencontainers.image.ref.name": ref.tag ?? "latest" } });
        (repositories[familiarName(repositoryOf(ref))] ??= {})[ref.tag ?? "latest"] = hex(id);
      }
    }
    await file("index.json", JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: index }));
    await file("manifest.json", JSON.stringify(manifestJson));
    await file("oci-layout", JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    await file("repositories", JSON.stringify(repositories));
    await write(new Uint8Array(1024));
    out.end();
  } finally {
    s.snapshots.dropScratch(tmp);
  }
}

const hex = (d: string) => d.replace(/^sha256:/, "");

/**
 * The images `names` name, each once, with the tags (full names) to save it under, as docker's
 * parseNames: NAME:TAG that tag; a repository without a tag or digest every image it has a tag or
 * a digest in, under all its tags there (docker save REPO); NAME@DIGEST the image, no tag; an id
 * (full or short) the image with every tag it has (skiff's choice: dockerd's saves it untagged).
 * Throws for a name that names nothing.
 */
export function saveTargets(s: SaveContext, names: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (id: string, tag?: string) => {
    const tags = out.get(id) ?? [];
    if (tag && !tags.includes(tag)) tags.push(tag);
    out.set(id, tags);
  };
  for (const name of names) {
    const repo = repositoryOnly(name);
    const refs = repo ? repositoryRefs(s, repo) : [];
    if (refs.length) {
      for (const r of refs) add(r.id, r.tag);
      continue;
    }
    const id = s.resolveId(name);
    add(id);
    // as dockerd: an image named by its id is saved without tags (it loads back as an id; a
    // new-user trial: every tag went with it)
    if (!hex(id).startsWith(name.replace(/^sha256:/, ""))) {
      const ref = parseReference(name);
      if (!ref.digest) add(id, formatReference(ref));
    }
  }
  return out;
}

/** "me/app" → "docker.io/me/app" when the name is a repository alone (no tag, no digest); else undefined. */
function repositoryOnly(name: string): string | undefined {
  try {
    const ref = parseReference(name, { defaultTag: false });
    return ref.tag === undefined && ref.digest === undefined ? repositoryOf(ref) : undefined;
  } catch {
    return undefined; // an id, or no reference at all: resolveId says which
  }
}

/** The repository's tags and digests as {image id, tag (full name) when it is one}, sorted by name. */
function repositoryRefs(s: SaveContext, repo: string): { id: string; tag?: string }[] {
  const out: { id: string; tag?: string; name: string }[] = [];
  for (const r of s.meta.images()) {
    const refs = s.meta.refsOf(r.id);
    for (const t of refs.tags) if (t.slice(0, t.lastIndexOf(":")) === repo) out.push({ id: r.id, tag: t, name: t });
    for (const d of refs.digests) if (d.slice(0, d.indexOf("@")) === repo) out.push({ id: r.id, name: d });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(({ id, tag }) => (tag ? { id, tag } : { id }));
}

/** Writes the layer, uncompressed, as blobs/sha256/<diffID hex>; returns its size. */
async function layerFile(s: SaveContext, digest: string, mediaType: string, diffId: string, tmp: string, written: Set<string>, write: (b: Uint8Array) => Promise<void>): Promise<number> {
  const name = `blobs/sha256/${hex(diffId)}`;
  let path = s.content.blobPath(digest);
  if (digest !== diffId) {
    path = join(tmp, hex(diffId));
    try {
      await pipeline(s.content.open(digest), mediaType.endsWith("zstd") ? createZstdDecompress() : createGunzip(), createWriteStream(path));
    } catch (e) {
      throw ioError(`save layer ${diffId}`, path, e);
    }
  }
  const size = statSync(path).size;
  if (written.has(name)) return size;
  written.add(name);
  await write(header(name, size));
  for await (const c of createReadStream(path)) await write(c as Uint8Array);
  if (size % 512) await write(new Uint8Array(512 - (size % 512)));
  return size;
}
