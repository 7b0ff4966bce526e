// Builds layer snapshots: a layer blob (from the network, teed, or from the content store) is
// unpacked over its parent's snapshots into a temporary directory, verified (compressed digest
// and diffID), committed into place and recorded in the metadata database.
//
// Contract: one build per chainID at a time in this process; a second caller waits for the first
// and gets its result (or, if it failed, may build again). On failure nothing is committed.
// The unpack itself is injected (ImageStore passes its UnpackPool's; the default runs unpackLayer
// on this thread).
import { createReadStream } from "node:fs";
import type { Descriptor } from "../../oci/image/descriptor.ts";
import { layerCompression } from "../../oci/image/media-types.ts";
import type { SnapshotRecord, SnapshotRecords } from "./snapshot-records.ts";
import type { Snapshots } from "./snapshots.ts";
import { unpackLayer, type UnpackResult } from "./unpack-layer.ts";
import type { UnpackJob } from "./unpack-pool.ts";

export interface LayerToBuild {
  chainId: string;
  /** Chain IDs below this layer, bottom first. */
  parents: readonly string[];
  diffId: string;
  /** The layer blob's descriptor (digest, size and media type are verified/used). */
  desc: Descriptor;
}

/** A layer blob: its file in the content store, or a stream of it. */
export type LayerSource = { file: string } | AsyncIterable<Uint8Array>;

export type UnpackFn = (job: UnpackJob) => Promise<UnpackResult>;

/** unpackLayer on this thread. */
const unpackHere: UnpackFn = ({ source, ...rest }) =>
  unpackLayer({ ...rest, source: "file" in source ? createReadStream(source.file, { highWaterMark: 1 << 20 }) : source.stream });

export class SnapshotBuilder {
  private readonly running = new Map<string, Promise<SnapshotRecord>>();
  private readonly unpack: UnpackFn;

  constructor(
    private readonly snapshots: Snapshots,
    private readonly records: SnapshotRecords,
    opts: { unpack?: UnpackFn } = {},
  ) {
    this.unpack = opts.unpack ?? unpackHere;
  }

  /** The committed snapshot of `chainId`, if its directory is there. */
  existing(chainId: string): SnapshotRecord | undefined {
    return this.records.snapshot(chainId);
  }

  isBuilding(chainId: string): boolean {
    return this.running.has(chainId);
  }

  /** Lower dirs (absolute, topmost first) of a stack of chain IDs given bottom first. */
  lowerDirs(chainIds: readonly string[]): string[] {
    return chainIds.map((c) => {
      const s = this.records.snapshot(c);
      if (!s) throw new Error(`lowerDirs: snapshot ${c} is not committed`);
      return this.snapshots.fsPath(s.dir);
    }).reverse();
  }

  /**
   * Builds the snapshot from `source` unless it exists or is being built; `source` is only called
   * when this call builds. With `parentsReady`, the layer unpacks while its parents are still
   * being built: their dirs are looked up once it resolves (and the build fails if it rejects).
   * Without it, the parents must be committed already.
   */
  async ensure(layer: LayerToBuild, source: () => LayerSource, parentsReady?: Promise<void>): Promise<SnapshotRecord> {
    for (;;) {
      const present = this.existing(layer.chainId);
      if (present) return present;
      const other = this.running.get(layer.chainId);
      if (!other) break;
      try {
        return await other;
      } catch {
        // that build failed; try our own
      }
    }
    const work = this.build(layer, source(), parentsReady);
    this.running.set(layer.chainId, work);
    try {
      return await work;
    } finally {
      this.running.delete(layer.chainId);
    }
  }

  /**
   * A layer whose digest is known only once it has been read (a commit: the container's layer is
   * made as it streams): unpacked from `stream` over the committed `parents` into a temporary
   * snapshot, then named by the chain ID `chainOf` gives for the diffID the unpack computed. A
   * snapshot of that chain ID that exists already (or is built meanwhile) is kept and this one
   * discarded. On failure nothing is committed.
   */
  async buildStreamed(parents: readonly string[], stream: AsyncIterable<Uint8Array>, chainOf: (diffId: string) => string): Promise<SnapshotRecord> {
    const lowers = this.lowerDirs(parents);
    const { tmp, fs } = this.snapshots.prepare();
    try {
      const r = await this.unpack({ source: { stream }, target: fs, lowers, compression: "auto" });
      const chainId = chainOf(r.diffId);
      const present = this.existing(chainId) ?? (await this.running.get(chainId)?.catch(() => undefined));
      if (present) {
        this.snapshots.discard(tmp);
        return present;
      }
      return this.commitAs(chainId, tmp, r);
    } catch (e) {
      this.snapshots.discard(tmp);
      throw e;
    }
  }

  private async build(layer: LayerToBuild, source: LayerSource, parentsReady?: Promise<void>): Promise<SnapshotRecord> {
    // Refuses unknown media types; the first bytes then decide the compression (docker-archive
    // layers are plain "layer.tar" entries whatever they hold).
    layerCompression(layer.desc.mediaType);
    const lowers = parentsReady ? parentsReady.then(() => this.lowerDirs(layer.parents)) : this.lowerDirs(layer.parents);
    // The unpack may fail before it awaits them; a parent's failure is then nobody's to report.
    if (lowers instanceof Promise) lowers.catch(() => undefined);
    const { tmp, fs } = this.snapshots.prepare();
    try {
      const r = await this.unpack({
        source: Symbol.asyncIterator in source ? { stream: source } : source,
        target: fs,
        lowers,
        compression: "auto",
        expected: { digest: layer.desc.digest, size: layer.desc.size },
        diffId: layer.diffId,
      });
      return this.commitAs(layer.chainId, tmp, r);
    } catch (e) {
      this.snapshots.discard(tmp);
      throw e;
    }
  }

  /** Commits the unpacked temporary snapshot `tmp` as `chainId`'s and records it; the committed
   *  directory goes again if the record cannot be written (the caller discards `tmp` on a throw). */
  private commitAs(chainId: string, tmp: string, r: UnpackResult): SnapshotRecord {
    const dir = this.snapshots.commit(tmp);
    const rec: SnapshotRecord = { chainId, dir, diffId: r.diffId, size: r.bytes };
    try {
      this.records.putSnapshot(rec);
    } catch (e) {
      this.snapshots.remove(dir);
      throw e;
    }
    return rec;
  }
}
