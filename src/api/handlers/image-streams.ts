// The image routes that stream: pull and import (POST /images/create), push, save and load.
import { PassThrough, Readable } from "node:stream";
import { apiError } from "../http-error.ts";
import { isSkiffError } from "../../common/errors.ts";
import { fetchFollowingHops, MAX_REDIRECTS } from "../../common/url-hop.ts";
import { familiarName as familiar, parseReference } from "../../oci/image/reference.ts";
import type { ProgressEvent } from "../../engine/images/index.ts";
import { jsonStream, progressMessage } from "../json-stream.ts";
import type { HandlerContext } from "./context.ts";
import { registryAuth } from "./params.ts";
import { endpoint, q, type Checked } from "../endpoint.ts";

const createQuery = {
  fromImage: q.string({ maxLength: 1024 }),
  fromSrc: q.string({ maxLength: 8192 }),
  repo: q.string({ maxLength: 1024 }),
  tag: q.string(),
  message: q.string({ maxLength: 65536 }),
  changes: q.list({ maxItems: 256, maxLength: 65536 }),
  platform: q.string(),
};
type CreateQuery = Checked<typeof createQuery, undefined>["query"];

/** POST /images/create: ?fromImage= pulls, ?fromSrc=- imports the request body. */
export const create = endpoint({ query: createQuery, body: { kind: "stream" } }, (ctx, { query }) => {
  if (query.fromImage) return pull(ctx, query.fromImage, query.tag ?? "", query.platform);
  if (query.fromSrc === "-") return importBody(ctx, query, bodyStream(ctx.req));
  if (query.fromSrc) return importUrl(ctx, query, query.fromSrc);
  throw apiError("invalid_argument", "API_CREATE_SOURCE_MISSING", "create image: neither fromImage nor fromSrc is given", "pass ?fromImage=NAME&tag=TAG");
});

/** "busybox" + "latest" → "busybox:latest"; a digest as the tag → "busybox@sha256:…". */
export function pullReference(fromImage: string, tag: string): string {
  if (!tag) return fromImage;
  return tag.includes(":") ? `${fromImage}@${tag}` : `${fromImage}:${tag}`;
}

/** A pull; a repository named without tag or digest, and no tag given, pulls all its tags (docker pull -a). */
function pull(ctx: HandlerContext, fromImage: string, tag: string, platform: string | undefined): Promise<Response> {
  const ref = pullReference(fromImage, tag);
  const auth = registryAuth(ctx.req);
  const abort = new AbortController();
  ctx.req.signal?.addEventListener("abort", () => abort.abort());
  const all = !tag && ctx.images.pullAllTags && namesRepositoryOnly(fromImage);
  return jsonStream(async (emit) => {
    const opts = { platform, auth, signal: abort.signal, onProgress: (e: ProgressEvent) => emit(progressMessage(e)) };
    if (all) await ctx.images.pullAllTags!(ref, opts);
    else await ctx.images.pull(ref, opts);
  });
}

/** "busybox", "host:5000/a/b": no tag, no digest (a malformed name is the pull's to refuse). */
function namesRepositoryOnly(name: string): boolean {
  try {
    const r = parseReference(name, { defaultTag: false });
    return r.tag === undefined && r.digest === undefined;
  } catch {
    return false;
  }
}

function importBody(ctx: HandlerContext, q: CreateQuery, body: Readable | (() => Promise<Readable>)): Promise<Response> {
  return jsonStream(async (emit) => {
    const input = typeof body === "function" ? await body() : body;
    const image = await ctx.images.importRootfs(input, { repo: q.repo, tag: q.tag, message: q.message, changes: q.changes, platform: q.platform });
    emit({ status: image.Id });
  });
}

/** fromSrc=URL: the daemon downloads the tarball, as docker's (a URL without a scheme is http). */
function importUrl(ctx: HandlerContext, q: CreateQuery, src: string): Promise<Response> {
  const url = src.includes("://") ? src : `http://${src}`;
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url))
    throw apiError("invalid_argument", "API_IMPORT_SOURCE_INVALID", `import from "${src}": not an http(s) URL`, "give http://… or https://…, or send the tarball as the request body (fromSrc=-)");
  return importBody(ctx, q, async () => {
    let res: Response;
    try {
      res = await fetchFollowingHops(url, {
        signal: ctx.req.signal,
        refuse: (why) => apiError("invalid_argument", "API_IMPORT_SOURCE_INVALID", `import from "${url}": the server ${why}`, "skiffd downloads only http and https URLs and follows no redirect from https to plain http"),
        tooMany: () => apiError("unavailable", "API_IMPORT_DOWNLOAD_FAILED", `import from "${url}": more than ${MAX_REDIRECTS} redirects`, "check the URL"),
      });
    } catch (e) {
      if (isSkiffError(e)) throw e;
      throw apiError("unavailable", "API_IMPORT_DOWNLOAD_FAILED", `import from "${url}": ${(e as Error).message}`, "check the URL and that the daemon's host can reach it");
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw apiError(res.status === 404 ? "not_found" : "unavailable", "API_IMPORT_DOWNLOAD_FAILED", `import from "${url}": HTTP ${res.status} ${res.statusText}`.trimEnd(), "check the URL");
    }
    return Readable.fromWeb(res.body as import("node:stream/web").ReadableStream);
  });
}

