// Manifests and indexes over the distribution API: GET (by tag or digest) with the Accept list of
// OCI and Docker schema 2 types, verified against the digest the reference or index names, else
// against the registry's Docker-Content-Digest; HEAD to resolve a tag cheaply; PUT with the
// document's own media type as Content-Type.
import { invalid, SkiffError } from "../../common/errors.ts";
import type { Descriptor } from "../../oci/image/descriptor.ts";
import { digestBytes, isDigest, parseDigest, type Digest } from "../../oci/image/digest.ts";
import { MAX_MANIFEST_BYTES, parseManifest, type AnyManifest } from "../../oci/image/manifest.ts";
import { MANIFEST_ACCEPT } from "../../oci/image/media-types.ts";
import { repositoryScope } from "./auth.ts";
import { backoffDelay } from "./backoff.ts";
import { isRetryable, networkError, statusError } from "./registry-error.ts";
import { paths } from "./registry-url.ts";
import type { RegistryTransport } from "./transport.ts";

export { MAX_MANIFEST_BYTES };

export interface FetchedManifest {
  /** Media type, digest and size of the bytes as fetched. */
  descriptor: Descriptor;
  bytes: Uint8Array;
  manifest: AnyManifest;
}

const at = (reference: string) => (isDigest(reference) ? `@${reference}` : `:${reference}`);

/**
 * Fetches and parses a manifest or index. `expected` (a descriptor from an index) adds a size check.
 * Errors: IMAGE_MANIFEST_NOT_FOUND, IMAGE_DIGEST_MISMATCH, IMAGE_MANIFEST_TOO_LARGE,
 * IMAGE_MANIFEST_INVALID, IMAGE_UNKNOWN_MEDIA_TYPE, IMAGE_MANIFEST_SCHEMA1, registry errors.
 */
export async function getManifest(t: RegistryTransport, repo: string, reference: string, expected?: Descriptor): Promise<FetchedManifest> {
  const name = `${t.domain}/${repo}${at(reference)}`;
  const action = `fetch manifest ${JSON.stringify(name)}`;
  const { res, bytes } = await fetchBytes(t, repo, reference, action);
  const wanted = isDigest(reference) ? reference : expected?.digest;
  let digest: Digest;
  if (wanted) {
    digest = digestBytes(bytes, parseDigest(wanted).algorithm);
    if (digest !== wanted) throw mismatch(action, wanted, digest);
  } else {
    digest = digestBytes(bytes);
    const header = res.headers.get("docker-content-digest");
    if (header && isDigest(header)) {
      const ours = digestBytes(bytes, parseDigest(header).algorithm);
      if (ours !== header) throw mismatch(action, header, ours);
      digest = header;
    }
  }
  if (expected && expected.size !== bytes.byteLength) {
    throw invalid("image", "IMAGE_SIZE_MISMATCH", `${action}: the index says ${expected.size} bytes, got ${bytes.byteLength}`, "the index describing this manifest is wrong", { digest });
  }
  const manifest = parseManifest(bytes, res.headers.get("content-type") ?? undefined, `manifest ${name}`);
  return { descriptor: { mediaType: manifest.mediaType, digest, size: bytes.byteLength }, bytes, manifest };
}

/** Resolves a tag (or checks a digest) with HEAD; undefined when the registry has no such manifest. */
export async function headManifest(t: RegistryTransport, repo: string, reference: string): Promise<Descriptor | undefined> {
  const action = `resolve manifest ${JSON.stringify(`${t.domain}/${repo}${at(reference)}`)}`;
  const res = await t.request({ method: "HEAD", url: paths.manifest(repo, reference), scopes: [repositoryScope(repo)], action, headers: { accept: MANIFEST_ACCEPT } });
  if (res.status === 404) return undefined;
  if (!res.ok) throw await statusError({ action, object: "manifest", registry: t.domain, response: res, body: "" });
  const header = res.headers.get("docker-content-digest");
  const digest = isDigest(reference) ? reference : header && isDigest(header) ? header : undefined;
  const size = Number(res.headers.get("content-length"));
  // Without a digest or size HEAD cannot resolve; GET (which hashes the bytes) can.
  if (!digest || !Number.isInteger(size) || size <= 0) return (await getManifest(t, repo, reference)).descriptor;
  return { mediaType: (res.headers.get("content-type") ?? "").split(";")[0]!.trim(), digest: digest as Digest, size };
}

/**
 * Uploads a manifest under a tag or its digest; returns its digest. The registry's
 * Docker-Content-Digest, when sent, must agree with ours.
 */
export async function putManifest(t: RegistryTransport, repo: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<Digest> {
  const digest = digestBytes(bytes);
  const action = `push manifest ${JSON.stringify(`${t.domain}/${repo}${at(reference)}`)}`;
  if (isDigest(reference) && reference !== digestBytes(bytes, parseDigest(reference).algorithm)) {
    throw new Error(`putManifest: ${reference} is not the digest of the bytes`);
  }
  const res = await t.request({ method: "PUT", url: paths.manifest(repo, reference), scopes: [repositoryScope(repo, true)], action, headers: { "content-type": mediaType }, body: bytes, retry: true });
  if (res.status !== 201 && !res.ok) throw await statusError({ action, object: "manifest", registry: t.domain, response: res });
  await res.body?.cancel();
  const header = res.headers.get("docker-content-digest");
  if (header && isDigest(header) && parseDigest(header).algorithm === "sha256" && header !== digest) throw mismatch(action, digest, header);
  return digest;
}

/** GET and read the body; a connection lost while reading is retried like one lost before the answer. */
async function fetchBytes(t: RegistryTransport, repo: string, reference: string, action: string): Promise<{ res: Response; bytes: Uint8Array }> {
  for (let failures = 0; ; ) {
    const res = await t.request({ method: "GET", url: paths.manifest(repo, reference), scopes: [repositoryScope(repo)], action, headers: { accept: MANIFEST_ACCEPT } });
    if (!res.ok) throw await statusError({ action, object: "manifest", registry: t.domain, response: res });
    try {
      return { res, bytes: await readManifestBody(res, action) };
    } catch (e) {
      const err = networkError(action, res.url, e);
      if (!isRetryable(err) || ++failures >= t.retryPolicy.tries) throw err;
      await t.backOff(action, backoffDelay(failures, t.retryPolicy));
    }
  }
}

async function readManifestBody(res: Response, action: string): Promise<Uint8Array> {
  const tooLarge = () =>
    invalid("image", "IMAGE_MANIFEST_TOO_LARGE", `${action}: larger than ${MAX_MANIFEST_BYTES} bytes`, "a manifest this large is not an image manifest", { limit: MAX_MANIFEST_BYTES });
  if (Number(res.headers.get("content-length")) > MAX_MANIFEST_BYTES) {
    await res.body?.cancel();
    throw tooLarge();
  }
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of res.body ?? []) {
    n += c.byteLength;
    if (n > MAX_MANIFEST_BYTES) throw tooLarge();
    parts.push(c);
  }
  return Buffer.concat(parts);
}

function mismatch(action: string, expected: string, got: string): SkiffError {
  return new SkiffError({
    layer: "image",
    code: "IMAGE_DIGEST_MISMATCH",
    kind: "invalid_argument",
    message: `${action}: expected digest ${expected}, got ${got}`,
    hint: "the manifest was altered in transit or the registry is corrupt; nothing was stored",
    details: { digest: expected, actual: got },
  });
}
