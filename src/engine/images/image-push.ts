// push: an image's manifest, config and layers to a registry, as docker's push reports it, with
// cross-repository mounts from what the store knows of its pulls and pushes, and gzip blobs
// pushed in place of layers stored uncompressed (push-substitutes.ts).
import { closeSync, openSync, readSync } from "node:fs";
import { isSkiffError, notFound } from "../../common/errors.ts";
import type { Descriptor } from "../../oci/image/descriptor.ts";
import type { Digest } from "../../oci/image/digest.ts";
import { parseManifest } from "../../oci/image/manifest.ts";
import { familiarName, formatReference, parseReference, repositoryOf, type ImageReference } from "../../oci/image/reference.ts";
import type { ContentStore } from "../content/index.ts";
import { pushImage, type PushProgress, type RegistryClient } from "../registry/index.ts";
import { retryingIn, shortId } from "./image-pull.ts";
import { storedConfig, type ImageMetadata, type ImageRecord } from "./image-metadata.ts";
import { pushSubstitutes, type KnownImage, type Layer } from "./push-substitutes.ts";
import type { ProgressEvent, RegistryAuth } from "./service.ts";

export interface PushContext {
  content: ContentStore;
  meta: ImageMetadata;
  /** The image id a name or id names. Throws ENGINE_IMAGE_NOT_FOUND. */
  resolveId(nameOrId: string): string;
  /** A registry client with the request's credentials and no others. */
  client(domain: string, auth?: RegistryAuth, say?: (e: ProgressEvent) => void): RegistryClient;
  /** Runs work that makes blobs no image references yet, holding GC off meanwhile. */
  guarded<T>(fn: () => Promise<T>): Promise<T>;
}

function recordOf(s: PushContext, id: string): ImageRecord {
  const r = s.meta.image(id);
  if (!r) throw notFound("engine", "ENGINE_IMAGE_NOT_FOUND", `No such image: ${id}`);
  return r;
}

export async function pushFromStore(s: PushContext, name: string, opts: { auth?: RegistryAuth; onProgress?: (e: ProgressEvent) => void } = {}): Promise<{ tag: string; digest: string; size: number }> {
  const ref = parseReference(name);
  let id: string;
  try {
    id = s.resolveId(name);
  } catch (e) {
    // dockerd's words for a push of what is not here (scripts match them)
    if (isSkiffError(e) && e.kind === "not_found") throw notFound("engine", "ENGINE_IMAGE_NOT_FOUND", `An image does not exist locally with the tag: ${familiarName(repositoryOf(ref))}`, `tag one first: skiff tag IMAGE ${familiarName(formatReference(ref))}`);
    throw e;
  }
  const record = recordOf(s, id);
  const say = opts.onProgress ?? (() => {});
  say({ status: `The push refers to repository [${repositoryOf(ref)}]` });
  const stored = s.content.info(record.manifestDigest)?.size ?? 0;
  const root = { mediaType: record.manifestMediaType, digest: record.manifestDigest as `sha256:${string}`, size: stored };
  const onProgress = (p: PushProgress) => {
    const id = shortId(p.digest);
    if (p.digest === record.id) return; // docker reports layers only
    if (p.status === "uploading") say({ id, status: "Pushing", current: p.done, total: p.total });
    else if (p.status === "exists") say({ id, status: "Layer already exists" });
    else if (p.status === "mounted") say({ id, status: p.from ? `Mounted from ${p.from}` : "Mounted from another repository" });
    else if (p.status === "complete") say({ id, status: "Pushed" });
    else if (p.status === "retrying" && p.retryInMs !== undefined) say({ id, status: retryingIn(p.retryInMs) });
  };
  // guarded: uncompressed layers are pushed gzip'd, from blobs made for the push that no image
  // references (GC takes them afterwards; compressing again gives the same digests)
  const { digest, size } = await s.guarded(async () => {
    const mountFrom = mountSources(s, ref);
    const substitute = substitutesFor(s, ref, record);
    const pushed = await pushImage(s.client(ref.domain, opts.auth, say), s.content, ref.path, root, { tag: ref.tag, onProgress, mountFrom, substitute });
    // the size of the manifest as pushed (rewritten when layers were compressed), read before a GC may take it
    return { digest: pushed, size: s.content.info(pushed)?.size ?? stored };
  });
  s.meta.setRef("digest", `${repositoryOf(ref)}@${digest}`, record.id);
  const tag = ref.tag ?? "latest";
  say({ status: `${tag}: digest: ${digest} size: ${size}` });
  return { tag, digest, size };
}

