// GET /system/df: docker's disk usage at API 1.41: LayersSize (every image layer once), the images
// with their Containers count and SharedSize, the containers with SizeRw (their writable layer)
// and SizeRootFs, the volumes with UsageData (size and how many containers use each), and no
// build cache (skiffd builds nothing).
import { endpoint } from "../endpoint.ts";
import { containerSummary } from "../wire/container-json.ts";
import { directorySize } from "../../common/directory-size.ts";
import { volumeJson } from "../wire/volume-json.ts";
import { containerSizes } from "./container-sizes.ts";
import type { HandlerContext } from "./context.ts";

export const df = endpoint({ query: {} }, (ctx: HandlerContext) => {
  const records = ctx.containers?.list() ?? [];
  const usage = ctx.images.diskUsage?.() ?? { layersSize: 0, sharedSize: {} };
  const users = new Map<string, number>();
  for (const r of records) users.set(r.imageId, (users.get(r.imageId) ?? 0) + 1);
  const images = ctx.images.list({ all: true }).map((i) => ({ ...i, SharedSize: usage.sharedSize[i.Id] ?? 0, Containers: users.get(i.Id) ?? 0 }));
  const now = Date.now();
  const sizes = containerSizes(ctx);
  const containers = records.map((r) => ({ ...containerSummary(r, now), ...sizes(r) }));
  const volumeService = ctx.containers?.volumes.service;
  const refs = volumeService?.store.usage() ?? new Map<string, number>();
  const volumes = (volumeService?.list() ?? []).map((v) => ({ ...volumeJson(v), UsageData: { RefCount: refs.get(v.name) ?? 0, Size: directorySize(v.mountpoint) } }));
  return Response.json({ LayersSize: usage.layersSize, Images: images, Containers: containers, Volumes: volumes, BuildCache: [] });
});
