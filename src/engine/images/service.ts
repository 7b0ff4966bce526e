// The engine's image service: what the daemon's API (and nothing else) calls for images. The
// shapes of the results are the Docker Engine API's (v1.41), so the API layer only serializes.
// One implementation (image-service.ts, beside this file) over the content store, registry client, snapshots and
// the metadata database; tests of the API may use a fake.
import type { Readable, Writable } from "node:stream";
import type { ImageDiskUsage } from "./image-disk-usage.ts";
import type { SearchResult } from "../registry/index.ts";
import type { HistoryItem } from "./image-history.ts";

/** Per-layer progress, as docker's pull/push JSON stream reports it. */
export interface ProgressEvent {
  /** Short id of the layer (12 hex digits), or undefined for image-level lines. */
  id?: string;
  /** "Pulling fs layer", "Downloading", "Download complete", "Extracting", "Pull complete",
   * "Already exists", "Pushing", "Pushed", "Layer already exists", "Mounted from …", or an
   * image-level line ("Pulling from library/busybox", "Digest: sha256:…", "Status: …"). */
  status: string;
  current?: number;
  total?: number;
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  serveraddress?: string;
}

/** GET /images/json items. */
export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize: number;
  Labels: Record<string, string> | null;
  Containers: number;
}

/** GET /images/{name}/json: the fields of docker's ImageInspect at API 1.41 (omitempty ones only when set). */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Container: string;
  ContainerConfig: Record<string, unknown>;
  DockerVersion: string;
  Author: string;
  Config: Record<string, unknown>;
  Architecture: string;
  Variant?: string;
  Os: string;
  OsVersion?: string;
  Size: number;
  VirtualSize: number;
  GraphDriver: { Name: string; Data: Record<string, string> };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

export interface DeleteResponseItem {
  Untagged?: string;
  Deleted?: string;
}

export interface PullOptions {
  platform?: string;
  auth?: RegistryAuth;
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
}

export interface ImageService {
  /** Pulls `ref` ("busybox", "host:5000/a/b:tag", "x@sha256:…") and unpacks it into snapshots. */
  pull(ref: string, opts?: PullOptions): Promise<ImageInspect>;
  /** docker pull -a: every tag of `repository` (no tag, no digest); the tags pulled (absent in test fakes). */
  pullAllTags?(repository: string, opts?: PullOptions): Promise<string[]>;
  /** docker search (GET /images/search) on the term's registry, filtered (absent in test fakes). */
  search?(term: string, opts?: { limit?: number; filters?: Record<string, string[]>; auth?: RegistryAuth }): Promise<SearchResult[]>;
  list(opts?: { all?: boolean; filters?: Record<string, string[]>; digests?: boolean }): ImageSummary[];
  /** By name, name:tag, full or short id (sha256:… or 12+ hex digits), or name@digest; with a
   * platform, an image of another platform is not found. */
  inspect(nameOrId: string, opts?: { platform?: string }): ImageInspect;
  /** Untags; deletes the image (and what only it references) when no tag is left. */
  remove(nameOrId: string, opts?: { force?: boolean; noprune?: boolean }): DeleteResponseItem[];
  tag(source: string, repo: string, tag?: string): void;
  /** The tags of `repository` ("me/app" → ["me/app:1", "me/app:latest"]), familiar names, sorted. */
  repositoryTags(repository: string): string[];
  push(ref: string, opts?: { auth?: RegistryAuth; onProgress?: (e: ProgressEvent) => void }): Promise<{ tag: string; digest: string; size: number }>;
  /** docker save: a docker-archive tar (with an OCI layout inside, as docker 25+ writes) of the images. */
  save(names: string[], out: Writable): Promise<void>;
  /** docker load: a docker-archive or OCI layout tar. `replaced`: each loaded tag (as in `loaded`)
   * that named another image before, with that image's id (docker says it renames it). */
  load(input: Readable, onProgress?: (e: ProgressEvent) => void): Promise<{ loaded: string[]; replaced?: Record<string, string> }>;
  /** docker import: a rootfs tarball (optionally compressed) → a one-layer image. */
  importRootfs(input: Readable, opts: { repo?: string; tag?: string; message?: string; changes?: string[]; platform?: string }): Promise<ImageInspect>;
  /** Dangling images (all unused ones with all=true or filters dangling=false), narrowed by docker's
   * prune filters (until, label, label!: an unknown key is refused before anything is removed),
   * then unreferenced blobs and snapshots. */
  prune(opts?: { all?: boolean; filters?: Record<string, string[]> }): { ImagesDeleted: DeleteResponseItem[]; SpaceReclaimed: number };
  /** docker history: newest first (absent in test fakes). */
  history?(nameOrId: string): HistoryItem[];
  /** docker system df's image part: every layer's size once, each image's bytes shared with others. */
  diskUsage?(): ImageDiskUsage;
  /** Checks credentials against the registry (POST /auth). */
  login(auth: RegistryAuth): Promise<{ Status: string; IdentityToken?: string }>;
}
