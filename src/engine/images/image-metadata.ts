// The image tables of the engine's metadata database (src/engine/metadata: one SQLite file, schema versions).
//
// Contract: every change that touches several rows runs in one transaction, so a crash leaves
// either the old or the new state. Snapshots (chainID → directory) are recorded as soon as their
// directory is committed, images last: an image row exists only once all its snapshots and blobs
// do. What references what is derived from the rows (image_layers, images.blobs), never counted.
import type { ContentStore } from "../content/index.ts";
import type { Database } from "bun:sqlite";
import type { MetadataDb } from "../metadata/index.ts";
import type { SnapshotRecord, SnapshotRecords } from "../snapshots/index.ts";

export interface ImageRecord {
  /** The config digest, "sha256:…". */
  id: string;
  manifestDigest: string;
  manifestMediaType: string;
  /** The index the image was pulled through, when the reference named one. */
  indexDigest?: string;
  platform: string;
  created: string;
  /** Sum of the layers' unpacked sizes. */
  size: number;
  /** Bottom first. */
  chainIds: string[];
  /** Every content-store blob the image needs (manifest, config, layers, index). */
  blobs: string[];
  lastTagTime: string;
}


interface ImageRow {
  id: string;
  manifest_digest: string;
  manifest_media_type: string;
  index_digest: string | null;
  platform: string;
  created: string;
  size: number;
  blobs: string;
  last_tag_time: string;
}

export class ImageMetadata implements SnapshotRecords {
  /** The engine's one database (src/engine/metadata), whose schema holds the image tables. */
  constructor(readonly store: MetadataDb) {}

  private get db(): Database {
    return this.store.db;
  }

  close(): void {
    this.store.close();
  }

  /** Runs `fn` in one transaction; SQLITE_FULL and friends become IMAGE_IO errors. */
  tx<T>(action: string, fn: () => T): T {
    return this.store.tx("image", action, fn);
  }

  putImage(img: ImageRecord): void {
    this.tx(`record image ${img.id}`, () => {
      this.db
        .query(`INSERT INTO images (id, manifest_digest, manifest_media_type, index_digest, platform, created, size, blobs, last_tag_time)
          VALUES ($id, $m, $mt, $idx, $p, $c, $s, $b, $t) ON CONFLICT(id) DO UPDATE SET manifest_digest = $m, manifest_media_type = $mt,
          index_digest = $idx, blobs = $b`)
        .run({ id: img.id, m: img.manifestDigest, mt: img.manifestMediaType, idx: img.indexDigest ?? null, p: img.platform, c: img.created, s: img.size, b: JSON.stringify(img.blobs), t: img.lastTagTime });
      this.db.query("DELETE FROM image_layers WHERE image_id = ?").run(img.id);
      const ins = this.db.query("INSERT INTO image_layers (image_id, idx, chain_id) VALUES (?, ?, ?)");
      img.chainIds.forEach((c, i) => ins.run(img.id, i, c));
    });
  }

  image(id: string): ImageRecord | undefined {
    const row = this.db.query("SELECT * FROM images WHERE id = ?").get(id) as ImageRow | null;
    return row ? this.toRecord(row) : undefined;
  }

  images(): ImageRecord[] {
    return (this.db.query("SELECT * FROM images ORDER BY created DESC").all() as ImageRow[]).map((r) => this.toRecord(r));
  }

  /** Ids whose full digest starts with `prefix` ("sha256:ab12…"). */
  idsWithPrefix(prefix: string): string[] {
    return (this.db.query("SELECT id FROM images WHERE substr(id, 1, length($p)) = $p").all({ p: prefix }) as { id: string }[]).map((r) => r.id);
  }

  private toRecord(r: ImageRow): ImageRecord {
    const chainIds = (this.db.query("SELECT chain_id FROM image_layers WHERE image_id = ? ORDER BY idx").all(r.id) as { chain_id: string }[]).map((x) => x.chain_id);
    return {
      id: r.id, manifestDigest: r.manifest_digest, manifestMediaType: r.manifest_media_type, indexDigest: r.index_digest ?? undefined, platform: r.platform,
      created: r.created, size: r.size, chainIds, blobs: JSON.parse(r.blobs) as string[], lastTagTime: r.last_tag_time,
    };
  }

  /** Points `name` (a full "domain/path:tag" or "domain/path@digest") at the image. */
  setRef(kind: "tag" | "digest", name: string, imageId: string): void {
    this.tx(`tag image ${imageId} as ${name}`, () => {
      this.db.query(`INSERT INTO ${kind === "tag" ? "tags" : "repo_digests"} (name, image_id) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id`).run(name, imageId);
      if (kind === "tag") this.db.query("UPDATE images SET last_tag_time = ? WHERE id = ?").run(new Date().toISOString(), imageId);
    });
  }