/** "docker.io/sk/legacy:2" → "sk/legacy:2", as docker prints names; anything else as it is. */
function familiarName(name: string): string {
  try {
    return familiar(name);
  } catch {
    return name;
  }
}

/** POST /images/{name}/push: with ?tag= that tag; without, every tag of the repository (docker's push -a). */
export const push = endpoint({ query: { tag: q.string(), platform: q.string() } }, (ctx, { query }) => {
  const tag = query.tag ?? "";
  const auth = registryAuth(ctx.req);
  const name = ctx.params.name!;
  let refs = [tag ? `${name}:${tag}` : name];
  if (!tag) {
    const ref = parseReference(name, { defaultTag: false });
    if (ref.tag === undefined && ref.digest === undefined) {
      refs = ctx.images.repositoryTags(name);
      if (!refs.length) throw apiError("not_found", "API_PUSH_NO_TAGS", `An image does not exist locally with the tag: ${name}`, `tag one first: skiff tag IMAGE ${name}:TAG`);
    }
  }
  return jsonStream(async (emit) => {
    let announced = false;
    for (const ref of refs) {
      let summarized = false;
      const onProgress = (e: ProgressEvent) => {
        // one "The push refers to repository" for all the tags, as docker
        if (e.status.startsWith("The push refers to repository")) {
          if (announced) return;
          announced = true;
        }
        summarized ||= / digest: sha256:/.test(e.status);
        emit(progressMessage(e));
      };
      const result = await ctx.images.push(ref, { auth, onProgress });
      if (!summarized) emit({ status: `${result.tag}: digest: ${result.digest} size: ${result.size}` });
      emit({ progressDetail: {}, aux: { Tag: result.tag, Digest: result.digest, Size: result.size } });
    }
  });
});

/** GET /images/get?names=… and /images/{name}/get: unknown names fail with 404 before any byte. A
 * repository without a tag ("me/app") is every tag of it, as docker saves it. */
export const save = endpoint({ query: { names: q.list({ maxItems: 1000, maxLength: 1024 }), platform: q.string() } }, (ctx, { query }) => {
  const names = ctx.params.name ? [ctx.params.name] : query.names;
  if (!names.length) throw apiError("invalid_argument", "API_SAVE_NAMES_MISSING", "save images: no image named", "pass ?names=NAME");
  for (const n of names) if (!(namesRepositoryOnly(n) && ctx.images.repositoryTags(n).length)) ctx.images.inspect(n);
  const out = new PassThrough();
  ctx.images.save(names, out).then(
    () => out.end(),
    (e: unknown) => out.destroy(e instanceof Error ? e : new Error(String(e))),
  );
  return new Response(Readable.toWeb(out) as ReadableStream, { headers: { "Content-Type": "application/x-tar" } });
});

export const load = endpoint({ query: { quiet: q.bool(), platform: q.string() }, body: { kind: "stream" } }, (ctx, { query }) => {
  const quiet = query.quiet;
  const body = bodyStream(ctx.req);
  return jsonStream(async (emit) => {
    // "Loaded image" lines go out once, as docker's {"stream"} lines, whoever reports them.
    const onProgress = (e: ProgressEvent) => void (quiet || e.status.startsWith("Loaded image") || emit(progressMessage(e)));
    const result = await ctx.images.load(body, onProgress);
    for (const name of new Set(result.loaded)) {
      if (/^sha256:/.test(name)) {
        emit({ stream: `Loaded image ID: ${name}\n` });
        continue;
      }
      // docker's words (sic: the old image keeps its id and loses this tag), quiet or not
      const old = result.replaced?.[name];
      if (old) emit({ stream: `The image ${familiarName(name)} already exists, renaming the old one with ID ${old} to empty string\n` });
      emit({ stream: `Loaded image: ${familiarName(name)}\n` });
    }
  });
});

function bodyStream(req: Request): Readable {
  if (!req.body) return Readable.from([]);
  return Readable.fromWeb(req.body as import("node:stream/web").ReadableStream);
}
