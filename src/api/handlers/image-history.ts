// GET /images/{name}/history: the image's history, newest first (docker's HistoryResponseItem).
import { endpoint } from "../endpoint.ts";
import { apiError } from "../http-error.ts";

export const history = endpoint({ query: {} }, (ctx) => {
  if (!ctx.images.history) throw apiError("failed_precondition", "API_NO_HISTORY", "this daemon's image service keeps no history", "start skiffd itself (bin/skiffd), not a test server");
  return Response.json(ctx.images.history(ctx.params.name!));
});
