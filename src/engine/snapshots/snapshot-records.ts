// Committed snapshots by chain ID, as the metadata database records them (the images' tables own
// the rows: an image's layers name them). The builder records a snapshot once its directory is
// committed; the Snapshotter looks the directories up.

export interface SnapshotRecord {
  chainId: string;
  /** The directory name under snapshots/ (a short number, for overlay's option-length limit). */
  dir: string;
  diffId: string;
  size: number;
}

export interface SnapshotRecords {
  snapshot(chainId: string): SnapshotRecord | undefined;
  /** Records a committed snapshot; one already recorded for the chain ID is kept. */
  putSnapshot(record: SnapshotRecord): void;
}
