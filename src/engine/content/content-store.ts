// Blobs by digest on disk: <root>/blobs/<algorithm>/<hex>, as an OCI image layout lays them out.
//
// Contract: a file under blobs/ is always complete and verified. Ingests write to
// <root>/ingest/<algorithm>-<hex>, count and hash as they go, compare size and digest, fsync,
// rename into blobs/ and fsync the directory; a crash leaves at worst a partial file under ingest/,
// which the next ingest of that digest resumes (its bytes are hashed again, since a hash state
// cannot be saved) or a sweep removes. Within one process, ingests of one digest share one write;
// one process owns a store root (the daemon refuses to start twice on it).
//
// Content whose digest is not known in advance (load, import) is staged first, as
// ingest/add-<pid>-<random>: hashed as it is written, readable by path, and committed only once
// the caller has checked it (`stage`, then `commitStaged` or `discardStaged`), so bad input never
// reaches blobs/.
//
// What ingest/ holds is bounded: opening the store removes the staging files of processes that are
// gone and partials untouched for INGEST_EXPIRY_MS (as containerd's default lease of 24 h expires
// an interrupted pull's ingests); `pruneIngests()` (image prune) removes every partial no ingest
// of this process is writing. A partial is kept otherwise: an interrupted pull resumes from it.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync, createReadStream, type ReadStream } from "node:fs";
import { open as openAsync } from "node:fs/promises";
import { join } from "node:path";
import { invalid, notFound } from "../../common/errors.ts";
import { Digester, parseDigest, type Digest, type DigestAlgorithm } from "../../oci/image/digest.ts";
import { pidAlive } from "../../common/pid-alive.ts";
import { ioError } from "./io-error.ts";
import type { BlobInfo, BlobSource, IngestOptions, Ingester, OpenBlob, Provider } from "./roles.ts";

/** Content written to ingest/ and hashed, not yet in blobs/: commit or discard it. */
export interface StagedBlob extends BlobInfo {
  /** Its file, readable until it is committed or discarded. */
  readonly path: string;
}

/** How long an untouched partial ingest is kept for resuming: containerd's default lease, 24 h. */
export const INGEST_EXPIRY_MS = 24 * 60 * 60 * 1000;

/** Files under ingest/ that an ingest or a staging of this process (this thread) has open. */
const inUse = new Set<string>();
const PARTIAL = /^(sha256|sha512)-[0-9a-f]+$/;
const STAGING = /^add-(\d+)-/;

const ALGORITHMS: DigestAlgorithm[] = ["sha256", "sha512"];

export class ContentStore implements Provider, Ingester {
  private readonly running = new Map<string, Promise<BlobInfo>>();

  /** Opening sweeps ingest/ (see the header); best effort, it never fails the open. */
  constructor(readonly root: string) {
    try {
      this.pruneIngests({ olderThanMs: INGEST_EXPIRY_MS });
    } catch {
      // tried again at the next open or prune
    }
  }

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

  /** Discards an interrupted ingest (not one being written: false then). */
  abort(digest: string): boolean {
    const path = this.ingestPath(digest);
    if (inUse.has(path)) return false;
    rmSync(path, { force: true });
    return true;
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

  /** Stores content whose digest is not known in advance (documents skiff writes; see `stage`). */
  async add(data: Uint8Array | BlobSource, algorithm: DigestAlgorithm = "sha256"): Promise<BlobInfo> {
    return this.commitStaged(await this.stage(data, algorithm));
  }

  /**
   * Writes and hashes content under ingest/ without storing it: the caller checks it (its digest,
   * or by reading `path`) and then calls `commitStaged` or `discardStaged`. On failure nothing is
   * left. Errors: the source's own, IMAGE_IO.
   */
  async stage(data: Uint8Array | BlobSource, algorithm: DigestAlgorithm = "sha256"): Promise<StagedBlob> {
    const tmpDir = join(this.root, "ingest");
    const tmp = join(tmpDir, `add-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const d = new Digester(algorithm);
    inUse.add(tmp);
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
      return { digest: d.digest(), size: d.size, path: tmp };
    } catch (e) {
      this.discardStaged({ path: tmp });
      throw ioError("store blob", tmp, e);
    }
  }

  /** Moves staged content into blobs/ (or drops it when the blob is there already). */
  async commitStaged(b: StagedBlob): Promise<BlobInfo> {
    const info: BlobInfo = { digest: b.digest, size: b.size };
    try {
      if (!this.has(b.digest)) await this.commit(b.path, b.digest);
      return info;
    } catch (e) {
      throw ioError(`store blob ${b.digest}`, b.path, e);
    } finally {
      this.discardStaged(b);
    }
  }

  discardStaged(b: { path: string }): void {
    try {
      rmSync(b.path, { force: true });
    } finally {
      inUse.delete(b.path);
    }
  }

  /**
   * Removes what ingest/ holds that nothing in this process is writing: partials of interrupted
   * ingests (their resume is lost) and staging files of processes that are gone. With
   * `olderThanMs`, only partials untouched for that long. Returns the files removed and their bytes.
   */
  pruneIngests(opts: { olderThanMs?: number } = {}): { files: string[]; bytes: number } {
    const out = { files: [] as string[], bytes: 0 };
    const dir = join(this.root, "ingest");
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return out; // nothing ingested yet
    }
    const now = Date.now();
    for (const n of names) {
      const path = join(dir, n);
      if (inUse.has(path)) continue;
      const staging = STAGING.exec(n);
      // a live process's staging file (ours are all in `inUse`: one not there was left by an
      // earlier process that had our pid)
      if (staging ? Number(staging[1]) !== process.pid && pidAlive(Number(staging[1])) : !PARTIAL.test(n)) continue;
      let st;
      try {
        st = statSync(path);
      } catch {
        continue;
      }
      if (!staging && opts.olderThanMs !== undefined && now - st.mtimeMs < opts.olderThanMs) continue;
      try {
        rmSync(path, { force: true });
      } catch (e) {
        throw ioError("remove interrupted ingest", path, e);
      }
      out.files.push(n);
      out.bytes += st.size;
    }
    return out;
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
    inUse.add(partial);
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
      inUse.delete(partial);
      throw ioError(`write ${what}`, partial, e);
    } finally {
      closeSync(fd);
    }
    try {
      await this.commit(partial, expected.digest);
    } catch (e) {
      throw ioError(`commit ${what}`, partial, e);
    } finally {
      inUse.delete(partial);
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
