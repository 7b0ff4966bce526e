// The container routes that answer with one document (or none): create, list, inspect, start,
// stop, restart, kill, pause, unpause, rename, remove, resize, prune, update. docker's statuses:
// 201 for create, 204 for the verbs, 304 for a start or stop that had nothing to do.
import type { ContainerService } from "../../engine/containers/index.ts";
import { endpoint, q } from "../endpoint.ts";
import { apiError } from "../http-error.ts";
import { containerCreateBody } from "../wire/container-create.ts";
import { containerJson, containerSummary } from "../wire/container-json.ts";
import { mapCreateBody } from "../wire/container-options.ts";
import { containerUpdateBody, mapUpdateBody } from "../wire/container-update.ts";
import type { HandlerContext } from "./context.ts";
import { filterContainers } from "./container-filters.ts";
import { containerSizes } from "./container-sizes.ts";
import { filtersQuery } from "./params.ts";
import { containerNetworks } from "./networks.ts";

export function containersOf(ctx: HandlerContext): ContainerService {
  if (!ctx.containers) throw apiError("failed_precondition", "API_NO_CONTAINERS", "this daemon serves no containers", "start skiffd itself (bin/skiffd), not a test server");
  return ctx.containers;
}

const noContent = () => new Response(null, { status: 204 });
const notModified = () => new Response(null, { status: 304 });

export const create = endpoint(
  { query: { name: q.string({ maxLength: 255 }), platform: q.string() }, body: { kind: "json", schema: containerCreateBody, maxBytes: 8 << 20 } },
  (ctx, { query, body }) => {
    const mapped = mapCreateBody(body, () => containersOf(ctx).blkioSupport());
    // as dockerd: an image of another platform than the one asked for is not there (404: docker's
    // CLI then pulls it for that platform)
    if (query.platform) ctx.images.inspect(mapped.image, { platform: query.platform });
    const r = containersOf(ctx).create({ image: mapped.image, name: query.name, options: mapped.options });
    return Response.json({ Id: r.id, Warnings: mapped.warnings }, { status: 201 });
  },
);

export const list = endpoint({ query: { all: q.bool(), limit: q.int({ min: -1 }), size: q.bool(), filters: filtersQuery } }, (ctx, { query }) => {
  const networks = containerNetworks(ctx);
  const imageId = (ref: string) => {
    try {
      return ctx.images.inspect(ref).Id;
    } catch {
      return undefined; // (no such image: no container has it)
    }
  };
  let records = filterContainers(containersOf(ctx).list(), query.filters, { networks, imageId });
  const limit = query.limit !== undefined && query.limit > 0 ? query.limit : undefined;
  if (!query.all && limit === undefined && !query.filters.status && !query.filters.exited) records = records.filter((r) => r.state.status === "running" || r.state.status === "paused" || r.state.status === "restarting");
  if (limit !== undefined) records = records.slice(0, limit);
  const now = Date.now();
  const sizes = query.size ? containerSizes(ctx) : undefined;
  return Response.json(records.map((r) => ({ ...containerSummary(r, now, networks(r.id)), ...sizes?.(r) })));
});

export const inspect = endpoint({ query: { size: q.bool() } }, (ctx, { query }) => {
  const r = containersOf(ctx).inspect(ctx.params.id!);
  return Response.json({ ...containerJson(r, containerNetworks(ctx)(r.id)), ...(query.size ? containerSizes(ctx)(r) : {}) });
});

export const start = endpoint({ query: { detachKeys: q.string({ maxLength: 64 }) } }, async (ctx) => ((await containersOf(ctx).start(ctx.params.id!)) === "already" ? notModified() : noContent()));

const stopQuery = { t: q.int({ min: -1 }), signal: q.string({ maxLength: 32 }) };

export const stop = endpoint({ query: stopQuery }, async (ctx, { query }) => ((await containersOf(ctx).stop(ctx.params.id!, query.t, query.signal)) === "already" ? notModified() : noContent()));

export const restart = endpoint({ query: stopQuery }, async (ctx, { query }) => {
  await containersOf(ctx).restart(ctx.params.id!, query.t);
  return noContent();
});

export const kill = endpoint({ query: { signal: q.string({ maxLength: 32 }) } }, async (ctx, { query }) => {
  await containersOf(ctx).kill(ctx.params.id!, query.signal ?? "SIGKILL");
  return noContent();
});

export const pause = endpoint({ query: {} }, async (ctx) => {
  await containersOf(ctx).pause(ctx.params.id!);
  return noContent();
});

export const unpause = endpoint({ query: {} }, async (ctx) => {
  await containersOf(ctx).unpause(ctx.params.id!);
  return noContent();
});

export const rename = endpoint({ query: { name: q.string({ maxLength: 255 }) } }, (ctx, { query }) => {
  if (!query.name) throw apiError("invalid_argument", "API_RENAME_NAME_MISSING", "rename: the new name is missing", "pass ?name=NEW");
  containersOf(ctx).rename(ctx.params.id!, query.name);
  return noContent();
});

export const remove = endpoint({ query: { v: q.bool(), force: q.bool(), link: q.bool() } }, async (ctx, { query }) => {
  if (query.link) throw apiError("invalid_argument", "API_LINKS_UNSUPPORTED", "Conflict, cannot remove the default link name of the container", "skiffd has no links");
  await containersOf(ctx).remove(ctx.params.id!, { force: query.force, volumes: query.v });
  return noContent();
});

export const resize = endpoint({ query: { h: q.int({ min: 0, max: 65535 }), w: q.int({ min: 0, max: 65535 }) } }, async (ctx, { query }) => {
  await containersOf(ctx).resize(ctx.params.id!, query.h ?? 0, query.w ?? 0);
  return new Response(null, { status: 200 });
});

export const prune = endpoint({ query: { filters: filtersQuery } }, async (ctx, { query }) => {
  const svc = containersOf(ctx);
  const deleted: string[] = [];
  let reclaimed = 0;
  for (const r of filterContainers(svc.list(), query.filters, { prune: true })) {
    if (r.state.status === "running" || r.state.status === "paused" || r.state.status === "restarting") continue;
    // dockerd reports the writable layers it removed
    reclaimed += svc.sizeRw(r.id);
    await svc.remove(r.id);
    deleted.push(r.id);
  }
  svc.events.log.emit("container", "prune", "", { reclaimed: String(reclaimed) }); // dockerd's, after each prune
  return Response.json({ ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
});

/** docker update: new limits and restart policy; docker's answer carries warnings (none here). */
export const update = endpoint({ query: {}, body: { kind: "json", schema: containerUpdateBody, maxBytes: 1 << 20 } }, async (ctx, { body }) => {
  await containersOf(ctx).update(ctx.params.id!, mapUpdateBody(body));
  return Response.json({ Warnings: [] });
});
