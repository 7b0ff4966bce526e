// The Snapshotter: a container's writable layer over an image's layers, returned as the mount to
// perform. It never mounts: whoever starts the container mounts the data it returns, inside the
// container's own mount namespace where the runtime can (skiff's does), so nothing is mounted on
// the host for a running container. A container's layer is keyed by the container (its id).
import type { SnapshotRecords } from "./snapshot-records.ts";
import type { OverlayMount, Snapshots } from "./snapshots.ts";

export interface Snapshotter {
  /** A new writable layer `key` over the committed layers `chainIds` (bottom first), as the container's rootfs mount. */
  prepare(key: string, chainIds: readonly string[]): OverlayMount;
  /** The committed layers `chainIds` (bottom first), read-only. */
  view(chainIds: readonly string[]): OverlayMount;
  /** Removes the writable layer `key` (nothing when there is none). */
  remove(key: string): void;
}

/** overlayfs over the snapshot directories: layers are lowerdirs, a container's layer the upper and work dirs. */
export class OverlaySnapshotter implements Snapshotter {
  constructor(
    private readonly snapshots: Snapshots,
    private readonly records: Pick<SnapshotRecords, "snapshot">,
  ) {}

  prepare(key: string, chainIds: readonly string[]): OverlayMount {
    // the layers are looked up first: nothing is made for a container whose image is incomplete
    const dirs = this.dirs(chainIds);
    return this.snapshots.overlayMount(dirs, this.snapshots.prepareActive(key));
  }

  view(chainIds: readonly string[]): OverlayMount {
    return this.snapshots.overlayMount(this.dirs(chainIds));
  }

  remove(key: string): void {
    this.snapshots.removeActive(key);
  }

  /** The snapshot directories, topmost first (overlay's lowerdir order). */
  private dirs(chainIds: readonly string[]): string[] {
    return chainIds
      .map((c) => {
        const s = this.records.snapshot(c);
        if (!s) throw new Error(`snapshotter: snapshot ${c} is not committed`);
        return s.dir;
      })
      .reverse();
  }
}
