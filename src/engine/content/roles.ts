// The content store's roles, as containerd splits its own: a Provider reads blobs by digest, an
// Ingester writes them in. Whoever only fetches or pushes (the registry client) takes these and
// never the store itself; ContentStore is the one implementation (its tests are their suite).
import type { ReadStream } from "node:fs";
import type { Digest, DigestAlgorithm } from "../../oci/image/digest.ts";

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export type BlobSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Opens the blob's bytes from `offset` on; a registry client turns this into an HTTP Range request. */
export type OpenBlob = (offset: number) => BlobSource | Promise<BlobSource>;

export interface IngestOptions {
  /** Called with the bytes present so far (including resumed ones) after each chunk. */
  onProgress?: (bytes: number) => void;
}

/** Reads stored blobs; every one is complete and verified. */
export interface Provider {
  info(digest: string): BlobInfo | undefined;
  has(digest: string): boolean;
  /** The whole blob in memory, for manifests and configs. Throws IMAGE_BLOB_NOT_FOUND. */
  readBytes(digest: string): Buffer;
  /** A stream of the blob, for layers. Throws IMAGE_BLOB_NOT_FOUND. */
  open(digest: string): ReadStream;
  /** The blob's file, for a reader on another thread. Throws IMAGE_BLOB_NOT_FOUND. */
  file(digest: string): { file: string };
  /** Where the blob's file is, whether it is there or not. */
  blobPath(digest: string): string;
}

/** Writes blobs in, each verified by size and digest before it is visible. */
export interface Ingester {
  /** What is stored already (an ingest of it reads nothing). */
  info(digest: string): BlobInfo | undefined;
  /** Bytes already present of an interrupted ingest (0 when there is none): an ingest resumes from there. */
  partialSize(digest: string): number;
  /** Discards an interrupted ingest (not one being written: false then). */
  abort(digest: string): boolean;
  /**
   * Stores the blob `expected` describes, reading it through `open` from the offset a partial
   * ingest reached, unless it is stored already. Errors: IMAGE_DIGEST_MISMATCH and
   * IMAGE_SIZE_MISMATCH (partial discarded), IMAGE_BLOB_TRUNCATED and the source's own (partial
   * kept for resuming), IMAGE_IO.
   */
  ingest(expected: { digest: string; size?: number }, open: OpenBlob, opts?: IngestOptions): Promise<BlobInfo>;
  /** Stores content whose digest is not known in advance. */
  add(data: Uint8Array | BlobSource, algorithm?: DigestAlgorithm): Promise<BlobInfo>;
}
