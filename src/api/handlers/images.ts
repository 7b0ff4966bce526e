// The image routes that answer with one JSON document: list, inspect, delete, tag, prune.
import { apiError } from "../http-error.ts";
import { boolParam, filtersParam, type HandlerContext } from "./context.ts";

export function list(ctx: HandlerContext): Response {
  const { url } = ctx;
  return Response.json(ctx.images.list({ all: boolParam(url, "all"), digests: boolParam(url, "digests"), filters: filtersParam(url) }));
}

export function inspect(ctx: HandlerContext): Response {
  return Response.json(ctx.images.inspect(ctx.params.name!, { platform: ctx.url.searchParams.get("platform") || undefined }));
}

export function remove(ctx: HandlerContext): Response {
  const { url } = ctx;
  return Response.json(ctx.images.remove(ctx.params.name!, { force: boolParam(url, "force"), noprune: boolParam(url, "noprune") }));
}

export function tag(ctx: HandlerContext): Response {
  const repo = ctx.url.searchParams.get("repo");
  if (!repo) throw apiError("invalid_argument", "API_TAG_REPO_MISSING", `tag "${ctx.params.name}": the repository is missing`, "pass ?repo=NAME&tag=TAG");
  ctx.images.tag(ctx.params.name!, repo, ctx.url.searchParams.get("tag") || undefined);
  return new Response(null, { status: 201 });
}

/** POST /images/prune: docker's filters (dangling, until, label, label!); any other key is a 400 before anything is removed. */
export function prune(ctx: HandlerContext): Response {
  const result = ctx.images.prune({ filters: filtersParam(ctx.url) });
  return Response.json({ ImagesDeleted: result.ImagesDeleted.length ? result.ImagesDeleted : null, SpaceReclaimed: result.SpaceReclaimed });
}
