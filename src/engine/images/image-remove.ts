// rmi and image prune, with docker's rules: what a name or an id untags, the refusals for an image
// a container uses, the digest references that go with a repository's last tag, and the GC after.
import { SkiffError } from "../../common/errors.ts";
import { familiarName, formatReference, parseReference, repositoryOf } from "../../oci/image/reference.ts";
import type { ContentStore } from "../content/index.ts";
import { pruneSelector } from "./image-filters.ts";
import { storedConfig, type ImageMetadata, type ImageRecord } from "./image-metadata.ts";
import { FULL_ID, formatReferenceSafe, repoOfName, SHORT_ID } from "./image-names.ts";
import { shortId } from "./image-pull.ts";
import type { DeleteResponseItem } from "./service.ts";

export interface RemoveContext {
  content: ContentStore;
  meta: ImageMetadata;
  /** The image id a name or id names. Throws ENGINE_IMAGE_NOT_FOUND. */
  resolveId(nameOrId: string): string;
  /** The containers that use an image. */
  usedBy(imageId: string): { id: string; running: boolean }[];
  /** Removes what no image references any more; returns the chainIDs removed and the layers' unpacked sizes. */
  gc(): { snapshots: string[]; layerBytes: number };
}

export function removeImage(s: RemoveContext, nameOrId: string, opts: { force?: boolean; noprune?: boolean } = {}): DeleteResponseItem[] {
  const id = s.resolveId(nameOrId);
  const users = s.usedBy(id);
  const out: DeleteResponseItem[] = [];
  const refs = s.meta.refsOf(id);
  const byId = FULL_ID.test(nameOrId) || (SHORT_ID.test(nameOrId) && !refs.tags.includes(formatReferenceSafe(nameOrId)));
  refuseInUse(nameOrId, id, refs, users, opts.force ?? false, byId);
  if (!byId) {
    const ref = parseReference(nameOrId);
    const kind = ref.digest ? "digest" : "tag";
    const key = ref.digest ? `${repositoryOf(ref)}@${ref.digest}` : formatReference(ref);
    if (s.meta.deleteRef(kind, key)) out.push({ Untagged: familiarName(key) });
    const repo = repositoryOf(ref);
    const left = s.meta.refsOf(id);
    // As docker: the repository's digest references go with its last tag.
    if (kind === "tag" && !left.tags.some((t) => repoOfName(t) === repo)) {
      for (const d of left.digests.filter((d) => repoOfName(d) === repo)) if (s.meta.deleteRef("digest", d)) out.push({ Untagged: familiarName(d) });
    }
    const rest = s.meta.refsOf(id);
    if (rest.tags.length + rest.digests.length > 0 || users.length) return out;
  } else {
    // as dockerd: by id, an image with more than one tag, or names in several repositories, is only
    // deleted with force (each name would go with it)
    if (!singleReference(refs) && !opts.force) {
      const names = [...refs.tags, ...refs.digests].map(familiarName).join(", ");
      throw new SkiffError({ layer: "engine", code: "ENGINE_IMAGE_CONFLICT", kind: "conflict", message: `conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`, hint: `it is named ${names}: remove those names (skiff rmi NAME), or force with -f`, details: { id } });
    }
    for (const t of refs.tags) if (s.meta.deleteRef("tag", t)) out.push({ Untagged: familiarName(t) });
    for (const d of refs.digests) if (s.meta.deleteRef("digest", d)) out.push({ Untagged: familiarName(d) });
    if (users.length) return out; // forced: untagged, kept for its stopped containers
  }
  s.meta.deleteImage(id);
  out.push({ Deleted: id });
  if (!opts.noprune) out.push(...s.gc().snapshots.map((s) => ({ Deleted: s })));
  return out;
}

/** One repository's references, at most one of them a tag: what dockerd's isSingleReference asks. */
const singleReference = (refs: { tags: string[]; digests: string[] }) => refs.tags.length <= 1 && new Set([...refs.tags, ...refs.digests].map(repoOfName)).size <= 1;

/**
 * dockerd's refusals for an image a container uses. By name: only when the name is the image's
 * single reference (it would leave the image dangling), and not with force; otherwise the name is
 * untagged and the image stays for its containers. By id: a running container's image cannot be
 * deleted, a stopped one's only with force.
 */
function refuseInUse(name: string, id: string, refs: { tags: string[]; digests: string[] }, users: { id: string; running: boolean }[], force: boolean, byId: boolean): void {
  const user = users[0];
  if (!byId) {
    if (user && !force && singleReference(refs))
      throw new SkiffError({ layer: "engine", code: "ENGINE_IMAGE_IN_USE", kind: "conflict", message: `conflict: unable to remove repository reference "${name}" (must force) - container ${user.id.slice(0, 12)} is using its referenced image ${shortId(id)}`, hint: `remove the container first (skiff rm -f ${user.id.slice(0, 12)}), or force with -f: the image then stays, untagged, for its container`, details: { id } });
    return;
  }
  const running = users.find((u) => u.running);
  if (running)
    throw new SkiffError({ layer: "engine", code: "ENGINE_IMAGE_IN_USE", kind: "conflict", message: `conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by running container ${running.id.slice(0, 12)}`, hint: `stop and remove the container first: skiff rm -f ${running.id.slice(0, 12)}`, details: { id } });
  if (user && !force)
    throw new SkiffError({ layer: "engine", code: "ENGINE_IMAGE_IN_USE", kind: "conflict", message: `conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by stopped container ${user.id.slice(0, 12)}`, hint: `remove the container first (skiff rm ${user.id.slice(0, 12)}), or force with -f`, details: { id } });
}

export function pruneImages(s: RemoveContext, opts: { all?: boolean; filters?: Record<string, string[]> } = {}): { ImagesDeleted: DeleteResponseItem[]; SpaceReclaimed: number } {
  // every filter is checked before anything is removed
  const filters = opts.all ? { ...opts.filters, dangling: [...(opts.filters?.dangling ?? []), "false"] } : (opts.filters ?? {});
  const select = pruneSelector(filters);
  const deleted: DeleteResponseItem[] = [];
  for (const r of s.meta.images()) {
    const refs = s.meta.refsOf(r.id);
    if (select.danglingOnly && refs.tags.length > 0) continue;
    if (s.usedBy(r.id).length) continue; // as docker: an image a container uses is not pruned
    const labels = ((storedConfig(s.content, r).config ?? {}) as { Labels?: Record<string, string> | null }).Labels ?? null;
    if (!select.matches({ created: Date.parse(r.created) / 1000, labels })) continue;
    for (const t of refs.tags) deleted.push({ Untagged: familiarName(t) });
    for (const d of refs.digests) deleted.push({ Untagged: familiarName(d) });
    s.meta.deleteImage(r.id);
    deleted.push({ Deleted: r.id });
  }
  const gc = s.gc();
  s.content.pruneIngests(); // gives up resuming them; a running pull keeps its own
  // dockerd's SpaceReclaimed: the unpacked sizes of the layers removed (what the images' Size
  // adds up), not the compressed blobs or unfinished downloads also freed
  return { ImagesDeleted: [...deleted, ...gc.snapshots.map((s) => ({ Deleted: s }))], SpaceReclaimed: gc.layerBytes };
}
