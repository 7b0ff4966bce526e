// docker history (GET /images/{name}/history): the image config's history, newest first, with
// each entry that made a layer sized by that layer's unpacked snapshot, as dockerd answers it:
// the newest entry carries the image's id and tags; an older one the id and tags of the local
// image it ends, when there is one (the image a commit or build started from: dockerd follows its
// parent chain), else "<missing>".
import type { ImageRecord } from "./image-metadata.ts";

/** docker's image.HistoryResponseItem. */
export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

interface RawHistory {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** A local image whose history and layers are exactly these (the history's first `entries` entries, the first `layers` layers). */
export type ImageEndingAt = (entries: number, layers: number) => { id: string; tags: string[] } | undefined;

/** `layerSizes`: the unpacked size of each layer of the image, bottom first. */
export function imageHistory(record: ImageRecord, config: { history?: RawHistory[] }, layerSizes: readonly number[], tags: readonly string[], endingAt: ImageEndingAt = () => undefined): HistoryItem[] {
  const out: HistoryItem[] = [];
  let layer = 0;
  const history = config.history ?? [];
  history.forEach((h, i) => {
    const size = h.empty_layer ? 0 : (layerSizes[layer++] ?? 0);
    const local = i < history.length - 1 ? endingAt(i + 1, layer) : undefined;
    out.push({ Id: local?.id ?? "<missing>", Created: h.created ? Math.floor(Date.parse(h.created) / 1000) || 0 : 0, CreatedBy: h.created_by ?? "", Tags: local?.tags.length ? local.tags : null, Size: size, Comment: h.comment ?? "" });
  });
  // an image without history (some builders write none): one entry per layer
  if (!out.length) for (const size of layerSizes) out.push({ Id: "<missing>", Created: Math.floor(Date.parse(record.created) / 1000) || 0, CreatedBy: "", Tags: null, Size: size, Comment: "" });
  out.reverse();
  if (out[0]) Object.assign(out[0], { Id: record.id, Tags: tags.length ? [...tags] : null });
  return out;
}