  deleteRef(kind: "tag" | "digest", name: string): boolean {
    return this.tx(`untag ${name}`, () => this.db.query(`DELETE FROM ${kind === "tag" ? "tags" : "repo_digests"} WHERE name = ?`).run(name).changes > 0);
  }

  resolveRef(kind: "tag" | "digest", name: string): string | undefined {
    return (this.db.query(`SELECT image_id FROM ${kind === "tag" ? "tags" : "repo_digests"} WHERE name = ?`).get(name) as { image_id: string } | null)?.image_id;
  }

  refsOf(imageId: string): { tags: string[]; digests: string[] } {
    const q = (t: string) => (this.db.query(`SELECT name FROM ${t} WHERE image_id = ? ORDER BY name`).all(imageId) as { name: string }[]).map((r) => r.name);
    return { tags: q("tags"), digests: q("repo_digests") };
  }

  /**
   * Every reference whose full name starts with `prefix` ("127.0.0.1:5000/": those of one
   * registry), digests first, each with its image's blobs: where a push may mount blobs from.
   */
  refsUnder(prefix: string): { kind: "tag" | "digest"; name: string; imageId: string; blobs: string[] }[] {
    const q = (kind: "tag" | "digest", table: string) =>
      (this.db.query(`SELECT r.name AS name, r.image_id AS image_id, i.blobs AS blobs FROM ${table} r JOIN images i ON i.id = r.image_id WHERE substr(r.name, 1, length($p)) = $p ORDER BY i.last_tag_time DESC, r.name`).all({ p: prefix }) as { name: string; image_id: string; blobs: string }[]).map((r) => ({ kind, name: r.name, imageId: r.image_id, blobs: JSON.parse(r.blobs) as string[] }));
    return [...q("digest", "repo_digests"), ...q("tag", "tags")];
  }

  /** Deletes the image row with its layers and references, in one transaction. */
  deleteImage(id: string): void {
    this.tx(`delete image ${id}`, () => {
      this.db.query("DELETE FROM tags WHERE image_id = ?").run(id);
      this.db.query("DELETE FROM repo_digests WHERE image_id = ?").run(id);
      this.db.query("DELETE FROM image_layers WHERE image_id = ?").run(id);
      this.db.query("DELETE FROM images WHERE id = ?").run(id);
    });
  }

  putSnapshot(s: SnapshotRecord): void {
    this.tx(`record snapshot ${s.chainId}`, () => {
      this.db.query("INSERT INTO snapshots (chain_id, dir, diff_id, size) VALUES (?, ?, ?, ?) ON CONFLICT(chain_id) DO NOTHING").run(s.chainId, s.dir, s.diffId, s.size);
    });
  }

  snapshot(chainId: string): SnapshotRecord | undefined {
    const r = this.db.query("SELECT * FROM snapshots WHERE chain_id = ?").get(chainId) as { chain_id: string; dir: string; diff_id: string; size: number } | null;
    return r ? { chainId: r.chain_id, dir: r.dir, diffId: r.diff_id, size: r.size } : undefined;
  }

  snapshots(): SnapshotRecord[] {
    return (this.db.query("SELECT * FROM snapshots").all() as { chain_id: string; dir: string; diff_id: string; size: number }[]).map((r) => ({ chainId: r.chain_id, dir: r.dir, diffId: r.diff_id, size: r.size }));
  }

  /** Snapshots no image uses (GC candidates). */
  unusedSnapshots(): SnapshotRecord[] {
    return this.snapshots().filter((s) => !this.db.query("SELECT 1 FROM image_layers WHERE chain_id = ? LIMIT 1").get(s.chainId));
  }

  deleteSnapshot(chainId: string): void {
    this.tx(`forget snapshot ${chainId}`, () => this.db.query("DELETE FROM snapshots WHERE chain_id = ?").run(chainId));
  }

  /** Every blob some image references. */
  referencedBlobs(): Set<string> {
    const out = new Set<string>();
    for (const r of this.db.query("SELECT blobs FROM images").all() as { blobs: string }[]) for (const b of JSON.parse(r.blobs) as string[]) out.add(b);
    return out;
  }
}

/** An image's config document, read from the content store (its id is the config's digest). */
export function storedConfig(content: ContentStore, r: ImageRecord): Record<string, unknown> {
  return JSON.parse(content.readBytes(r.id).toString("utf8")) as Record<string, unknown>;
}
