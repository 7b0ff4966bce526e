// ImageStore: the engine's ImageService over the content store (<dataRoot>/content), the layer
// snapshots (<dataRoot>/snapshots) and the metadata database (<dataRoot>/metadata.db).
//
// Contracts: an image is visible (list, inspect) only once all its blobs and snapshots are
// committed; references are full names ("docker.io/library/busybox:latest") in the database and
// familiar ones in results. GC removes blobs and snapshots no image references; it does not run
// while a pull, load or import is in progress in this process (their layers are not referenced yet).
import { join } from "node:path";
import { invalid, isSkiffError, notFound, SkiffError } from "../../common/errors.ts";
import { compatiblePlatforms, formatPlatform, parsePlatform, samePlatform } from "../../oci/image/platform.ts";
import { familiarName, formatReference, parseReference, repositoryOf, type ImageReference } from "../../oci/image/reference.ts";
import { isInsecureRegistry, RegistryClient, registryHostOf, type Credentials, type RegistryTimeouts, type RetryPolicy, type SearchResult } from "../registry/index.ts";
import { ContentStore } from "../content/index.ts";
import { toInspect, toSummary } from "./image-inspect.ts";
import { filterImages } from "./image-filters.ts";
import { pullLayers, retryingIn } from "./image-pull.ts";
import { pullAllTags } from "./image-pull-tags.ts";
import { searchImages, type SearchOptions } from "./image-search.ts";
import { lookupLower, OverlaySnapshotter, SnapshotBuilder, Snapshots, UnpackPool, type OverlayMount, type Snapshotter } from "../snapshots/index.ts";
import { ImageMetadata, storedConfig, type ImageRecord } from "./image-metadata.ts";
import type { DeleteResponseItem, ImageInspect, ImageService, ImageSummary, ProgressEvent, PullOptions, RegistryAuth } from "./service.ts";
import { saveImages } from "./image-save.ts";
import { loadImages } from "./image-load.ts";
import { importRootfs, type ImportOptions } from "./image-import.ts";
import { commitContainer, type CommitRequest } from "./image-commit.ts";
import { imageHistory, type HistoryItem } from "./image-history.ts";
import { tagOf } from "./local-image.ts";
import type { Readable, Writable } from "node:stream";
import { readFileSync } from "node:fs";
import { pushFromStore } from "./image-push.ts";
import { PullJobs } from "./pull-jobs.ts";
import { familiarNameSafe, formatReferenceSafe, FULL_ID, repoOfName, SHORT_ID } from "./image-names.ts";
import { pruneImages, removeImage } from "./image-remove.ts";
import { MetadataDb } from "../metadata/index.ts";
import { parseImageConfig, type ContainerDefaults } from "../../oci/image/image-config.ts";
import { imageDiskUsage, type ImageDiskUsage } from "./image-disk-usage.ts";

export interface ImageStoreOptions {
  dataRoot: string;
  /** Registries reached over plain HTTP (hosts, host:port or CIDRs), as dockerd's --insecure-registry. */
  insecureRegistries?: string[];
  /** Retry policy of registry requests (tests shorten it). */
  retry?: Partial<RetryPolicy>;
  /** When a registry that stopped answering is given up on (tests shorten them). */
  timeouts?: Partial<RegistryTimeouts>;
  /** Worker threads that unpack layers (default: min(cores, 4)); 0 unpacks on the main thread. */
  unpackWorkers?: number;
  /** The engine's metadata database, shared with containers (default: one of its own under dataRoot). */
  metadata?: MetadataDb;
}

export class ImageStore implements ImageService {
  readonly content: ContentStore;
  readonly snapshots: Snapshots;
  readonly meta: ImageMetadata;
  readonly builder: SnapshotBuilder;
  readonly snapshotter: Snapshotter;
  private readonly unpacker?: UnpackPool;
  private readonly pulls = new PullJobs();
  private busy = 0;
  private gcPending = false;
  private swept = false;

