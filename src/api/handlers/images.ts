// The image routes that answer with one JSON document: list, inspect, delete, tag, prune.
import { endpoint, q } from "../endpoint.ts";
import { apiError } from "../http-error.ts";
import { filtersQuery } from "./params.ts";

export const list = endpoint({ query: { all: q.bool(), digests: q.bool(), filters: filtersQuery, "shared-size": q.bool() } }, (ctx, { query }) =>
  Response.json(ctx.images.list({ all: query.all, digests: query.digests, filters: query.filters })),
);

export const inspect = endpoint({ query: { platform: q.string() } }, (ctx, { query }) => Response.json(ctx.images.inspect(ctx.params.name!, { platform: query.platform })));

export const remove = endpoint({ query: { force: q.bool(), noprune: q.bool() } }, (ctx, { query }) =>
  Response.json(ctx.images.remove(ctx.params.name!, { force: query.force, noprune: query.noprune })),
);

export const tag = endpoint({ query: { repo: q.string({ maxLength: 1024 }), tag: q.string() } }, (ctx, { query }) => {
  if (!query.repo) throw apiError("invalid_argument", "API_TAG_REPO_MISSING", `tag "${ctx.params.name}": the repository is missing`, "pass ?repo=NAME&tag=TAG");
  ctx.images.tag(ctx.params.name!, query.repo, query.tag);
  return new Response(null, { status: 201 });
});

/** POST /images/prune: docker's filters (dangling, until, label, label!); any other key is a 400 before anything is removed. */
export const prune = endpoint({ query: { filters: filtersQuery } }, (ctx, { query }) => {
  const result = ctx.images.prune({ filters: query.filters });
  return Response.json({ ImagesDeleted: result.ImagesDeleted.length ? result.ImagesDeleted : null, SpaceReclaimed: result.SpaceReclaimed });
});