/** The gzip blobs of the same layers known on the target's registry, to push instead (push-substitutes.ts). */
function substitutesFor(s: PushContext, target: ImageReference, pushed: ImageRecord): (layer: Descriptor) => Descriptor | undefined {
  const onRegistry = new Set<string>();
  for (const r of s.meta.refsUnder(`${target.domain}/`)) {
    try {
      if (parseReference(r.name).domain === target.domain) onRegistry.add(r.imageId);
    } catch {}
  }
  if (!onRegistry.size) return () => undefined;
  const known = (r: ImageRecord): KnownImage | undefined => {
    try {
      const m = parseManifest(s.content.readBytes(r.manifestDigest), r.manifestMediaType);
      if (m.kind === "index") return undefined;
      const diffIds = ((storedConfig(s.content, r).rootfs ?? {}) as { diff_ids?: unknown }).diff_ids;
      return { layers: m.layers, diffIds: Array.isArray(diffIds) ? diffIds.map(String) : [], onRegistry: onRegistry.has(r.id) };
    } catch {
      return undefined; // an image whose documents cannot be read tells nothing
    }
  };
  const me = known(pushed);
  if (!me) return () => undefined;
  const others = s.meta.images().flatMap((r) => (r.id !== pushed.id && onRegistry.has(r.id) ? [known(r)].filter((k): k is KnownImage => !!k) : []));
  const isGzip = (l: Layer): boolean => {
    if (!s.content.has(l.digest) || l.mediaType.endsWith("zstd")) return false;
    if (l.mediaType.endsWith("gzip")) return true;
    const head = new Uint8Array(2);
    const fd = openSync(s.content.blobPath(l.digest as Digest), "r");
    try {
      return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
    } finally {
      closeSync(fd);
    }
  };
  const sub = pushSubstitutes(me, others, isGzip);
  return (layer) => {
    const s = sub(layer);
    return s ? { mediaType: s.mediaType, digest: s.digest as Digest, size: s.size } : undefined;
  };
}

/**
 * Where a push to `target` may mount each blob from, as docker's push does from what it knows of
 * its pulls and pushes: the other repositories of the same registry that local images holding
 * the blob were pulled from or pushed to (their digest references, which a pull and a push
 * record), then those they are tagged in (a tag may be local only), each group with the
 * repositories sharing the most leading path components with the target first, then the most
 * recently tagged. A gzip blob made for the push is looked up by the uncompressed layer it was
 * made from as well: compression is deterministic, so a repository it was pushed to holds it.
 */
function mountSources(s: PushContext, target: ImageReference): (blob: { digest: string }, stored: { digest: string }) => string[] {
  const byBlob = new Map<string, { path: string; evidence: number; likeness: number; order: number }[]>();
  const parts = target.path.split("/");
  let order = 0;
  for (const r of s.meta.refsUnder(`${target.domain}/`)) {
    let path: string;
    try {
      const ref = parseReference(r.name);
      if (ref.domain !== target.domain) continue;
      path = ref.path;
    } catch {
      continue;
    }
    if (path === target.path) continue;
    const p = path.split("/");
    let likeness = 0;
    while (likeness < p.length && likeness < parts.length && p[likeness] === parts[likeness]) likeness++;
    const source = { path, evidence: r.kind === "digest" ? 1 : 0, likeness, order: order++ };
    for (const b of r.blobs) {
      const list = byBlob.get(b) ?? [];
      if (!list.some((c) => c.path === path)) list.push(source);
      byBlob.set(b, list);
    }
  }
  return (blob, stored) => {
    const found = [...(byBlob.get(blob.digest) ?? []), ...(stored.digest !== blob.digest ? (byBlob.get(stored.digest) ?? []) : [])];
    found.sort((a, b) => b.evidence - a.evidence || b.likeness - a.likeness || a.order - b.order);
    return [...new Set(found.map((c) => c.path))];
  };
}
