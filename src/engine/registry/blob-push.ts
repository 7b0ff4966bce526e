// Blob uploads per the distribution spec: HEAD to skip what the registry has; cross-repository
// mounts (POST ?mount=&from=) from the repositories of the same registry the blob is known in, a
// few of them, best first, as docker does; else an upload session (POST), then one PUT ?digest=
// with the whole blob (monolithic) or PATCHes with Content-Range followed by an empty PUT ?digest=
// (chunked). A mount the registry cannot do (the blob is not in that repository, pull access to it
// is refused) is no failure: a 202 is an upload session the registry opened instead, used for the
// upload (an earlier one is cancelled with DELETE), and any other answer moves on to the next
// repository, then to a plain upload. A mount asks for a token with `pull` on the source
// repository besides `pull,push` on the target, as docker's does. A failed session is not
// continued: the whole upload restarts, with back-off, since the registry's view of a session
// after a failed PATCH is uncertain. While a body goes out, its bytes are counted as fetch pulls
// them (in 64 KiB pieces, so the count follows the socket's pace), reported as "uploading" at most
// every 100 ms and at the end of each body, as docker's progress reader does. Socket buffers take
// the first few MB at once: the count runs ahead of what the registry has by that much.
import type { Descriptor } from "../../oci/image/descriptor.ts";
import { isDigest } from "../../oci/image/digest.ts";
import { repositoryScope } from "./auth.ts";
import { backoffDelay, sleep } from "./backoff.ts";
import type { BlobProgress, BlobStatus } from "./progress.ts";
import { isRetryable, protocolError, statusError } from "./registry-error.ts";
import { paths, uploadUrl } from "./registry-url.ts";
import type { RegistryTransport } from "./transport.ts";

/** A blob's progress; a "mounted" report names the repository it was mounted from. */
export interface PushProgress extends BlobProgress {
  /** With "mounted": the source repository's path in the registry ("library/busybox"). */
  from?: string;
}

export type OnPushProgress = (p: PushProgress) => void;

export interface PushBlobOptions {
  /**
   * Repositories of the same registry that may hold the blob ("team/base"), best first: mounted
   * from instead of uploaded. The first few are tried (see mountAttempts); the target itself is skipped.
   */
  mountFrom?: string | readonly string[];
  /** Upload in PATCH chunks of this many bytes when the blob is larger; 0 or unset: one PUT. */
  chunkSize?: number;
  onProgress?: OnPushProgress;
  signal?: AbortSignal;
  /** Clock of the progress reports' pacing, in ms (tests). */
  now?: () => number;
}

/** Upload progress is reported at most this often, besides at the end of each request body. */
export const UPLOAD_PROGRESS_INTERVAL_MS = 100;
/** Pieces a body is handed to fetch in: what the socket takes moves the count by this much at most. */
export const UPLOAD_PIECE_BYTES = 64 * 1024;

/**
 * How many source repositories a blob of `size` bytes is tried from, as docker's push: a failed
 * mount costs a round trip, which a small blob's upload hardly outweighs.
 */
export function mountAttempts(size: number): number {
  if (size <= 100 * 1024) return 1;
  if (size <= 10 * 1024 * 1024) return 3;
  return 4;
}

/**
 * `blob` as a stream handed out in pieces of at most UPLOAD_PIECE_BYTES, pulled one at a time:
 * `pulled(n)` is called with the bytes handed out so far after each piece, `n === blob.size` last.
 */
