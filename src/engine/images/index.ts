// Public surface of the images: the engine's ImageService (pull, push, load, save, import, list,
// inspect, tag, remove, prune) and its one implementation, ImageStore, over the content store, the
// snapshots, the registry client and the image tables of the metadata database; docker's image
// filters; and what a container takes from an image (spec-from-image).
export { filterImages, pruneSelector } from "./image-filters.ts";
export { ImageStore, type ImageStoreOptions } from "./image-service.ts";
export { familiarNameSafe } from "./image-names.ts";
export type { DeleteResponseItem, ImageInspect, ImageService, ImageSummary, ProgressEvent, PullOptions, RegistryAuth } from "./service.ts";
export { mergeEnv, resolveGroups, resolveUser, specFromImage, type FileReader, type ImageProcessSpec, type SpecOverrides } from "./spec-from-image.ts";
export type { CommitRequest } from "./image-commit.ts";
export type { HistoryItem } from "./image-history.ts";
export type { DockerConfigObject } from "./import-changes.ts";