  constructor(private readonly opts: ImageStoreOptions) {
    this.content = new ContentStore(join(opts.dataRoot, "content"));
    this.snapshots = new Snapshots(join(opts.dataRoot, "snapshots"));
    this.meta = new ImageMetadata(opts.metadata ?? new MetadataDb(opts.dataRoot));
    if (opts.unpackWorkers !== 0) this.unpacker = new UnpackPool({ workers: opts.unpackWorkers });
    const pool = this.unpacker;
    this.builder = new SnapshotBuilder(this.snapshots, this.meta, pool ? { unpack: (job) => pool.unpack(job) } : {});
    this.snapshotter = new OverlaySnapshotter(this.snapshots, this.meta);
  }

  /**
   * A registry client for `domain` with the request's credentials and no others, as dockerd: the
   * daemon never reads a credentials file of its own (its owner's would serve every client that
   * can reach the socket, logged in or not).
   */
  client(domain: string, auth?: RegistryAuth, say?: (e: ProgressEvent) => void): RegistryClient {
    let credentials: Credentials | undefined;
    if (auth && (auth.username || auth.identitytoken)) credentials = { username: auth.username, password: auth.password, identityToken: auth.identitytoken };
    // a request retried after the registry was reached says so, as docker does, instead of waiting in silence
    const onRetry = say && ((_action: string, ms: number) => say({ status: retryingIn(ms) }));
    return new RegistryClient({ domain, insecure: isInsecureRegistry(domain, this.opts.insecureRegistries ?? []), credentials, retry: this.opts.retry, timeouts: this.opts.timeouts, onRetry });
  }

