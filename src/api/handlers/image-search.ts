// GET /images/search: docker search through the daemon (term, limit, filters is-official,
// is-automated and stars), answered as dockerd does: a JSON list of the registry's results.
import { endpoint, q } from "../endpoint.ts";
import { apiError } from "../http-error.ts";
import { filtersQuery, registryAuth } from "./params.ts";

export const search = endpoint({ query: { term: q.string({ maxLength: 1024 }), limit: q.int(), filters: filtersQuery } }, async (ctx, { query }) => {
  if (!query.term) throw apiError("invalid_argument", "API_SEARCH_TERM_MISSING", "search: the term is missing", "pass ?term=NAME (or REGISTRY/NAME)");
  if (!ctx.images.search) throw apiError("unavailable", "API_SEARCH_UNAVAILABLE", "search: this daemon's image service cannot search", "search through a skiffd with its image store");
  return Response.json(await ctx.images.search(query.term, { limit: query.limit, filters: query.filters, auth: registryAuth(ctx.req) }));
});
