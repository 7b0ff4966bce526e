// Blobs by digest on disk: <root>/blobs/<algorithm>/<hex>, as an OCI image layout lays them out.
//
// Contract: a file under blobs/ is always complete and verified. Ingests write to
// <root>/ingest/<algorithm>-<hex>, count and hash as they go, compare size and digest, fsync,
// rename into blobs/ and fsync the directory; a crash leaves at worst a partial file under ingest/,
// which the next ingest of that digest resumes (its bytes are hashed again, since a hash state
// cannot be saved) or a sweep removes. Within one process, ingests of one digest share one write;
// one process owns a store root (the daemon refuses to start twice on it).
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync, createReadStream, type ReadStream } from "node:fs";
import { open as openAsync } from "node:fs/promises";
import { join } from "node:path";
import { invalid, notFound } from "../../common/errors.ts";
import { Digester, parseDigest, type Digest, type DigestAlgorithm } from "../../oci/image/digest.ts";
import { ioError } from "./io-error.ts";

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

const ALGORITHMS: DigestAlgorithm[] = ["sha256", "sha512"];

export class ContentStore {
  private readonly running = new Map<string, Promise<BlobInfo>>();

  constructor(readonly root: string) {}

  blobPath(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.root, "blobs", algorithm, hex);
  }

  private ingestPath(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.root, "ingest", `${algorithm}-${hex}`);
  }

  info(digest: string): BlobInfo | undefined {
    try {
      return { digest: digest as Digest, size: statSync(this.blobPath(digest)).size };
    } catch {
      return undefined;
    }
  }

  has(digest: string): boolean {
    return this.info(digest) !== undefined;
  }

  /** The whole blob in memory, for manifests and configs. Throws IMAGE_BLOB_NOT_FOUND. */
  readBytes(digest: string): Buffer {
    try {
      return readFileSync(this.blobPath(digest));
    } catch (e) {
      throw this.missing(digest, e);
    }
  }

  /** A stream of the blob, for layers. Throws IMAGE_BLOB_NOT_FOUND. */
  open(digest: string): ReadStream {
    if (!this.has(digest)) throw this.missing(digest);
    return createReadStream(this.blobPath(digest));
  }

  /** The blob's file, for a reader on another thread (an unpack worker). Throws IMAGE_BLOB_NOT_FOUND. */
  file(digest: string): { file: string } {
    if (!this.has(digest)) throw this.missing(digest);
    return { file: this.blobPath(digest) };
  }

  list(): BlobInfo[] {
    const out: BlobInfo[] = [];
    for (const algorithm of ALGORITHMS) {
      const dir = join(this.root, "blobs", algorithm);
      if (!existsSync(dir)) continue;
      for (const hex of readdirSync(dir)) {
        const digest = `${algorithm}:${hex}` as Digest;
        const info = /^[0-9a-f]+$/.test(hex) ? this.info(digest) : undefined;
        if (info) out.push(info);
      }
    }
    return out;
  }

  /** Removes a blob; false when it was not there. A running ingest of it is not affected. */
  delete(digest: string): boolean {
    const path = this.blobPath(digest);
    if (!existsSync(path)) return false;
    try {
      rmSync(path);
    } catch (e) {
      throw ioError(`delete blob ${digest}`, path, e);
    }
    return true;
  }

  /** Bytes already present of an interrupted ingest (0 when there is none). */
  partialSize(digest: string): number {
    try {
      return statSync(this.ingestPath(digest)).size;
    } catch {
      return 0;
    }
  }

  /** Discards an interrupted ingest. */
  abort(digest: string): void {
    rmSync(this.ingestPath(digest), { force: true });
  }

  /**
   * Stores the blob `expected` describes, reading it through `open` only when it is not already
   * stored, from the offset a partial ingest reached. Concurrent calls for one digest share one
   * write; if that write fails, a waiting caller tries again with its own source.
   * Errors: IMAGE_DIGEST_MISMATCH / IMAGE_SIZE_MISMATCH (partial discarded), IMAGE_BLOB_TRUNCATED
   * (partial kept for resuming), the source's own error (partial kept), IMAGE_IO.
   */
  async ingest(expected: { digest: string; size?: number }, open: OpenBlob, opts: IngestOptions = {}): Promise<BlobInfo> {
    parseDigest(expected.digest, "blob digest");
    for (;;) {
      const present = this.info(expected.digest);
      if (present) {
        if (expected.size !== undefined && present.size !== expected.size) {
          // A stored blob is verified, so a different size means the descriptor is wrong.
          throw invalid("image", "IMAGE_SIZE_MISMATCH", `verify blob ${expected.digest}: descriptor says ${expected.size} bytes, the stored blob has ${present.size}`, "the manifest describing this blob is wrong", { digest: expected.digest });
        }
        return present;
      }
      const other = this.running.get(expected.digest);
      if (!other) break;
      try {
        return await other;
      } catch {
        // The shared write failed; loop and make our own attempt.
      }
    }
    const work = this.write(expected, open, opts);
    this.running.set(expected.digest, work);
    try {
      return await work;
    } finally {
      this.running.delete(expected.digest);
    }
  }

  /** Stores content whose digest is not known in advance (import, load, documents skiff writes). */
  async add(data: Uint8Array | BlobSource, algorithm: DigestAlgorithm = "sha256"): Promise<BlobInfo> {
    const tmpDir = join(this.root, "ingest");
    const tmp = join(tmpDir, `add-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const d = new Digester(algorithm);
    try {
      mkdirSync(tmpDir, { recursive: true });
      const fd = openSync(tmp, "w", 0o644);
      try {
        for await (const chunk of data instanceof Uint8Array ? [data] : data) {
          d.update(chunk);
          writeAll(fd, chunk);
        }
      } finally {
        closeSync(fd);
      }
      const info: BlobInfo = { digest: d.digest(), size: d.size };
      if (this.has(info.digest)) {
        rmSync(tmp, { force: true });
        return info;
      }
      await this.commit(tmp, info.digest);
      return info;
    } catch (e) {
      rmSync(tmp, { force: true });
      throw ioError(`store blob`, tmp, e);
    }
  }

  private async write(expected: { digest: string; size?: number }, open: OpenBlob, opts: IngestOptions): Promise<BlobInfo> {
    const what = `blob ${expected.digest}`;
    const partial = this.ingestPath(expected.digest);
    const d = Digester.for(expected.digest);
    let fd: number;
    try {
      mkdirSync(join(this.root, "ingest"), { recursive: true });
      // Longer than the blob can be: not a prefix of it.
      if (expected.size !== undefined && this.partialSize(expected.digest) > expected.size) rmSync(partial);
      fd = openSync(partial, "a+", 0o644);
    } catch (e) {
      throw ioError(`write ${what}`, partial, e);
    }
    try {
      rehash(fd, d);
      if (expected.size === undefined || d.size < expected.size) {
        for await (const chunk of await open(d.size)) {
          if (expected.size !== undefined && d.size + chunk.byteLength > expected.size) {
            d.update(chunk);
            break; // verify below reports the size mismatch
          }
          d.update(chunk);
          writeAll(fd, chunk);
          opts.onProgress?.(d.size);
        }
      }
      try {
        d.verify({ digest: expected.digest, size: expected.size }, what);
      } catch (e) {
        if ((e as { code?: string }).code !== "IMAGE_BLOB_TRUNCATED") rmSync(partial, { force: true });
        throw e;
      }
    } catch (e) {
      throw ioError(`write ${what}`, partial, e);
    } finally {
      closeSync(fd);
    }
    try {
      await this.commit(partial, expected.digest);
    } catch (e) {
      throw ioError(`commit ${what}`, partial, e);
    }
    return { digest: expected.digest as Digest, size: d.size };
  }

  /** fsync the file, rename it into blobs/, fsync the directory so the rename survives a crash. */
  private async commit(tmp: string, digest: string): Promise<void> {
    const fh = await openAsync(tmp, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    const target = this.blobPath(digest);
    const dir = join(target, "..");
    mkdirSync(dir, { recursive: true });
    renameSync(tmp, target);
    const dfd = openSync(dir, "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }

  private missing(digest: string, cause?: unknown) {
    const e = notFound("image", "IMAGE_BLOB_NOT_FOUND", `read blob ${digest}: not in the content store`, undefined, { digest });
    if (cause) Object.defineProperty(e, "cause", { value: cause });
    return e;
  }
}

function writeAll(fd: number, chunk: Uint8Array): void {
  for (let off = 0; off < chunk.byteLength; ) off += writeSync(fd, chunk, off);
}

/** Feeds the bytes a partial file already holds to the digester (the file offset is irrelevant with O_APPEND). */
function rehash(fd: number, d: Digester): void {
  const buf = Buffer.allocUnsafe(1 << 20);
  let pos = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) return;
    d.update(buf.subarray(0, n));
    pos += n;
  }
}
