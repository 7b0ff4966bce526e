// docker pull --all-tags: every tag the registry lists for a repository (its tag list, pages
// followed by the registry client under the URL rule of common/url-hop.ts), pulled one after the
// other as dockerd's pullRepository does: each tag's own lines ("TAG: Pulling from …", its layers,
// "Digest: …"), and one status line for the repository at the end instead of one per tag.
import { notFound } from "../../common/errors.ts";
import { familiarName, parseReference, repositoryOf } from "../../oci/image/reference.ts";
import type { RegistryClient } from "../registry/index.ts";
import type { ProgressEvent, PullOptions, RegistryAuth } from "./service.ts";

/** What pullAllTags needs of the image store. */
export interface TagPuller {
  client(domain: string, auth?: RegistryAuth, say?: (e: ProgressEvent) => void): RegistryClient;
  pull(name: string, opts: PullOptions): Promise<unknown>;
}

/** Pulls every tag of `repository` ("host:5000/a/b", no tag or digest); the tags pulled, in the registry's order. */
export async function pullAllTags(store: TagPuller, repository: string, opts: PullOptions = {}): Promise<string[]> {
  const ref = parseReference(repository, { defaultTag: false });
  const say = opts.onProgress ?? (() => {});
  const repo = repositoryOf(ref);
  const tags = await store.client(ref.domain, opts.auth, say).listTags(ref.path);
  if (!tags.length)
    throw notFound("image", "IMAGE_REPOSITORY_NO_TAGS", `pull all tags of "${familiarName(repo)}": the registry lists no tag for it`, "push a tag first, or check the repository's name", { repository: repo });
  let newer = false;
  for (const tag of tags) {
    opts.signal?.throwIfAborted();
    await store.pull(`${repo}:${tag}`, {
      ...opts,
      onProgress: (e) => {
        // one status for the repository, at the end: newer if any tag brought something new
        if (e.status.startsWith("Status: ")) newer ||= e.status.startsWith("Status: Downloaded newer image");
        else say(e);
      },
    });
  }
  say({ status: `Status: ${newer ? "Downloaded newer image" : "Image is up to date"} for ${familiarName(repo)}` });
  return tags;
}
