// The volume routes: list (filters), create, inspect, remove (force), prune, as dockerd answers
// them: 201 with the volume for a create, 204 for a removal, 404 "get NAME: no such volume", 409
// for a volume in use.
import type { VolumeService } from "../../engine/volumes/index.ts";
import { endpoint, q } from "../endpoint.ts";
import { apiError } from "../http-error.ts";
import { object, optional, record, string } from "../schema.ts";
import { volumeJson } from "../wire/volume-json.ts";
import type { HandlerContext } from "./context.ts";
import { filtersQuery } from "./params.ts";

/** The volume service; a server made for image-only tests has none, so no volume (lookups are 404s, as before). */
function volumesOf(ctx: HandlerContext, lookup?: string): VolumeService {
  if (ctx.containers) return ctx.containers.volumes.service;
  if (lookup !== undefined) throw apiError("not_found", "API_VOLUME_NOT_FOUND", `get ${lookup}: no such volume`, "this server serves no volumes");
  throw apiError("failed_precondition", "API_NO_VOLUMES", "this daemon serves no volumes", "start skiffd itself (bin/skiffd), not a test server");
}

const labels = () => optional(record(string({ maxLength: 65536 }), { maxEntries: 4096 }));

/** docker's VolumeCreateOptions (ClusterVolumeSpec, for swarm, is not read). */
export const volumeCreateBody = object({
  Name: optional(string({ maxLength: 255 })),
  Driver: optional(string({ maxLength: 255 })),
  DriverOpts: labels(),
  Labels: labels(),
});

export const list = endpoint({ query: { filters: filtersQuery } }, (ctx, { query }) => Response.json({ Volumes: volumesOf(ctx).list(query.filters).map(volumeJson), Warnings: null }));

export const create = endpoint({ query: {}, body: { kind: "json", schema: volumeCreateBody, maxBytes: 1 << 20, empty: {} } }, (ctx, { body }) => {
  // (one made here without a name is not anonymous: as docker 23+, only a container makes those)
  const v = volumesOf(ctx).create({ name: body.Name, driver: body.Driver, options: body.DriverOpts ?? null, labels: body.Labels ?? null, anonymous: false });
  return Response.json(volumeJson(v), { status: 201 });
});

export const inspect = endpoint({ query: {} }, (ctx) => Response.json(volumeJson(volumesOf(ctx, ctx.params.name!).inspect(ctx.params.name!))));

export const remove = endpoint({ query: { force: q.bool() } }, (ctx, { query }) => {
  volumesOf(ctx, ctx.params.name!).remove(ctx.params.name!, { force: query.force });
  return new Response(null, { status: 204 });
});

export const prune = endpoint({ query: { filters: filtersQuery } }, (ctx, { query }) => {
  const { deleted, reclaimed } = volumesOf(ctx).prune(query.filters);
  ctx.containers?.events.log.emit("volume", "prune", "", { reclaimed: String(reclaimed) }); // dockerd's, after each prune
  return Response.json({ VolumesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
});
