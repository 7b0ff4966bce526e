// docker load: a docker-archive tar (manifest.json: [{Config, RepoTags, Layers}], layers as
// uncompressed or compressed tars under any name) or an OCI image layout tar (index.json,
// blobs/sha256/…). Every file is streamed into the content store as it comes (a tar's entries may
// come in any order); blobs/<alg>/<hex> must match their name. Then each image's layers are
// unpacked from the store in order, and the image recorded last, with its tags.
import { invalid } from "../../common/errors.ts";
import type { Descriptor } from "../../oci/image/descriptor.ts";
import { MEDIA } from "../../oci/image/media-types.ts";
import { parseManifest, type ImageManifest } from "../../oci/image/manifest.ts";
import { formatPlatform, hostPlatform } from "../../oci/image/platform.ts";
import { formatReference, parseReference } from "../../oci/image/reference.ts";
import { selectManifest } from "../../oci/image/select-manifest.ts";
import { decompressed } from "./image-import.ts";
import type { ImageStore } from "./image-service.ts";
import type { ProgressEvent } from "./service.ts";
import { chainIds } from "./snapshots.ts";
import { readTar } from "./tar-reader.ts";

const META = new Set(["manifest.json", "index.json", "repositories", "oci-layout"]);
const bad = (why: string) => invalid("engine", "ENGINE_LOAD_INVALID", `load images: ${why}`, "give a tar written by docker save or an OCI image layout tar");

export async function loadImages(s: ImageStore, input: AsyncIterable<Uint8Array>, onProgress?: (e: ProgressEvent) => void): Promise<{ loaded: string[] }> {
  const files = new Map<string, string>(); // path in the archive → digest
  const meta = new Map<string, string>();
  for await (const e of readTar(decompressed(input))) {
    if (e.type !== "file") continue;
    const name = e.name.replace(/^\.\//, "");
    if (META.has(name)) {
      const parts: Uint8Array[] = [];
      for await (const c of e.body()) parts.push(c);
      meta.set(name, Buffer.concat(parts).toString("utf8"));
      continue;
    }
    const info = await s.content.add(e.body());
    const m = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(name);
    if (m && info.digest !== `${m[1]}:${m[2]}`) throw invalid("image", "IMAGE_DIGEST_MISMATCH", `load ${JSON.stringify(name)}: its content has digest ${info.digest}`, "the archive is corrupt");
    files.set(name, info.digest);
  }
  const loaded: string[] = [];
  const say = (status: string) => {
    loaded.push(status.replace(/^Loaded image(?: ID)?: /, ""));
    onProgress?.({ status });
  };
  const manifestJson = meta.get("manifest.json");
  if (manifestJson) {
    let entries: { Config: string; RepoTags?: string[] | null; Layers: string[] }[];
    try {
      entries = JSON.parse(manifestJson);
    } catch {
      throw bad("manifest.json is not JSON");
    }
    for (const entry of entries) {
      const digestOf = (p: string): string => {
        const d = files.get(p);
        if (!d) throw bad(`manifest.json names ${JSON.stringify(p)}, which the archive does not hold`);
        return d;
      };
      const configDigest = digestOf(entry.Config);
      const layers: Descriptor[] = entry.Layers.map((p) => {
        const d = digestOf(p);
        return { mediaType: MEDIA.dockerLayer, digest: d as Descriptor["digest"], size: s.content.info(d)!.size };
      });
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: { mediaType: MEDIA.dockerConfig, digest: configDigest, size: s.content.info(configDigest)!.size }, layers }));
      const md = await s.content.add(manifest);
      const id = await commit(s, { mediaType: MEDIA.dockerManifest, digest: md.digest, size: md.size }, (entry.RepoTags ?? []).map((t) => formatReference(parseReference(t))));
      if (entry.RepoTags?.length) for (const t of entry.RepoTags) say(`Loaded image: ${t}`);
      else say(`Loaded image ID: ${id}`);
    }
    return { loaded };
  }
  const indexJson = meta.get("index.json");
  if (!indexJson) throw bad("neither manifest.json nor index.json in the archive");
  const index = parseManifest(indexJson, MEDIA.ociIndex, "index.json");
  if (index.kind !== "index") throw bad("index.json is not an image index");
  for (const d of index.manifests) {
    let desc = d;
    for (let depth = 0; depth < 3; depth++) {
      const m = parseManifest(s.content.readBytes(desc.digest), desc.mediaType);
      if (m.kind === "manifest") break;
      desc = selectManifest(m, { platform: hostPlatform() });
    }
    const name = d.annotations?.["io.containerd.image.name"] ?? d.annotations?.["org.opencontainers.image.ref.name"];
    let tag: string | undefined;
    try {
      tag = name && /[/:]/.test(name) ? formatReference(parseReference(name)) : undefined;
    } catch {
      tag = undefined; // a bare tag names no repository
    }
    const id = await commit(s, desc, tag ? [tag] : []);
    say(tag ? `Loaded image: ${name}` : `Loaded image ID: ${id}`);
  }
  return { loaded };
}

/** Unpacks the manifest's layers from the store and records the image with `tags`. */
async function commit(s: ImageStore, desc: Descriptor, tags: string[]): Promise<string> {
  const m = parseManifest(s.content.readBytes(desc.digest), desc.mediaType) as ImageManifest;
  const config = JSON.parse(s.content.readBytes(m.config.digest).toString()) as { os: string; architecture: string; variant?: string; created?: string; rootfs: { diff_ids: string[] } };
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== m.layers.length) throw bad(`image ${m.config.digest} has ${m.layers.length} layers but ${diffIds.length} diff_ids`);
  const chains = chainIds(diffIds);
  let size = 0;
  for (const [i, l] of m.layers.entries()) {
    // docker-archive layers may be compressed whatever the name says: unpackLayer sniffs, and the diffID check decides.
    const layer = { chainId: chains[i]!, parents: chains.slice(0, i), diffId: diffIds[i]!, desc: l };
    size += (await s.builder.ensure(layer, () => s.content.file(l.digest))).size;
  }
  s.commitImage({
    id: m.config.digest, manifestDigest: desc.digest, manifestMediaType: desc.mediaType, platform: formatPlatform(config), created: config.created ?? new Date(0).toISOString(), size,
    chainIds: chains, blobs: [desc.digest, m.config.digest, ...m.layers.map((l) => l.digest)], lastTagTime: new Date().toISOString(),
  });
  for (const t of tags) s.meta.setRef("tag", t, m.config.digest);
  return m.config.digest;
}
