// Public surface of the engine's image storage: the content store and layer unpacking.
export { applyLayer, type ApplyOptions, type ApplyStats } from "../snapshots/index.ts";
export { ContentStore, type BlobInfo, type BlobSource, type IngestOptions, type OpenBlob } from "../content/index.ts";
export { isOpaque, isWhiteout, lookupLower, OPAQUE_XATTR } from "../snapshots/index.ts";
export { readTar, type TarEntry, type TarEntryType, type TarHeader } from "../archive/index.ts";
export { buildTar, tarEntry, type TarWriteEntry } from "../archive/index.ts";
export { unpackLayer, type UnpackLayerOptions, type UnpackResult } from "../snapshots/index.ts";
export { ImageStore, type ImageStoreOptions } from "./image-service.ts";
export { chainIds, Snapshots, type ActiveSnapshot, type OverlayMount } from "../snapshots/index.ts";
export { specFromImage, resolveUser, type ImageProcessSpec, type SpecOverrides, type FileReader } from "./spec-from-image.ts";
export type { DeleteResponseItem, ImageInspect, ImageService, ImageSummary, ProgressEvent, PullOptions, RegistryAuth } from "./service.ts";
