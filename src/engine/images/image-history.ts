// docker history (GET /images/{name}/history): the image config's history, newest first, with
// each entry that made a layer sized by that layer's unpacked snapshot, as dockerd answers it:
// the newest entry carries the image's id and tags, the older ones "<missing>" (their images are
// not stored on their own here: they were pulled, loaded or committed as part of this one).
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

/** `layerSizes`: the unpacked size of each layer of the image, bottom first. */
export function imageHistory(record: ImageRecord, config: { history?: RawHistory[] }, layerSizes: readonly number[], tags: readonly string[]): HistoryItem[] {
  const out: HistoryItem[] = [];
  let layer = 0;
  for (const h of config.history ?? []) {
    const size = h.empty_layer ? 0 : (layerSizes[layer++] ?? 0);
    out.push({ Id: "<missing>", Created: h.created ? Math.floor(Date.parse(h.created) / 1000) || 0 : 0, CreatedBy: h.created_by ?? "", Tags: null, Size: size, Comment: h.comment ?? "" });
  }
  // an image without history (some builders write none): one entry per layer
  if (!out.length) for (const size of layerSizes) out.push({ Id: "<missing>", Created: Math.floor(Date.parse(record.created) / 1000) || 0, CreatedBy: "", Tags: null, Size: size, Comment: "" });
  out.reverse();
  if (out[0]) Object.assign(out[0], { Id: record.id, Tags: tags.length ? [...tags] : null });
  return out;
}
