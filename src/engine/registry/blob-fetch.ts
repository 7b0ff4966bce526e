// Blob downloads. `blobStream` yields a blob's bytes from an offset on and survives a dropped
// connection or a body cut short by asking again with `Range: bytes=<n>-`, so whoever hashes the
// stream (the content store's ingest, unpackLayer) sees every byte exactly once and its digest
// simply continues. `pullBlob` stores a blob through the store's resumable ingest: a partial left
// by an earlier, interrupted pull is resumed from where it stopped.
import { SkiffError, isSkiffError } from "../../common/errors.ts";
import type { Descriptor } from "../../oci/image/descriptor.ts";
import { Digester } from "../../oci/image/digest.ts";
import type { BlobInfo, Ingester } from "../content/index.ts";
import { repositoryScope } from "./auth.ts";
import { backoffDelay, sleep } from "./backoff.ts";
import type { OnProgress } from "./progress.ts";
import { isRetryable, networkError, protocolError, statusError } from "./registry-error.ts";
import { paths } from "./registry-url.ts";
import type { RegistryTransport } from "./transport.ts";

export interface BlobStreamOptions {
  /** First byte wanted (a resumed ingest's size). */
  offset?: number;
  signal?: AbortSignal;
  /** Told before each reconnect, with the bytes received so far. */
  /** Before each wait to reconnect: the error, the bytes in so far, the wait. */
  onRetry?: (error: unknown, done: number, delayMs: number) => void;
}

/** Reconnects that move the transfer forward reset the failure count, up to this many in all. */
const MAX_RECONNECTS = 50;

/**
 * The bytes of `desc` from `offset` to `desc.size`. Does not verify: the consumer hashes. Fails
 * with IMAGE_BLOB_TRUNCATED (cause: the last network error) after `tries` reconnects in a row that
 * brought no byte, IMAGE_REGISTRY_BLOB_NOT_FOUND, or a registry error.
 */
export async function* blobStream(t: RegistryTransport, repo: string, desc: Descriptor, opts: BlobStreamOptions = {}): AsyncGenerator<Uint8Array> {
  const action = `fetch blob ${desc.digest} from ${JSON.stringify(`${t.domain}/${repo}`)}`;
  let pos = opts.offset ?? 0;
  let failures = 0;
  for (let attempt = 0; pos < desc.size || (attempt === 0 && desc.size === 0); attempt++) {
    const started = pos;
    let lastError: unknown;
    const res = await t.request({ method: "GET", url: paths.blob(repo, desc.digest), scopes: [repositoryScope(repo)], action, headers: pos > 0 ? { range: `bytes=${pos}-` } : {}, signal: opts.signal });
    if (!res.ok) throw await statusError({ action, object: "blob", registry: t.domain, response: res });
    let skip = 0;
    if (pos > 0) {
      if (res.status === 206) {
        const start = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(res.headers.get("content-range") ?? "")?.[1];
        if (start === undefined || Number(start) !== pos) {
          await res.body?.cancel();
          throw protocolError(action, `asked for bytes from ${pos}, the registry sent range ${JSON.stringify(res.headers.get("content-range"))}`);
        }
      } else skip = pos; // Range ignored: the whole blob again, its head dropped here
    }
    try {
      for await (let chunk of res.body ?? []) {
        if (skip) {
          const drop = Math.min(skip, chunk.byteLength);
          skip -= drop;
          chunk = chunk.subarray(drop);
          if (!chunk.byteLength) continue;
        }
        pos += chunk.byteLength;
        yield chunk;
      }
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      lastError = networkError(action, res.url, e);
    }
    if (pos >= desc.size) return;
    failures = pos > started ? 1 : failures + 1;
    if (failures >= t.retryPolicy.tries || attempt >= MAX_RECONNECTS) {
      if (isSkiffError(lastError) && lastError.code === "IMAGE_REGISTRY_TIMEOUT") {
        throw new SkiffError({
          layer: "image",
          code: lastError.code,
          kind: lastError.kind,
          message: `${action}: stalled at ${pos} of ${desc.size} bytes: ${lastError.message.replace(`${action}: `, "")}`,
          hint: "the registry stopped sending; check that it is running and reachable, then retry (the download resumes where it stopped)",
          cause: lastError,
          details: { ...lastError.details, digest: desc.digest, size: pos, expectedSize: desc.size },
        });
      }
      throw new SkiffError({
        layer: "image",
        code: "IMAGE_BLOB_TRUNCATED",
        kind: "unavailable",
        message: `${action}: the transfer ended at ${pos} of ${desc.size} bytes${lastError ? ` (${(lastError as Error).message.replace(`${action}: `, "")})` : ""}`,
        hint: "the registry or a proxy cut the transfer short; retrying resumes it",
        cause: lastError,
        details: { digest: desc.digest, size: pos, expectedSize: desc.size },
      });
    }
    const delay = backoffDelay(failures, t.retryPolicy);
    opts.onRetry?.(lastError, pos, delay);
    await sleep(delay, opts.signal);
  }
}

export interface PullBlobOptions {
  onProgress?: OnProgress;
  signal?: AbortSignal;
}

/**
 * Stores a blob in the content store unless it is there. Verified by size and digest before it is
 * committed; on a mismatch nothing is stored. A digest mismatch over a resumed partial (which an
 * earlier source may have left wrong) is tried once more from the start.
 */
export async function pullBlob(t: RegistryTransport, store: Ingester, repo: string, desc: Descriptor, opts: PullBlobOptions = {}): Promise<BlobInfo> {
  const report = (status: "downloading" | "retrying" | "exists" | "complete", done: number) => opts.onProgress?.({ digest: desc.digest, status, done, total: desc.size });
  const present = store.info(desc.digest);
  if (present && present.size === desc.size) {
    report("exists", desc.size);
    return present;
  }
  let resumed = store.partialSize(desc.digest) > 0;
  for (;;) {
    try {
      const info = await store.ingest(
        desc,
        (offset) => blobStream(t, repo, desc, { offset, signal: opts.signal, onRetry: (_e, done) => report("retrying", done) }),
        { onProgress: (done) => report("downloading", done) },
      );
      report("complete", info.size);
      return info;
    } catch (e) {
      if (resumed && isSkiffError(e) && (e.code === "IMAGE_DIGEST_MISMATCH" || e.code === "IMAGE_SIZE_MISMATCH")) {
        resumed = false; // the store has discarded the partial; start over once
        store.abort(desc.digest);
        report("retrying", 0);
        continue;
      }
      throw e;
    }
  }
}

/** A small blob (an image config) in memory, verified by size and digest. */
export async function fetchBlobBytes(t: RegistryTransport, repo: string, desc: Descriptor, limit = 64 << 20): Promise<Uint8Array> {
  if (desc.size > limit) {
    throw new SkiffError({ layer: "image", code: "IMAGE_BLOB_TOO_LARGE", kind: "invalid_argument", message: `fetch blob ${desc.digest}: ${desc.size} bytes is more than the ${limit} allowed here`, details: { digest: desc.digest, size: desc.size } });
  }
  const d = Digester.for(desc.digest);
  const parts: Uint8Array[] = [];
  for await (const c of blobStream(t, repo, desc)) {
    d.update(c);
    if (d.size > desc.size) break;
    parts.push(c);
  }
  d.verify(desc, `blob ${desc.digest} of ${t.domain}/${repo}`);
  return Buffer.concat(parts);
}
