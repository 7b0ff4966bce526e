// A client for one registry (one domain), per the OCI distribution spec. Wire one per domain
// with its credentials (DockerConfig.lookup) and whether the user marked it insecure; the client
// probes /v2/ on first use and keeps tokens per scope for its lifetime.
import type { Descriptor } from "../../oci/image/descriptor.ts";
import type { Digest } from "../../oci/image/digest.ts";
import type { BlobInfo, Ingester } from "../content/index.ts";
import { SkiffError } from "../../common/errors.ts";
import { isUnauthorized, repositoryScope } from "./auth.ts";
import { blobStream, fetchBlobBytes, pullBlob, type BlobStreamOptions, type PullBlobOptions } from "./blob-fetch.ts";
import { hasBlob, pushBlob, type PushBlobOptions, type PushBlobResult } from "./blob-push.ts";
import { getManifest, headManifest, putManifest, type FetchedManifest } from "./manifests.ts";
import { protocolError, readAtMost, statusError } from "./registry-error.ts";
import { describeJsonProblem, parseJsonText } from "../../common/json-text.ts";
import { paths } from "./registry-url.ts";
import type { Endpoint } from "./registry-url.ts";
import { RegistryTransport, type TransportOptions } from "./transport.ts";
import { searchRepositories, type SearchResult } from "./search.ts";

export type RegistryClientOptions = TransportOptions;

/** Tag listing pages followed at most; 100 pages of the registry's page size is plenty for a CLI. */
const MAX_TAG_PAGES = 100;
/** A page of tags is a small document; 4 MiB holds ~100,000 tags. */
const MAX_TAG_PAGE_BYTES = 4 << 20;

export class RegistryClient {
  readonly transport: RegistryTransport;

  constructor(opts: RegistryClientOptions) {
    this.transport = new RegistryTransport(opts);
  }

  get domain(): string {
    return this.transport.domain;
  }

  /** GET /v2/: which endpoint answers and how it wants to be authorized. */
  ping(): Promise<Endpoint> {
    return this.transport.ping();
  }

  /**
   * Checks the credentials as `docker login` does: GET /v2/ authorized (for a token registry, with
   * a token obtained for no scope). Throws IMAGE_REGISTRY_UNAUTHORIZED when they are refused.
   */
  async login(): Promise<void> {
    const action = `log in to ${this.domain}`;
    try {
      const res = await this.transport.request({ method: "GET", url: paths.ping(), scopes: [], action });
      if (!res.ok) throw await statusError({ action, object: "registry", registry: this.domain, response: res });
      await res.body?.cancel();
    } catch (e) {
      // logging in already: the hint to log in would go round in circles
      if (isUnauthorized(e)) throw new SkiffError({ layer: e.layer, code: e.code, kind: e.kind, message: e.message, hint: "check the username and password (or token) for this registry", details: e.details, cause: e });
      throw e;
    }
  }

  getManifest(repo: string, reference: string, expected?: Descriptor): Promise<FetchedManifest> {
    return getManifest(this.transport, repo, reference, expected);
  }

  headManifest(repo: string, reference: string): Promise<Descriptor | undefined> {
    return headManifest(this.transport, repo, reference);
  }

  putManifest(repo: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<Digest> {
    return putManifest(this.transport, repo, reference, bytes, mediaType);
  }

  /** The blob's bytes, resumed across dropped connections, unverified: for unpackLayer, which verifies. */
  blobStream(repo: string, desc: Descriptor, opts?: BlobStreamOptions): AsyncGenerator<Uint8Array> {
    return blobStream(this.transport, repo, desc, opts);
  }

  fetchBlobBytes(repo: string, desc: Descriptor, limit?: number): Promise<Uint8Array> {
    return fetchBlobBytes(this.transport, repo, desc, limit);
  }

  pullBlob(store: Ingester, repo: string, desc: Descriptor, opts?: PullBlobOptions): Promise<BlobInfo> {
    return pullBlob(this.transport, store, repo, desc, opts);
  }

  hasBlob(repo: string, desc: Pick<Descriptor, "digest">): Promise<boolean> {
    return hasBlob(this.transport, repo, desc);
  }

  pushBlob(repo: string, desc: Descriptor, content: Blob | Uint8Array, opts?: PushBlobOptions): Promise<PushBlobResult> {
    return pushBlob(this.transport, repo, desc, content, opts);
  }

  /** docker search on this registry's v1 search API; IMAGE_REGISTRY_NO_SEARCH where it has none. */
  search(term: string, limit: number): Promise<SearchResult[]> {
    return searchRepositories(this.transport, term, limit);
  }

  /** All tags of a repository (GET /v2/<name>/tags/list), following the Link header's pages. */
  async listTags(repo: string, pageSize?: number): Promise<string[]> {
    const action = `list tags of ${JSON.stringify(`${this.domain}/${repo}`)}`;
    const tags: string[] = [];
    let url: string | undefined = paths.tags(repo, pageSize);
    for (let page = 0; url && page < MAX_TAG_PAGES; page++) {
      const res: Response = await this.transport.request({ method: "GET", url, scopes: [repositoryScope(repo)], action });
      if (!res.ok) throw await statusError({ action, object: "repository", registry: this.domain, response: res });
      const parsed = parseJsonText(await readAtMost(res, MAX_TAG_PAGE_BYTES), { maxBytes: MAX_TAG_PAGE_BYTES, maxDepth: 8 });
      if (!parsed.ok) throw protocolError(action, `the tag list is ${describeJsonProblem(parsed.problem)}`);
      const body = (parsed.value ?? {}) as { tags?: unknown };
      if (Array.isArray(body.tags)) tags.push(...body.tags.filter((t): t is string => typeof t === "string"));
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers.get("link") ?? "")?.[1];
      url = next ? this.transport.hop(next, res.url, action, "gave a next page at") : undefined;
    }
    return tags;
  }
}
