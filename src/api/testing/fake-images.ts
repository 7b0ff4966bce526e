// An in-memory ImageService for tests of the API and the CLI: images by name and id, a pull that
// reports docker-like progress, and save/load as JSON so the round trip can be checked.
import { createHash } from "node:crypto";
import type { Readable, Writable } from "node:stream";
import { SkiffError } from "../../common/errors.ts";
import { filterImages, pruneSelector, type DeleteResponseItem, type ImageInspect, type ImageService, type ImageSummary, type ProgressEvent, type PullOptions, type RegistryAuth } from "../../engine/images/index.ts";

interface FakeImage {
  id: string;
  tags: string[];
  digests: string[];
  created: number;
  size: number;
  config: Record<string, unknown>;
}

const notFound = (name: string) => new SkiffError({ layer: "image", kind: "not_found", code: "IMAGE_NOT_FOUND", message: `No such image: ${name}` });
const normalize = (ref: string) => (/[:@][^/]*$/.test(ref) ? ref : `${ref}:latest`).replace(/^docker\.io\/(library\/)?/, "");
const sha = (s: string) => "sha256:" + createHash("sha256").update(s).digest("hex");

async function readAll(input: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

export class FakeImageService implements ImageService {
  readonly images: FakeImage[] = [];
  /** Refs whose pull fails ("unauthorized" style) after the first progress line. */
  failAfterStart = new Set<string>();
  logins: RegistryAuth[] = [];

  add(tag: string, opts: { size?: number; created?: number; config?: Record<string, unknown> } = {}): FakeImage {
    const img: FakeImage = { id: sha(tag + Math.random()), tags: [normalize(tag)], digests: [], created: opts.created ?? Math.floor(Date.now() / 1000) - 7200, size: opts.size ?? 4_261_234, config: opts.config ?? { Cmd: ["sh"], Env: ["PATH=/bin"] } };
    this.images.push(img);
    return img;
  }

  private find(nameOrId: string): FakeImage {
    const n = normalize(nameOrId);
    const hex = nameOrId.replace(/^sha256:/, "");
    const img = this.images.find((i) => i.tags.includes(n) || (hex.length >= 4 && /^[0-9a-f]+$/.test(hex) && i.id.slice(7).startsWith(hex)));
    if (!img) throw notFound(nameOrId);
    return img;
  }

  async pull(ref: string, opts: PullOptions = {}): Promise<ImageInspect> {
    const name = normalize(ref);
    if (/[A-Z]/.test(ref)) throw new SkiffError({ layer: "image", kind: "invalid_argument", code: "IMAGE_REFERENCE_INVALID", message: `parse reference "${ref}": repository name must be lowercase` });
    if (ref.startsWith("missing")) throw notFound(ref);
    const emit = (e: ProgressEvent) => opts.onProgress?.(e);
    const tag = name.split(":").pop()!;
    emit({ id: tag, status: `Pulling from library/${name.split(":")[0]}` });
    const layers = ["a1b2c3d4e5f6", "0123456789ab"];
    for (const id of layers) emit({ id, status: "Pulling fs layer" });
    if (this.failAfterStart.has(ref)) throw new SkiffError({ layer: "image", kind: "unavailable", code: "IMAGE_REGISTRY_UNAVAILABLE", message: `fetch "${ref}": connection reset by peer` });
    for (const id of layers) {
      for (const current of [1_000_000, 2_000_000]) emit({ id, status: "Downloading", current, total: 2_000_000 });
      emit({ id, status: "Download complete" });
      emit({ id, status: "Pull complete" });
    }
    const img = this.images.find((i) => i.tags.includes(name)) ?? this.add(name);
    emit({ status: `Digest: ${sha(name)}` });
    emit({ status: `Status: Downloaded newer image for ${name}` });
    return this.inspect(img.id);
  }

  list(opts: { all?: boolean; filters?: Record<string, string[]>; digests?: boolean } = {}): ImageSummary[] {
    const summaries = this.images.map((i) => ({ Id: i.id, ParentId: "", RepoTags: i.tags, RepoDigests: i.digests, Created: i.created, Size: i.size, SharedSize: -1, VirtualSize: i.size, Labels: (i.config.Labels as Record<string, string> | undefined) ?? null, Containers: -1 }));
    return filterImages(summaries, opts.filters ?? {}, { createdOf: (name) => this.find(name).created });
  }

  inspect(nameOrId: string): ImageInspect {
    const i = this.find(nameOrId);
    return {
      Id: i.id, RepoTags: i.tags, RepoDigests: i.digests, Parent: "", Comment: "", Created: new Date(i.created * 1000).toISOString(), Container: "", ContainerConfig: {}, DockerVersion: "",
      Author: "", Config: i.config, Architecture: "amd64", Os: "linux", Size: i.size, VirtualSize: i.size,
      GraphDriver: { Name: "overlay2", Data: {} }, RootFS: { Type: "layers", Layers: [sha(i.id)] }, Metadata: { LastTagTime: "" },
    };
  }

  remove(nameOrId: string, opts: { force?: boolean } = {}): DeleteResponseItem[] {
    const img = this.find(nameOrId);
    const n = normalize(nameOrId);
    if (img.tags.includes(n) && (img.tags.length > 1 || !opts.force)) {
      img.tags = img.tags.filter((t) => t !== n);
      if (img.tags.length) return [{ Untagged: n }];
      this.images.splice(this.images.indexOf(img), 1);
      return [{ Untagged: n }, { Deleted: img.id }];
    }
    if (img.tags.length > 1 && !opts.force)
      throw new SkiffError({ layer: "image", kind: "conflict", code: "IMAGE_REFERENCED", message: `conflict: unable to delete ${img.id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories` });
    this.images.splice(this.images.indexOf(img), 1);
    return [...img.tags.map((t) => ({ Untagged: t })), { Deleted: img.id }];
  }

  tag(source: string, repo: string, tag = "latest"): void {
    const img = this.find(source);
    const ref = normalize(`${repo}:${tag}`);
    for (const other of this.images) other.tags = other.tags.filter((t) => t !== ref);
    img.tags.push(ref);
  }

  repositoryTags(repository: string): string[] {
    const repo = normalize(repository).replace(/:latest$/, "");
    return this.images.flatMap((i) => i.tags.filter((t) => t.replace(/:[^:/]+$/, "") === repo)).sort();
  }

  async push(ref: string, opts: { onProgress?: (e: ProgressEvent) => void } = {}): Promise<{ tag: string; digest: string; size: number }> {
    const img = this.find(ref);
    opts.onProgress?.({ status: `The push refers to repository [${normalize(ref).split(":")[0]}]` });
    opts.onProgress?.({ id: "a1b2c3d4e5f6", status: "Pushed" });
    return { tag: normalize(ref).split(":").pop()!, digest: sha(img.id), size: 527 };
  }

  async save(names: string[], out: Writable): Promise<void> {
    out.write(JSON.stringify(names.map((n) => this.find(n))));
  }

  async load(input: Readable): Promise<{ loaded: string[] }> {
    const imgs = JSON.parse((await readAll(input)).toString()) as FakeImage[];
    for (const img of imgs) if (!this.images.some((i) => i.id === img.id)) this.images.push(img);
    return { loaded: imgs.flatMap((i) => i.tags) };
  }

  async importRootfs(input: Readable, opts: { repo?: string; tag?: string; message?: string; changes?: string[] }): Promise<ImageInspect> {
    const bytes = await readAll(input);
    const img: FakeImage = { id: sha(bytes.toString("latin1")), tags: opts.repo ? [normalize(`${opts.repo}:${opts.tag ?? "latest"}`)] : [], digests: [], created: Math.floor(Date.now() / 1000), size: bytes.length, config: { Changes: opts.changes ?? [], Comment: opts.message ?? "" } };
    this.images.push(img);
    return this.inspect(img.id);
  }

  prune(opts: { all?: boolean; filters?: Record<string, string[]> } = {}): { ImagesDeleted: DeleteResponseItem[]; SpaceReclaimed: number } {
    const select = pruneSelector(opts.all ? { ...opts.filters, dangling: ["false"] } : (opts.filters ?? {}));
    const gone = this.images.filter((i) => (!select.danglingOnly || i.tags.length === 0) && select.matches({ created: i.created, labels: (i.config.Labels as Record<string, string> | undefined) ?? null }));
    for (const g of gone) this.images.splice(this.images.indexOf(g), 1);
    return { ImagesDeleted: gone.map((g) => ({ Deleted: g.id })), SpaceReclaimed: gone.reduce((n, g) => n + g.size, 0) };
  }

  async login(auth: RegistryAuth): Promise<{ Status: string; IdentityToken?: string }> {
    if (auth.password === "wrong") throw new SkiffError({ layer: "image", kind: "invalid_argument", code: "IMAGE_REGISTRY_UNAUTHORIZED", message: `login to "${auth.serveraddress}": unauthorized: incorrect username or password` });
    this.logins.push(auth);
    return { Status: "Login Succeeded" };
  }
}
