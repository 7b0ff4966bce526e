// Public surface of the engine's image storage: the content store and layer unpacking.
export { applyLayer, type ApplyOptions, type ApplyStats } from "./apply-layer.ts";
export { ContentStore, type BlobInfo, type BlobSource, type IngestOptions, type OpenBlob } from "./content-store.ts";
export { isOpaque, isWhiteout, lookupLower, OPAQUE_XATTR } from "./lower-dirs.ts";
export { readTar, type TarEntry, type TarEntryType, type TarHeader } from "./tar-reader.ts";
export { buildTar, tarEntry, type TarWriteEntry } from "./tar-writer.ts";
export { unpackLayer, type UnpackLayerOptions, type UnpackResult } from "./unpack-layer.ts";
