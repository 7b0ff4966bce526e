// Public surface of the snapshots: one directory per layer keyed by chain ID, built by unpacking
// a layer blob over its parents (on worker threads), and the Snapshotter, which prepares a
// container's writable layer over an image's layers and returns the mount as data.
export { isOpaque, isWhiteout, lookupLower } from "../../common/overlay-lookup.ts";
export { SnapshotBuilder, type LayerSource, type LayerToBuild, type UnpackFn } from "./snapshot-builder.ts";
export type { SnapshotRecord, SnapshotRecords } from "./snapshot-records.ts";
export { OverlaySnapshotter, type Snapshotter } from "./snapshotter.ts";
export { chainIds, Snapshots, type ActiveSnapshot, type OverlayMount } from "./snapshots.ts";
export { unpackLayer, type UnpackLayerOptions, type UnpackResult } from "./unpack-layer.ts";
export { UnpackPool, type UnpackJob } from "./unpack-pool.ts";
