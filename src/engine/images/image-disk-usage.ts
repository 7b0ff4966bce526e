// docker system df's image part: the size of every layer counted once (LayersSize), and for each
// image the bytes of its layers that another image uses too (SharedSize): removing the image
// frees its Size less its SharedSize.
export interface ImageDiskUsage {
  layersSize: number;
  /** By image id. */
  sharedSize: Record<string, number>;
}

export interface DiskUsageSource {
  images(): { id: string; chainIds: string[] }[];
  snapshots(): { chainId: string; size: number }[];
}

export function imageDiskUsage(meta: DiskUsageSource): ImageDiskUsage {
  const size = new Map(meta.snapshots().map((s) => [s.chainId, s.size]));
  const images = meta.images();
  const users = new Map<string, number>();
  for (const img of images) for (const c of new Set(img.chainIds)) users.set(c, (users.get(c) ?? 0) + 1);
  let layersSize = 0;
  for (const c of users.keys()) layersSize += size.get(c) ?? 0;
  const sharedSize = Object.fromEntries(images.map((img) => [img.id, [...new Set(img.chainIds)].filter((c) => (users.get(c) ?? 0) > 1).reduce((a, c) => a + (size.get(c) ?? 0), 0)]));
  return { layersSize, sharedSize };
}
