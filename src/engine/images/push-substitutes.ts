// Which blob a layer is pushed as. docker's push remembers, per registry, the compressed blob each
// layer (its diffID) was pulled from or pushed as (its v2 metadata service) and checks that blob
// before uploading its own, so a layer the registry has under another compression is "Layer already
// exists" rather than uploaded again. skiff reads the same knowledge from what it keeps: the local
// images referenced in a repository of the registry (a pull and a push record a reference) hold
// their layers' blobs, aligned with their configs' diffIDs; a layer of the image to push whose
// diffID such a gzip blob has goes as that blob, which the store holds: the registry answers that it
// exists (or it is mounted from that repository, or at worst uploaded, the same content as before).
// Pure: the caller reads manifests, configs and blob heads.

export interface Layer {
  mediaType: string;
  digest: string;
  size: number;
}

export interface KnownImage {
  /** The manifest's layers, in order. */
  layers: readonly Layer[];
  /** The config's rootfs.diff_ids, aligned with layers. */
  diffIds: readonly string[];
  /** Whether a reference of it names a repository of the registry pushed to. */
  onRegistry: boolean;
}

/** `substitute(layer)`: the known blob of the same diffID to push instead, or undefined. `isGzip`
 * tells a blob whose bytes are gzip (a layer typed uncompressed may hold compressed bytes). */
export function pushSubstitutes(pushed: KnownImage, images: readonly KnownImage[], isGzip: (l: Layer) => boolean): (layer: Layer) => Layer | undefined {
  const diffOf = new Map<string, string>();
  pushed.layers.forEach((l, i) => pushed.diffIds[i] && diffOf.set(l.digest, pushed.diffIds[i]!));
  const known = new Map<string, Layer>();
  for (const img of images) {
    if (!img.onRegistry || img.layers.length !== img.diffIds.length) continue;
    img.layers.forEach((l, i) => {
      const diffId = img.diffIds[i]!;
      if (l.digest === diffId || known.has(diffId) || !isGzip(l)) return; // an uncompressed blob is no registry's
      known.set(diffId, l);
    });
  }
  return (layer) => {
    const diffId = diffOf.get(layer.digest);
    const sub = diffId === undefined ? undefined : known.get(diffId);
    return sub && sub.digest !== layer.digest ? sub : undefined;
  };
}
