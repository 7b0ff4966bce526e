// The image service as the API serves it: each action that succeeded reported as docker's image
// event (daemon/images/*.go's LogImageEvent): pull and push by the familiar reference
// ("busybox:latest", the repository alone for pull --all-tags) named by its repository ("busybox"),
// tag by the image's id with the new name, untag, delete, import, load and save by the image's id;
// attributes are the image's labels and `name`. A prune ends with one "prune" event of no actor,
// reclaimed=<bytes>, as dockerd's. The store itself stays unaware of events; everything else
// passes through unchanged.
import { familiarReference, parseReference } from "../../oci/image/reference.ts";
import type { ImageService } from "../images/index.ts";
import type { EventLog } from "./event-log.ts";

const familiar = (ref: string): string => {
  try {
    return familiarReference(parseReference(ref));
  } catch {
    return ref;
  }
};
/** The repository of a reference, familiar ("127.0.0.1:5000/bb", "busybox"): dockerd's name for pull and push. */
const familiarRepository = (ref: string): string => {
  try {
    return familiarReference({ ...parseReference(ref, { defaultTag: false }), tag: undefined, digest: undefined });
  } catch {
    return ref;
  }
};

export function withImageEvents(images: ImageService, log: EventLog): ImageService {
  const labels = (ref: string): Record<string, string> => {
    try {
      return { ...((images.inspect(ref).Config?.Labels as Record<string, string> | null) ?? {}) };
    } catch {
      return {}; // gone already (a delete), or never there
    }
  };
  const idOf = (ref: string): string | undefined => {
    try {
      return images.inspect(ref).Id;
    } catch {
      return undefined;
    }
  };
  const emit = (action: string, id: string, name: string, labelsOf = id) => log.emit("image", action, id, { ...labels(labelsOf), name });
  /** The image ids among what a removal reports: docker reports no event for the layers it lists. */
  const imageIds = () => new Set(images.list({ all: true }).map((i) => i.Id));
  const reportDeleted = (items: readonly { Untagged?: string; Deleted?: string }[], ids: Set<string>, knownId?: string, known: Record<string, string> = {}) => {
    // an untag names the tag; its image is the one named before (remove) or the next deleted one (prune)
    items.forEach((item, i) => {
      const id = knownId ?? items.slice(i).find((x) => x.Deleted && ids.has(x.Deleted))?.Deleted;
      if (item.Untagged && id) log.emit("image", "untag", id, { ...known, name: id });
      if (item.Deleted && ids.has(item.Deleted)) log.emit("image", "delete", item.Deleted, { ...known, name: item.Deleted });
    });
  };

  const wrapped: Partial<ImageService> = {
    async pull(ref, opts) {
      const image = await images.pull(ref, opts);
      emit("pull", familiar(ref), familiarRepository(ref), image.Id);
      return image;
    },
    ...(images.pullAllTags && {
      async pullAllTags(repository: string, opts?: Parameters<NonNullable<ImageService["pullAllTags"]>>[1]) {
        const tags = await images.pullAllTags!(repository, opts);
        emit("pull", familiarRepository(repository), familiarRepository(repository)); // one for the repository, as dockerd
        return tags;
      },
    }),
    tag(source, repo, tag) {
      images.tag(source, repo, tag);
      const id = idOf(source);
      if (id) emit("tag", id, familiar(`${repo}:${tag || "latest"}`));
    },
    remove(nameOrId, opts) {
      const id = idOf(nameOrId);
      const known = id ? labels(id) : {};
      const items = images.remove(nameOrId, opts);
      reportDeleted(items, new Set(id ? [id] : []), id, known);
      return items;
    },
    prune(opts) {
      const ids = imageIds();
      const result = images.prune(opts);
      reportDeleted(result.ImagesDeleted, ids);
      log.emit("image", "prune", "", { reclaimed: String(result.SpaceReclaimed) });
      return result;
    },
    async push(ref, opts) {
      const result = await images.push(ref, opts);
      emit("push", familiar(ref), familiarRepository(ref));
      return result;
    },
    async save(names, out) {
      await images.save(names, out);
      const ids = new Set(names.flatMap((n) => (idOf(n) ? [idOf(n)!] : images.repositoryTags(n).map((t) => idOf(t)).filter((x): x is string => !!x))));
      for (const id of ids) emit("save", id, id);
    },
    async load(input, onProgress) {
      const result = await images.load(input, onProgress);
      const ids = new Set(result.loaded.map(idOf).filter((x): x is string => !!x));
      for (const id of ids) emit("load", id, id);
      return result;
    },
    async importRootfs(input, opts) {
      const image = await images.importRootfs(input, opts);
      emit("import", image.Id, image.Id);
      return image;
    },
  };
  return new Proxy(images, {
    get(target, p) {
      if (Object.hasOwn(wrapped, p)) return wrapped[p as keyof ImageService];
      const v = Reflect.get(target, p, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
    set: (target, p, v) => Reflect.set(target, p, v, target),
  });
}