export function countingStream(blob: Blob, pulled: (n: number) => void): ReadableStream<Uint8Array> {
  let reader: ReturnType<typeof open> | undefined;
  const open = () => blob.stream().getReader();
  let rest: Uint8Array = new Uint8Array(0);
  let n = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (rest.byteLength === 0) {
          const r = await (reader ??= open()).read();
          if (r.done) {
            controller.close();
            return;
          }
          rest = r.value;
        }
        const piece = rest.subarray(0, UPLOAD_PIECE_BYTES);
        rest = rest.subarray(piece.byteLength);
        n += piece.byteLength;
        controller.enqueue(piece);
        pulled(n);
        if (n >= blob.size) controller.close();
      },
      cancel(reason) {
        return reader?.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

export type PushBlobResult = "exists" | "mounted" | "uploaded";

/** What one attempt did; a mount names its source. */
type Outcome = { result: "exists" | "uploaded" } | { result: "mounted"; from: string };

/** True when the registry holds the blob in that repository (HEAD …/blobs/<digest>). */
export async function hasBlob(t: RegistryTransport, repo: string, desc: Pick<Descriptor, "digest">, push = false): Promise<boolean> {
  const action = `check blob ${desc.digest} in ${JSON.stringify(`${t.domain}/${repo}`)}`;
  const res = await t.request({ method: "HEAD", url: paths.blob(repo, desc.digest), scopes: [repositoryScope(repo, push)], action });
  if (res.status === 404) return false;
  if (!res.ok) throw await statusError({ action, object: "blob", registry: t.domain, response: res, body: "" });
  return true;
}

/**
 * Makes `desc` present in `repo`, reading its bytes from `content` (a Blob such as Bun.file(path),
 * or bytes). Retries the whole upload on retryable failures.
 */
export async function pushBlob(t: RegistryTransport, repo: string, desc: Descriptor, content: Blob | Uint8Array, opts: PushBlobOptions = {}): Promise<PushBlobResult> {
  const blob = content instanceof Blob ? content : new Blob([content]);
  if (blob.size !== desc.size) throw new Error(`pushBlob: content has ${blob.size} bytes, the descriptor says ${desc.size}`);
  const report = (status: BlobStatus, done: number, from?: string) => opts.onProgress?.({ digest: desc.digest, status, done, total: desc.size, ...(from !== undefined ? { from } : {}) });
  for (let failures = 0; ; ) {
    try {
      const out = await attempt(t, repo, desc, blob, opts, report);
      report(out.result === "uploaded" ? "complete" : out.result, desc.size, out.result === "mounted" ? out.from : undefined);
      return out.result;
    } catch (e) {
      if (!isRetryable(e) || ++failures >= t.retryPolicy.tries) throw e;
      const delay = backoffDelay(failures, t.retryPolicy);
      opts.onProgress?.({ digest: desc.digest, status: "retrying", done: 0, total: desc.size, retryInMs: delay });
      await sleep(delay, opts.signal);
    }
  }
}

/** A request body for `blob` (bytes `base`… of the whole) whose pulled bytes are reported as "uploading", paced. */
type Upload = (blob: Blob, base: number) => () => ReadableStream<Uint8Array>;

function uploads(opts: PushBlobOptions, report: (s: "uploading", done: number) => void): Upload {
  const now = opts.now ?? (() => performance.now());
  // Made right after the session's "uploading" 0.
  let last = now();
  let reported = 0;
  const say = (done: number, end: boolean) => {
    const t = now();
    if (done === reported || (!end && t - last < UPLOAD_PROGRESS_INTERVAL_MS)) return;
    last = t;
    reported = done;
    report("uploading", done);
  };
  return (blob, base) => () => countingStream(blob, (n) => say(base + n, n === blob.size));
}

async function attempt(t: RegistryTransport, repo: string, desc: Descriptor, blob: Blob, opts: PushBlobOptions, report: (s: "uploading", done: number) => void): Promise<Outcome> {
  const action = `push blob ${desc.digest} to ${JSON.stringify(`${t.domain}/${repo}`)}`;
  const scopes = [repositoryScope(repo, true)];
  if (await hasBlob(t, repo, desc, true)) return { result: "exists" };
  let location: string | undefined;
  for (const from of mountSources(opts.mountFrom, repo, desc.size)) {
    const tried = await tryMount(t, repo, desc, from, opts.signal);
    if (tried === "mounted") {
      if (location) await cancelUpload(t, location, scopes, action);
      return { result: "mounted", from };
    }
    if (tried) {
      // the registry opened an upload session instead: the last one is used, earlier ones given back
      if (location) await cancelUpload(t, location, scopes, action);
      location = tried;
    }
  }
  if (!location) {
    const start = await t.request({ method: "POST", url: paths.uploads(repo), scopes, action, headers: { "content-length": "0" }, signal: opts.signal });
    if (start.status !== 202) throw await statusError({ action, object: "upload", registry: t.domain, response: start });
    await start.body?.cancel();
    location = nextLocation(t, start, action);
  }
  report("uploading", 0);
  const upload = uploads(opts, report);
  const chunk = opts.chunkSize && opts.chunkSize > 0 && blob.size > opts.chunkSize ? opts.chunkSize : 0;
  let body: Blob | undefined = blob;
  if (chunk) {
    for (let off = 0; off < blob.size; off += chunk) {
      const end = Math.min(off + chunk, blob.size);
      const res = await t.request({
        method: "PATCH",
        url: location,
        scopes,
        action,
        headers: { "content-type": "application/octet-stream", "content-range": `${off}-${end - 1}`, "content-length": String(end - off) },
        body: upload(blob.slice(off, end), off),
        retry: false,
        signal: opts.signal,
      });
      if (res.status !== 202) throw await statusError({ action, object: "upload", registry: t.domain, response: res });
      await res.body?.cancel();
      location = nextLocation(t, res, action);
    }
    body = undefined;
  }
  const res = await t.request({
    method: "PUT",
    url: uploadUrl(location, location, { digest: desc.digest }),
    scopes,
    action,
    headers: { "content-type": "application/octet-stream", "content-length": String(body?.size ?? 0) },
    ...(body ? { body: upload(body, 0) } : {}),
    retry: false,
    signal: opts.signal,
  });
  if (res.status !== 201) throw await statusError({ action, object: "upload", registry: t.domain, response: res });
  await res.body?.cancel();
  const got = res.headers.get("docker-content-digest");
  if (got && isDigest(got) && got !== desc.digest) throw protocolError(action, `the registry stored it as ${got}`, { digest: desc.digest, actual: got });
  return { result: "uploaded" };
}

/** The repositories to try a mount from: distinct, not the target, at most mountAttempts(size). */
function mountSources(mountFrom: PushBlobOptions["mountFrom"], repo: string, size: number): string[] {
  const list = typeof mountFrom === "string" ? [mountFrom] : (mountFrom ?? []);
  return [...new Set(list.filter((r) => r && r !== repo))].slice(0, mountAttempts(size));
}

/**
 * POST …/blobs/uploads/?mount=&from=, authorized to pull from `from` and push to `repo`: "mounted"
 * (201), the Location of the upload session the registry opened instead (202), or undefined when
 * the registry refused it (no access to `from`, no mounts, an error): the caller moves on.
 */
async function tryMount(t: RegistryTransport, repo: string, desc: Descriptor, from: string, signal?: AbortSignal): Promise<"mounted" | string | undefined> {
  const action = `mount blob ${desc.digest} from ${JSON.stringify(`${t.domain}/${from}`)} into ${JSON.stringify(`${t.domain}/${repo}`)}`;
  let res: Response;
  try {
    res = await t.request({ method: "POST", url: paths.mount(repo, desc.digest, from), scopes: [repositoryScope(repo, true), repositoryScope(from)], action, headers: { "content-length": "0" }, signal });
  } catch (e) {
    // a token refused for the source's scope, a dropped connection: a plain upload may still work
    if (signal?.aborted) throw e;
    return undefined;
  }
  await res.body?.cancel();
  if (res.status === 201) {
    const got = res.headers.get("docker-content-digest");
    if (got && isDigest(got) && got !== desc.digest) throw protocolError(action, `the registry mounted ${got}`, { digest: desc.digest, actual: got });
    return "mounted";
  }
  if (res.status === 202 && res.headers.get("location")) return nextLocation(t, res, action);
  return undefined;
}

/** DELETE of an upload session that will not be used; the registry purges it anyway if this fails. */
async function cancelUpload(t: RegistryTransport, location: string, scopes: readonly string[], action: string): Promise<void> {
  try {
    const res = await t.request({ method: "DELETE", url: location, scopes, action: `${action}: cancel an unused upload session`, retry: false });
    await res.body?.cancel();
  } catch {
    // nothing to do: the session expires
  }
}

/** Each answer of a session names the URL of the next request, absolute or relative to this one (checked as every URL a registry sends). */
function nextLocation(t: RegistryTransport, res: Response, action: string): string {
  const loc = res.headers.get("location");
  if (!loc) throw protocolError(action, `the registry answered ${res.status} without a Location`, { status: res.status });
  return t.hop(loc, res.url, action, "gave an upload session at");
}
