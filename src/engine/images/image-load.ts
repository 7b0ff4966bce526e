// docker load: a docker-archive tar (manifest.json: [{Config, RepoTags, Layers}], layers as
// uncompressed or compressed tars under any name), itself plain, gzip, zstd, bzip2 or xz or an OCI image layout tar (index.json,
// blobs/sha256/…). Every file is streamed into a staging file of the content store as it comes (a
// tar's entries may come in any order); blobs/<alg>/<hex> must match their name. Then each image's
// layers are unpacked, in order, from the staged files (the diffIDs verify them).
//
// Contract: a load stores all its images or none. Blobs reach the content store only once every
// image of the archive is verified, and only those an image references (not the archive's other
// files); the images and their tags are then recorded in one transaction. A failed load leaves no
// staging file; the snapshots it had built are left to a GC, asked for at once (it runs as soon as
// no pull, load or import is in flight: another one may be using them).
import { readFileSync } from "node:fs";
import { invalid } from "../../common/errors.ts";
import type { Descriptor } from "../../oci/image/descriptor.ts";
import { digestBytes } from "../../oci/image/digest.ts";
import { MEDIA } from "../../oci/image/media-types.ts";
import { checkLayersMatchConfig, parseImageConfig } from "../../oci/image/image-config.ts";
import { parseManifest, type ImageIndex } from "../../oci/image/manifest.ts";
import { formatPlatform, hostPlatform } from "../../oci/image/platform.ts";
import { formatReference, parseReference } from "../../oci/image/reference.ts";
import { selectManifest } from "../../oci/image/select-manifest.ts";
import { decompressed, readTar, type DecompressFor, type TarInput } from "../archive/index.ts";
import type { ContentStore, StagedBlob } from "../content/index.ts";
import { chainIds, type SnapshotBuilder } from "../snapshots/index.ts";
import type { ImageMetadata, ImageRecord } from "./image-metadata.ts";
import type { ProgressEvent } from "./service.ts";

const META = new Set(["manifest.json", "index.json", "repositories", "oci-layout"]);
/** How many image indexes may lead to an image manifest. */
const MAX_INDEX_DEPTH = 3;
/** manifest.json and index.json are read into memory: a bound against a hostile archive. */
const MAX_META = 16 << 20;
const FORMATS = "plain or compressed: gzip, zstd, bzip2 and xz are recognised";
const bad = (why: string) => invalid("engine", "ENGINE_LOAD_INVALID", `load images: ${why}`, `give a tar written by docker save or an OCI image layout tar (${FORMATS})`);

/** The load's input as the tar parser names it in errors. */
export const ARCHIVE_INPUT: TarInput = {
  what: "archive",
  code: "IMAGE_ARCHIVE",
  hints: {
    invalid: `is this a docker save / OCI archive? load takes the tar that docker save or skiff save writes, ${FORMATS}`,
    truncated: "the archive is cut short: was it saved, copied or downloaded completely? save it again",
  },
};
const LOAD: DecompressFor = { action: "load images", code: "ENGINE_LOAD_INVALID", hint: `give a tar written by docker save or an OCI image layout tar, ${FORMATS}` };

/** What a load needs of the image store (ImageStore passes itself). */
export interface LoadContext {
  content: ContentStore;
  builder: SnapshotBuilder;
  meta: ImageMetadata;
  /** Records an image (the caller's transaction holds its tags too). */
  commitImage(record: ImageRecord): void;
  /** Removes what no image references, at once or once nothing is in flight. */
  gc(): void;
}

/** What the archive holds: its staged files by path and by digest, and its metadata files. */
interface Archive {
  files: Map<string, StagedBlob>;
  byDigest: Map<string, StagedBlob>;
  meta: Map<string, string>;
}

/** An image verified (its snapshots built), to record once all are. */
interface Verified {
  record: ImageRecord;
  tags: string[];
  /** "Loaded image: NAME" per tag, or "Loaded image ID: ID". */
  statuses: string[];
  /** Blobs to commit: staged ones, and generated documents (a docker-archive's manifest). */
  blobs: (StagedBlob | Uint8Array)[];
}

export async function loadImages(s: LoadContext, input: AsyncIterable<Uint8Array>, onProgress?: (e: ProgressEvent) => void): Promise<{ loaded: string[] }> {
  const archive: Archive = { files: new Map(), byDigest: new Map(), meta: new Map() };
  /** Whether this load stored anything (a snapshot, a blob) that a failure would leave unreferenced. */
  const built = { any: false };
  try {
    await readArchive(s, input, archive);
    const images = archive.meta.has("manifest.json") ? await dockerArchive(s, archive, built) : await ociLayout(s, archive, built);
    // Everything checked: store the blobs, then record every image with its tags at once.
    built.any = true; // from here, a failure may leave blobs no image references
    for (const img of images) for (const b of img.blobs) await (b instanceof Uint8Array ? s.content.add(b) : s.content.commitStaged(b));
    s.meta.tx("record loaded images", () => {
      for (const img of images) {
        s.commitImage(img.record);
        for (const t of img.tags) s.meta.setRef("tag", t, img.record.id);
      }
    });
    const loaded: string[] = [];
    for (const status of images.flatMap((img) => img.statuses)) {
      loaded.push(status.replace(/^Loaded image(?: ID)?: /, ""));
      onProgress?.({ status });
    }
    return { loaded };
  } catch (e) {
    if (built.any) {
      try {
        s.gc();
      } catch {
        // the load's own error is the one to report; the next GC retries
      }
    }
    throw e;
  } finally {
    // every staged file is in byDigest (a duplicate was dropped at once); committed ones are gone already
    for (const f of archive.byDigest.values()) s.content.discardStaged(f);
  }
}

