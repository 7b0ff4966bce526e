// docker system df's rows from GET /system/df, computed as docker's CLI computes them
// (cli/command/formatter/disk_usage.go): per type the count, the active ones (images with a
// container, containers running, paused or restarting, volumes with a user), the size (images:
// every layer once) and what a prune would reclaim with its integer percentage of the size.
import type { ContainerSummary } from "../../api/client-containers.ts";
import type { ImageSummary } from "../../api/client.ts";
import { humanSize } from "../../api/units.ts";

export interface DiskUsage {
  LayersSize?: number;
  Images?: ImageSummary[] | null;
  Containers?: ContainerSummary[] | null;
  Volumes?: { Name: string; UsageData?: { Size: number; RefCount: number } | null }[] | null;
  BuildCache?: { ID: string; Size: number; InUse: boolean; Shared: boolean }[] | null;
}

export interface DiskUsageRow {
  Active: string;
  Reclaimable: string;
  Size: string;
  TotalCount: string;
  Type: string;
}

export const DF_HEADERS: Record<keyof DiskUsageRow, string> = { Active: "ACTIVE", Reclaimable: "RECLAIMABLE", Size: "SIZE", TotalCount: "TOTAL", Type: "TYPE" };
export const DEFAULT_DF_FORMAT = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";

const size = (n: number) => humanSize(n);
/** "1.2MB (40%)": the percentage an integer, as Go's int64 division gives it; none when the total is 0. */
const reclaimable = (r: number, total: number) => (total > 0 ? `${size(r)} (${Math.trunc((r * 100) / total)}%)` : size(r));

export const isActiveContainer = (c: ContainerSummary) => ["running", "paused", "restarting"].some((s) => (c.State ?? "").includes(s));

export function diskUsageRows(du: DiskUsage): DiskUsageRow[] {
  const images = du.Images ?? [];
  const containers = du.Containers ?? [];
  const volumes = du.Volumes ?? [];
  const cache = du.BuildCache ?? [];
  const layers = du.LayersSize ?? 0;
  const imagesUsed = images.filter((i) => i.Containers > 0).reduce((a, i) => (i.Size === -1 || i.SharedSize === -1 ? a : a + i.Size - i.SharedSize), 0);
  const ctrTotal = containers.reduce((a, c) => a + (c.SizeRw ?? 0), 0);
  const ctrFree = containers.filter((c) => !isActiveContainer(c)).reduce((a, c) => a + (c.SizeRw ?? 0), 0);
  const volSize = (v: (typeof volumes)[number]) => (v.UsageData && v.UsageData.Size !== -1 ? v.UsageData.Size : 0);
  const volTotal = volumes.reduce((a, v) => a + volSize(v), 0);
  const volFree = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) === 0).reduce((a, v) => a + volSize(v), 0);
  const cacheTotal = cache.reduce((a, c) => a + (c.Shared ? 0 : c.Size), 0);
  const cacheFree = cache.filter((c) => !c.InUse && !c.Shared).reduce((a, c) => a + c.Size, 0);
  return [
    { Type: "Images", TotalCount: String(images.length), Active: String(images.filter((i) => i.Containers > 0).length), Size: size(layers), Reclaimable: reclaimable(layers - imagesUsed, layers) },
    { Type: "Containers", TotalCount: String(containers.length), Active: String(containers.filter(isActiveContainer).length), Size: size(ctrTotal), Reclaimable: reclaimable(ctrFree, ctrTotal) },
    { Type: "Local Volumes", TotalCount: String(volumes.length), Active: String(volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length), Size: size(volTotal), Reclaimable: reclaimable(volFree, volTotal) },
    { Type: "Build Cache", TotalCount: String(cache.length), Active: String(cache.filter((c) => c.InUse).length), Size: size(cacheTotal), Reclaimable: size(cacheFree) },
  ];
}