  /** Runs work that creates unreferenced blobs and snapshots, holding GC off meanwhile. */
  async guarded<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.swept && this.busy === 0) {
      this.snapshots.sweep();
      this.swept = true;
    }
    this.busy++;
    try {
      return await fn();
    } finally {
      this.busy--;
      // a GC asked for meanwhile (by rmi or prune) runs now that nothing is in flight
      if (this.busy === 0 && this.gcPending) this.gc();
    }
  }

  /** Pulls of one reference and platform share one job (pull-jobs.ts). */
  async pull(name: string, opts: PullOptions = {}): Promise<ImageInspect> {
    const ref = parseReference(name);
    const platform = opts.platform ? formatPlatform(parsePlatform(opts.platform)) : undefined;
    const key = `${formatReference(ref)}|${platform ?? ""}`;
    const work = (say: (e: ProgressEvent) => void, signal: AbortSignal) => this.guarded(() => this.pullNow(ref, { ...opts, platform, onProgress: say, signal }));
    return this.inspect(await this.pulls.follow(key, work, opts));
  }

  /** docker pull -a: every tag the registry lists for `repository`, one after the other (image-pull-tags.ts). */
  pullAllTags(repository: string, opts: PullOptions = {}): Promise<string[]> {
    return pullAllTags(this, repository, opts);
  }

  /** docker search on the term's registry (image-search.ts). */
  search(term: string, opts: SearchOptions = {}): Promise<SearchResult[]> {
    return searchImages((domain, auth) => this.client(domain, auth), term, opts);
  }

  private async pullNow(ref: ImageReference, opts: PullOptions): Promise<string> {
    const say = opts.onProgress ?? (() => {});
    // as docker: the repository's path inside its registry ("library/busybox"), once the registry
    // answered with the manifest (a registry that is not there gives the error alone)
    const pullingFrom = () => say({ status: `Pulling from ${ref.path}`, id: ref.digest ?? ref.tag });
    const tagKey = ref.tag !== undefined && !ref.digest ? formatReference(ref) : undefined;
    const digestKey = ref.digest ? `${repositoryOf(ref)}@${ref.digest}` : undefined;
    // what the tag (or the digest) named before: the same image after the pull is "up to date", as docker says
    const before = tagKey ? this.meta.resolveRef("tag", tagKey) : digestKey ? this.meta.resolveRef("digest", digestKey) : undefined;
    let pulled: Awaited<ReturnType<typeof pullLayers>>;
    try {
      pulled = await pullLayers(
        { store: this.content, builder: this.builder },
        { client: this.client(ref.domain, opts.auth, say), ref, platform: opts.platform, onProgress: say, onResolved: pullingFrom, signal: opts.signal },
      );
    } catch (e) {
      if (isSkiffError(e) && e.code === "IMAGE_PLATFORM_NOT_FOUND") {
        // docker's words, which users search for
        throw new SkiffError({ layer: e.layer, code: e.code, kind: e.kind, message: `no matching manifest for ${String(e.details.platform)} in the manifest list entries`, hint: e.hint, details: e.details, cause: e });
      }
      throw e;
    }
    const { record, rootDigest } = pulled;
    // a pull cancelled while its last layers unpacked tags nothing
    opts.signal?.throwIfAborted();
    this.commitImage(record, { tag: tagKey, digest: `${repositoryOf(ref)}@${rootDigest}` });
    const name = familiarName(formatReference(ref));
    say({ status: `Status: ${before === record.id ? "Image is up to date" : "Downloaded newer image"} for ${name}` });
    return record.id;
  }

  /** Records an image and its references in one transaction (the last step of pull, load, import). */
  commitImage(record: ImageRecord, refs: { tag?: string; digest?: string } = {}): void {
    this.meta.tx(`record image ${record.id}`, () => {
      const old = this.meta.image(record.id);
      if (old) record = { ...record, blobs: [...new Set([...old.blobs, ...record.blobs])], lastTagTime: old.lastTagTime };
      this.meta.putImage(record);
      if (refs.tag) this.meta.setRef("tag", refs.tag, record.id);
      if (refs.digest) this.meta.setRef("digest", refs.digest, record.id);
    });
  }

  /** The image id `nameOrId` names: name, name:tag, name@digest, full or short id. */
  resolveId(nameOrId: string): string {
    const full = FULL_ID.exec(nameOrId);
    if (full && this.meta.image(`sha256:${full[1]}`)) return `sha256:${full[1]}`;
    let ref: ImageReference | undefined;
    try {
      ref = parseReference(nameOrId);
    } catch {
      // not a reference; maybe a short id
    }
    if (ref) {
      const id = ref.digest ? this.meta.resolveRef("digest", `${repositoryOf(ref)}@${ref.digest}`) : this.meta.resolveRef("tag", formatReference(ref));
      if (id) return id;
      if (ref.digest && this.meta.image(ref.digest)) return ref.digest;
    }
    const short = SHORT_ID.exec(nameOrId);
    if (short) {
      const ids = this.meta.idsWithPrefix(`sha256:${short[1]}`);
      if (ids.length === 1) return ids[0]!;
      if (ids.length > 1) throw invalid("engine", "ENGINE_IMAGE_AMBIGUOUS", `find image ${JSON.stringify(nameOrId)}: the short id matches ${ids.length} images`, "give more digits of the id");
    }
    throw notFound("engine", "ENGINE_IMAGE_NOT_FOUND", `No such image: ${nameOrId}`, "list images with `skiff images`, or pull it", { reference: nameOrId });
  }

  private record(id: string): ImageRecord {
    const r = this.meta.image(id);
    if (!r) throw notFound("engine", "ENGINE_IMAGE_NOT_FOUND", `No such image: ${id}`);
    return r;
  }

  private configOf(r: ImageRecord): Record<string, unknown> {
    return storedConfig(this.content, r);
  }

  /** Snapshot fs dirs of the image, topmost first. */
  layerDirs(id: string): string[] {
    return this.builder.lowerDirs(this.record(id).chainIds);
  }

  inspect(nameOrId: string, opts: { platform?: string } = {}): ImageInspect {
    const record = this.record(this.resolveId(nameOrId));
    if (opts.platform) {
      // an image here is one platform's: it is that one or it is not there (docker's words)
      const wanted = parsePlatform(opts.platform);
      const actual = parsePlatform(record.platform);
      if (!compatiblePlatforms(wanted).some((p) => samePlatform(actual, p)))
        throw notFound("engine", "ENGINE_IMAGE_PLATFORM_MISMATCH", `image with reference ${nameOrId} was found but does not match the specified platform: wanted ${formatPlatform(wanted)}, actual: ${formatPlatform(actual)}`, `pull it for that platform: skiff pull --platform ${formatPlatform(wanted)} ${nameOrId}`);
    }
    return toInspect({ record, config: this.configOf(record), refs: this.meta.refsOf(record.id), layerDirs: this.layerDirs(record.id) });
  }

  list(opts: { all?: boolean; filters?: Record<string, string[]>; digests?: boolean } = {}): ImageSummary[] {
    const summaries = this.meta.images().map((record) => toSummary({ record, config: this.configOf(record), refs: this.meta.refsOf(record.id) }));
    return filterImages(summaries, opts.filters ?? {}, { createdOf: (name) => Math.floor(Date.parse(this.record(this.resolveId(name)).created) / 1000) });
  }

  tag(source: string, repo: string, tag?: string): void {
    const id = this.resolveId(source);
    this.meta.setRef("tag", tagOf("tag image", repo, tag), id);
  }

  /**
   * The containers using an image (the container service sets it): such an image is never
   * deleted, only untagged, and prune leaves it, so a container's layers stay while it exists.
   */
  usedBy: (imageId: string) => { id: string; running: boolean }[] = () => [];

  remove(nameOrId: string, opts: { force?: boolean; noprune?: boolean } = {}): DeleteResponseItem[] {
    return removeImage(this, nameOrId, opts);
  }

  prune(opts: { all?: boolean; filters?: Record<string, string[]> } = {}): { ImagesDeleted: DeleteResponseItem[]; SpaceReclaimed: number } {
    return pruneImages(this, opts);
  }

  /** Removes snapshots and blobs no image references; returns the chainIDs removed, the bytes freed
   * and, of them, the layers' unpacked sizes. */
  gc(): { snapshots: string[]; blobs: string[]; bytes: number; layerBytes: number } {
    const out = { snapshots: [] as string[], blobs: [] as string[], bytes: 0, layerBytes: 0 };
    this.gcPending = this.busy > 0;
    if (this.gcPending) return out;
    for (const s of this.meta.unusedSnapshots()) {
      this.snapshots.remove(s.dir);
      this.meta.deleteSnapshot(s.chainId);
      out.snapshots.push(s.chainId);
      out.bytes += s.size;
      out.layerBytes += s.size;
    }
    const known = new Set(this.meta.snapshots().map((s) => s.dir));
    for (const d of this.snapshots.dirs()) if (!known.has(d)) this.snapshots.remove(d);
    this.snapshots.sweep();
    const keep = this.meta.referencedBlobs();
    for (const b of this.content.list()) {
      if (keep.has(b.digest)) continue;
      this.content.delete(b.digest);
      out.blobs.push(b.digest);
      out.bytes += b.size;
    }
    return out;
  }

  repositoryTags(repository: string): string[] {
    const repo = repositoryOf(parseReference(repository, { defaultTag: false }));
    const tags = this.meta.images().flatMap((r) => this.meta.refsOf(r.id).tags.filter((t) => repoOfName(t) === repo));
    return tags.map(familiarName).sort();
  }

  push(name: string, opts: { auth?: RegistryAuth; onProgress?: (e: ProgressEvent) => void } = {}): Promise<{ tag: string; digest: string; size: number }> {
    return pushFromStore(this, name, opts);
  }

  async login(auth: RegistryAuth): Promise<{ Status: string; IdentityToken?: string }> {
    const domain = auth.serveraddress ? registryHostOf(auth.serveraddress) : "docker.io";
    await this.client(domain, auth).login();
    return { Status: "Login Succeeded" };
  }

  save(names: string[], out: Writable): Promise<void> {
    return saveImages(this, names, out);
  }

  /** `replaced`: the loaded tags that named another image before (name as in `loaded` → that image's id), which docker reports. */
  async load(input: Readable, onProgress?: (e: ProgressEvent) => void): Promise<{ loaded: string[]; replaced: Record<string, string> }> {
    // what each tag named before; the archive's tags are known only once it is read, so all of them
    const before = new Map(this.meta.images().flatMap((r) => this.meta.refsOf(r.id).tags.map((t) => [t, r.id] as const)));
    const { loaded } = await this.guarded(() => loadImages(this, input, onProgress));
    const replaced: Record<string, string> = {};
    for (const name of loaded) {
      if (/^sha256:/.test(name)) continue;
      const full = formatReferenceSafe(name);
      const old = before.get(full);
      if (old && old !== this.meta.resolveRef("tag", full)) replaced[name] = old;
    }
    return { loaded, replaced };
  }

  async importRootfs(input: Readable, opts: ImportOptions): Promise<ImageInspect> {
    const id = await this.guarded(() => importRootfs(this, input, opts));
    return this.inspect(id);
  }

  /** The rootfs mount of the image as data; with `containerKey`, over a new writable layer for that container. */
  mountsFor(nameOrId: string, containerKey?: string): OverlayMount {
    const { chainIds } = this.record(this.resolveId(nameOrId));
    return containerKey ? this.snapshotter.prepare(containerKey, chainIds) : this.snapshotter.view(chainIds);
  }

  /** docker commit: a container's layer tar over its image (image-commit.ts); the new image's id. */
  commit(req: CommitRequest): Promise<string> {
    const context = {
      content: this.content,
      builder: this.builder,
      commitImage: (r: ImageRecord, refs: { tag?: string }) => this.commitImage(r, refs),
      gc: () => this.gc(),
      record: (id: string) => this.record(id),
      configBytes: (id: string) => this.content.readBytes(id),
      manifestBytes: (r: ImageRecord) => this.content.readBytes(r.manifestDigest),
    };
    return this.guarded(() => commitContainer(context, req));
  }

  /** docker system df's image part (see image-disk-usage.ts). */
  diskUsage(): ImageDiskUsage {
    return imageDiskUsage(this.meta);
  }

  /** docker history: the config's history, newest first, with each layer's unpacked size. */
  history(nameOrId: string): HistoryItem[] {
    const record = this.record(this.resolveId(nameOrId));
    const sizes = record.chainIds.map((c) => this.meta.snapshot(c)?.size ?? 0);
    const config = this.configOf(record) as { history?: unknown[] };
    // the local images whose history and layers are a prefix of this one's (its parents)
    const endingAt = (entries: number, layers: number) => {
      const history = JSON.stringify((config.history ?? []).slice(0, entries));
      const chains = record.chainIds.slice(0, layers).join(" ");
      for (const other of this.meta.images()) {
        if (other.id === record.id || other.chainIds.join(" ") !== chains) continue;
        if (JSON.stringify((this.configOf(other) as { history?: unknown[] }).history ?? []) === history) return { id: other.id, tags: this.meta.refsOf(other.id).tags.map(familiarNameSafe) };
      }
      return undefined;
    };
    return imageHistory(record, config as { history?: [] }, sizes, this.meta.refsOf(record.id).tags.map(familiarNameSafe), endingAt);
  }

  /** A container's writable layer (its upper and work dirs, made when missing) and its image's layers, topmost first. */
  containerLayer(imageId: string, key: string): { upper: string; work: string; lowers: string[] } {
    return { ...this.snapshots.prepareActive(key), lowers: this.layerDirs(imageId) };
  }

  /** What a container takes from an image: its id and config (Entrypoint, Cmd, Env, User …). */
  containerDefaults(nameOrId: string): { id: string; config: ContainerDefaults } {
    const id = this.resolveId(nameOrId);
    return { id, config: parseImageConfig(this.content.readBytes(id), `image config ${id}`).config };
  }

  /** Removes a container's writable layer (made by mountsFor with its key). */
  removeContainerLayer(key: string): void {
    this.snapshotter.remove(key);
  }

  /** Reads a file of the image's merged tree (whiteouts and opaque dirs honoured), for spec-from-image. */
  fileReader(nameOrId: string): (path: string) => Buffer | undefined {
    const dirs = this.layerDirs(this.resolveId(nameOrId));
    return (path) => {
      const hit = lookupLower(dirs, path.replace(/^\/+/, ""));
      return hit?.stat.isFile() ? readFileSync(hit.path) : undefined;
    };
  }

  /**
   * Terminates the unpack workers (unpacks still running fail) and closes the database, both
   * before returning; the promise resolves once the worker threads have exited.
   */
  close(): Promise<void> {
    const exited = this.unpacker?.close();
    this.meta.close();
    return exited ?? Promise.resolve();
  }
}