/** Stages every file of the tar; blobs/<alg>/<hex> entries are checked against their name as they come. */
async function readArchive(s: LoadContext, input: AsyncIterable<Uint8Array>, a: Archive): Promise<void> {
  let entries = 0;
  /** Links to other entries, by name: docker save writes a layer two images share once, and the
   *  other image's layer.tar as a symlink to it ("../<id>/layer.tar"). */
  const links = new Map<string, string>();
  for await (const e of readTar(decompressed(input, LOAD), ARCHIVE_INPUT)) {
    entries++;
    if (e.type === "symlink" || e.type === "hardlink") {
      const name = archivePath(e.name);
      if (!name) continue;
      const target = e.type === "symlink" ? archivePath(`${name.slice(0, name.lastIndexOf("/") + 1)}${e.linkname}`) : archivePath(e.linkname);
      if (target) links.set(name, target);
      continue;
    }
    if (e.type !== "file") continue;
    const name = e.name.replace(/^\.\//, "");
    if (META.has(name)) {
      if (e.size > MAX_META) throw bad(`${name} is ${e.size} bytes, more than ${MAX_META}`);
      const parts: Uint8Array[] = [];
      for await (const c of e.body()) parts.push(c);
      a.meta.set(name, Buffer.concat(parts).toString("utf8"));
      continue;
    }
    const m = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(name);
    const staged = await s.content.stage(e.body(), m ? (m[1] as "sha256" | "sha512") : "sha256");
    if (m && staged.digest !== `${m[1]}:${m[2]}`) {
      s.content.discardStaged(staged);
      throw invalid("image", "IMAGE_DIGEST_MISMATCH", `load ${JSON.stringify(name)}: its content has digest ${staged.digest}`, "the archive is corrupt");
    }
    const same = a.byDigest.get(staged.digest);
    if (same) s.content.discardStaged(staged); // the same bytes twice: one staged copy is enough
    else a.byDigest.set(staged.digest, staged);
    a.files.set(name, same ?? staged);
  }
  if (entries === 0) throw bad("unexpected EOF: the input is empty or not a tar archive");
  // a link names a file of the archive (through other links, a few deep); one that leaves it, or
  // names nothing, names no file
  for (const name of links.keys()) {
    let target: string | undefined = name;
    for (let depth = 0; target !== undefined && depth < 8 && !a.files.has(target); depth++) target = links.get(target);
    const f = target === undefined ? undefined : a.files.get(target);
    if (f && !a.files.has(name)) a.files.set(name, f);
  }
}

/** An entry's name, or a link's target, as a path inside the archive ("a/./b/../c" → "a/c");
 *  undefined for one that is absolute or climbs out of it. */
function archivePath(p: string): string | undefined {
  if (p.startsWith("/")) return undefined;
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (!out.length) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join("/");
}

/** A RepoTags entry as the tag to record: a name with a tag, never a digest (docker refuses those too). */
function tagOf(t: string): string {
  const ref = parseReference(t);
  if (ref.digest) throw bad(`manifest.json's RepoTags holds ${JSON.stringify(t)}, which names a digest, not a tag`);
  return formatReference(ref);
}

/** A blob's bytes: staged by this load, else already in the store; `what` names it when it is neither. */
function readBlob(s: LoadContext, a: Archive, digest: string, what: string): Buffer {
  const staged = a.byDigest.get(digest);
  if (staged) return readFileSync(staged.path);
  if (!s.content.has(digest)) throw bad(`${what} ${digest} is neither in the archive nor in the store`);
  return s.content.readBytes(digest);
}

async function dockerArchive(s: LoadContext, a: Archive, built: { any: boolean }): Promise<Verified[]> {
  let entries: { Config: string; RepoTags?: string[] | null; Layers: string[] }[];
  try {
    entries = JSON.parse(a.meta.get("manifest.json")!);
  } catch {
    throw bad("manifest.json is not JSON");
  }
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
  const shaped = (x: unknown) => {
    const e = x as { Config?: unknown; Layers?: unknown; RepoTags?: unknown } | null;
    return typeof e === "object" && e !== null && typeof e.Config === "string" && strings(e.Layers) && (e.RepoTags === undefined || e.RepoTags === null || strings(e.RepoTags));
  };
  if (!Array.isArray(entries) || !entries.every(shaped)) throw bad("manifest.json is not a list of {Config, RepoTags, Layers} (Config a file name, Layers and RepoTags lists of strings)");
  const out: Verified[] = [];
  for (const entry of entries) {
    const fileOf = (p: string): StagedBlob => {
      const f = a.files.get(p.replace(/^\.\//, ""));
      if (!f) throw bad(`manifest.json names ${JSON.stringify(p)}, which the archive does not hold`);
      return f;
    };
    const config = fileOf(entry.Config);
    const layerFiles = entry.Layers.map(fileOf);
    const layers: Descriptor[] = layerFiles.map((f) => ({ mediaType: MEDIA.dockerLayer, digest: f.digest as Descriptor["digest"], size: f.size }));
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: { mediaType: MEDIA.dockerConfig, digest: config.digest, size: config.size }, layers }));
    const desc: Descriptor = { mediaType: MEDIA.dockerManifest, digest: digestBytes(manifest), size: manifest.byteLength };
    const tags = (entry.RepoTags ?? []).map(tagOf);
    const v = await verify(s, a, desc, manifest, tags, built);
    v.blobs.push(config, ...layerFiles, manifest);
    v.statuses = entry.RepoTags?.length ? entry.RepoTags.map((t) => `Loaded image: ${t}`) : [`Loaded image ID: ${v.record.id}`];
    out.push(v);
  }
  return out;
}

async function ociLayout(s: LoadContext, a: Archive, built: { any: boolean }): Promise<Verified[]> {
  const indexJson = a.meta.get("index.json");
  if (!indexJson) throw bad("neither manifest.json nor index.json in the archive");
  const index = parseManifest(indexJson, MEDIA.ociIndex, "index.json");
  if (index.kind !== "index") throw bad("index.json is not an image index");
  const out: Verified[] = [];
  for (const d of index.manifests) {
    let desc = d;
    let bytes = readBlob(s, a, desc.digest, "index.json's manifest");
    // an index may point to an index (one per platform, then one per variant…): three deep at most
    for (let depth = 0; parseManifest(bytes, desc.mediaType).kind === "index"; depth++) {
      if (depth === MAX_INDEX_DEPTH) throw bad(`index.json's ${JSON.stringify(d.digest)} nests image indexes deeper than ${MAX_INDEX_DEPTH}`);
      desc = selectManifest(parseManifest(bytes, desc.mediaType) as ImageIndex, { platform: hostPlatform() });
      bytes = readBlob(s, a, desc.digest, "the manifest");
    }
    const name = d.annotations?.["io.containerd.image.name"] ?? d.annotations?.["org.opencontainers.image.ref.name"];
    let tag: string | undefined;
    try {
      tag = name && /[/:]/.test(name) ? formatReference(parseReference(name)) : undefined;
    } catch {
      tag = undefined; // a bare tag names no repository
    }
    const v = await verify(s, a, desc, bytes, tag ? [tag] : [], built);
    v.statuses = [tag ? `Loaded image: ${name}` : `Loaded image ID: ${v.record.id}`];
    // what the image references (an index on the way to it is not recorded, so not stored)
    for (const digest of v.record.blobs) {
      const staged = a.byDigest.get(digest);
      if (staged) v.blobs.push(staged);
    }
    out.push(v);
  }
  return out;
}

/** Unpacks the manifest's layers (from the staged files, or the store) and returns the image to record. */
async function verify(s: LoadContext, a: Archive, desc: Descriptor, manifestBytes: Uint8Array, tags: string[], built: { any: boolean }): Promise<Verified> {
  const m = parseManifest(manifestBytes, desc.mediaType);
  if (m.kind !== "manifest") throw bad(`the manifest ${desc.digest} is an index, not an image manifest`);
  // the config as a registry's is checked: every field of the type it must have, diff_ids digests
  const config = parseImageConfig(readBlob(s, a, m.config.digest, "the image's config"));
  checkLayersMatchConfig(m, config, `image ${m.config.digest}`);
  const diffIds = config.rootfs.diffIds;
  const chains = chainIds(diffIds);
  let size = 0;
  for (const [i, l] of m.layers.entries()) {
    // docker-archive layers may be compressed whatever the name says: unpackLayer sniffs, and the diffID check decides.
    const layer = { chainId: chains[i]!, parents: chains.slice(0, i), diffId: diffIds[i]!, desc: l };
    const staged = a.byDigest.get(l.digest);
    // every blob the image will reference must be stored once it is recorded, even when its
    // snapshot exists already (then nothing reads the blob, and a save or push would miss it)
    if (!staged && !s.content.has(l.digest)) throw bad(`the image's layer ${l.digest} is neither in the archive nor in the store`);
    size += (
      await s.builder.ensure(layer, () => {
        built.any = true;
        return staged ? { file: staged.path } : s.content.file(l.digest);
      })
    ).size;
  }
  const record: ImageRecord = {
    id: m.config.digest, manifestDigest: desc.digest, manifestMediaType: desc.mediaType, platform: formatPlatform(config), created: config.created || new Date(0).toISOString(), size,
    chainIds: chains, blobs: [desc.digest, m.config.digest, ...m.layers.map((l) => l.digest)], lastTagTime: new Date().toISOString(),
  };
  return { record, tags, statuses: [], blobs: [] };
}
