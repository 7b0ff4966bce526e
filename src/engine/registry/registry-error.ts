// Registry answers and network failures become SkiffErrors here, once, with the action first, the
// HTTP status in details and the registry's own error code when it sent one. Messages carry
// repository names and digests, never credentials, tokens or query strings (a redirect URL may
// hold a signature).
import { errnoOf } from "../../common/errno.ts";
import { isSkiffError, SkiffError, type ErrorKind } from "../../common/errors.ts";
import { DOCKER_HUB } from "../../oci/image/reference.ts";
import { isDockerHub } from "../../oci/image/registry-host.ts";
import { parseJsonText } from "../../common/json-text.ts";
import { readAtMost as readBody } from "../../common/read-at-most.ts";
import { redactUrl } from "./registry-url.ts";

/** What a request was for, to pick the not-found code and word the message. */
export type RegistryObject = "manifest" | "blob" | "upload" | "repository" | "registry" | "token";

const NOT_FOUND: Record<RegistryObject, string> = {
  manifest: "IMAGE_MANIFEST_NOT_FOUND",
  blob: "IMAGE_REGISTRY_BLOB_NOT_FOUND",
  upload: "IMAGE_UPLOAD_NOT_FOUND",
  repository: "IMAGE_REPOSITORY_NOT_FOUND",
  registry: "IMAGE_REGISTRY_NOT_FOUND",
  token: "IMAGE_REGISTRY_UNAUTHORIZED",
};

/** Distribution's error codes (errors[].code) that name the missing thing better than the request does. */
const BY_REGISTRY_CODE: Record<string, string> = {
  MANIFEST_UNKNOWN: "IMAGE_MANIFEST_NOT_FOUND",
  BLOB_UNKNOWN: "IMAGE_REGISTRY_BLOB_NOT_FOUND",
  NAME_UNKNOWN: "IMAGE_REPOSITORY_NOT_FOUND",
  BLOB_UPLOAD_UNKNOWN: "IMAGE_UPLOAD_NOT_FOUND",
};

export interface StatusErrorInit {
  /** "fetch manifest \"127.0.0.1:5000/app:1\"" — what was being done. */
  action: string;
  object: RegistryObject;
  /** The registry's domain as in a reference ("127.0.0.1:5000", "docker.io"), named in hints. */
  registry: string;
  response: Response;
  /** The response body when the caller already read it; otherwise it is read here (bounded). */
  body?: string;
}

/** A non-success answer as a SkiffError; reads (at most 16 KiB of) the body for the registry's error list. */
export async function statusError(init: StatusErrorInit): Promise<SkiffError> {
  const res = init.response;
  const body = init.body ?? (await readBounded(res, 16384).catch(() => ""));
  const { code: registryCode, message: registryMessage } = registryErrors(body);
  const status = res.status;
  const said = `registry answered ${status}${res.statusText ? ` ${res.statusText}` : ""}${registryMessage ? `: ${registryMessage}` : ""}`;
  const details = { status, ...(registryCode ? { registryCode } : {}) };
  const make = (code: string, kind: ErrorKind, hint?: string) => new SkiffError({ layer: "image", code, kind, message: `${init.action}: ${said}`, hint, details });
  if (status === 401) return make("IMAGE_REGISTRY_UNAUTHORIZED", "failed_precondition", `log in with \`${loginCommand(init.registry)}\`, or check the credentials in your docker config.json`);
  if (status === 403) return make("IMAGE_REGISTRY_DENIED", "failed_precondition", "the account has no access to this repository");
  if (status === 404) {
    const code = (registryCode && BY_REGISTRY_CODE[registryCode]) || NOT_FOUND[init.object];
    return make(code, "not_found", init.object === "manifest" ? "check the repository name and tag" : undefined);
  }
  if (status === 429) return make("IMAGE_REGISTRY_RATE_LIMITED", "unavailable", "the registry limits requests; wait and retry, or log in for a higher limit");
  if (status >= 500) return make("IMAGE_REGISTRY_UNAVAILABLE", "unavailable", "the registry failed; retry later");
  if (status === 416) return make("IMAGE_REGISTRY_PROTOCOL", "internal", "the registry refused the byte range asked for");
  return make("IMAGE_REGISTRY_ERROR", "invalid_argument");
}

/** The command that logs in to `registry`: Docker Hub is `skiff login`'s default, others are named. */
export const loginCommand = (registry: string): string => (registry === DOCKER_HUB ? "skiff login" : `skiff login ${registry}`);

/** A failure below HTTP (refused, reset, TLS, DNS) as IMAGE_REGISTRY_UNREACHABLE. */
export function networkError(action: string, url: string, e: unknown): unknown {
  if (isSkiffError(e) || (e instanceof Error && e.name === "AbortError")) return e;
  const errno = errnoOf(e);
  const why = errno ?? (e instanceof Error ? e.message.split("\n")[0]! : String(e));
  // a TLS handshake that fails is no passing trouble (a plain-HTTP registry, most often): said at
  // once, in the message itself, which is all the docker CLI shows (a new-user trial: ~10 s of
  // retries, then "TLS handshake failed" with the hint left out)
  const tls = errno === "EPROTO";
  return new SkiffError({
    layer: "image",
    code: "IMAGE_REGISTRY_UNREACHABLE",
    kind: "unavailable",
    message: `${action}: ${redactUrl(url)}: ${why === errno ? describeErrno(errno) : why}${tls ? " (the registry may answer plain HTTP: skiffd reaches it so only when it is marked insecure)" : ""}`,
    hint: networkHint(errno, url),
    cause: e,
    details: { url: redactUrl(url), ...(errno ? { errno } : {}), ...(tls ? { retryable: false } : {}) },
  });
}

/** Docker Hub is where a name without a registry part goes: on a host that cannot reach it, the
 *  user's fix is another image source, not a registry name's spelling (a new-user trial met it). */
const HUB_UNREACHABLE =
  "docker.io (Docker Hub) is where an image name without a registry part is pulled from, and this host cannot reach it: check its network and DNS, or name the image on a registry it reaches (HOST:PORT/NAME), or bring it in with skiff load or skiff import";

function networkHint(errno: string | undefined, url: string): string {
  let hub = false;
  try {
    hub = isDockerHub(new URL(url).host);
  } catch {}
  if (hub && errno !== "EPROTO") return HUB_UNREACHABLE;
  return NETWORK_HINTS[errno ?? ""] ?? "check that the registry is running and reachable";
}

/** A response the distribution spec does not allow (missing Location, bad Content-Range, bad token JSON). */
export function protocolError(action: string, why: string, details: Record<string, unknown> = {}): SkiffError {
  return new SkiffError({ layer: "image", code: "IMAGE_REGISTRY_PROTOCOL", kind: "internal", message: `${action}: ${why}`, hint: "the registry does not follow the OCI distribution spec here", details });
}

/**
 * A URL the registry sent that skiff will not request (a file: redirect, a downgrade to http):
 * `why` completes "the registry DOMAIN ...".
 */
export function urlRefused(action: string, registry: string, why: string, scheme?: string): SkiffError {
  return new SkiffError({
    layer: "image",
    code: "IMAGE_REGISTRY_URL_REFUSED",
    kind: "failed_precondition",
    message: `${action}: the registry ${registry} ${why}`,
    hint: "skiff follows only http and https URLs from a registry, and plain http only for an insecure registry; the registry may be misconfigured or hostile",
    details: { registry, ...(scheme ? { scheme } : {}) },
  });
}

/** True for errors worth another try: the network, 5xx, 429, a registry that stopped answering, a transfer cut short. */
export function isRetryable(e: unknown): boolean {
  if (!isSkiffError(e)) return errnoOf(e) !== undefined;
  if (e.details.retryable === false) return false;
  return ["IMAGE_REGISTRY_UNREACHABLE", "IMAGE_REGISTRY_UNAVAILABLE", "IMAGE_REGISTRY_RATE_LIMITED", "IMAGE_REGISTRY_TIMEOUT", "IMAGE_BLOB_TRUNCATED"].includes(e.code);
}

/** At most `limit` bytes of the body, as text (an error body, a token answer); the rest is dropped. */
export async function readBounded(res: Response, limit: number): Promise<string> {
  return new TextDecoder().decode((await readAtMost(res, limit)).subarray(0, limit));
}

/** The body's bytes, read until more than `limit` came (the caller tells a body too large by length > limit). */
export const readAtMost = (res: Response, limit: number): Promise<Uint8Array> => readBody(res.body, limit);

/** The first of distribution's `errors` in an error body; nothing for any other shape. */
function registryErrors(body: string): { code?: string; message?: string } {
  const parsed = parseJsonText(body, { maxBytes: 1 << 20, maxDepth: 16 });
  if (!parsed.ok) return {};
  const o = parsed.value as { errors?: unknown } | null;
  const first = o !== null && typeof o === "object" && Array.isArray(o.errors) ? (o.errors[0] as { code?: unknown; message?: unknown } | null | undefined) : undefined;
  if (first === null || typeof first !== "object") return {};
  const code = typeof first.code === "string" ? printable(first.code.slice(0, 64)) : undefined;
  const message = typeof first.message === "string" ? printable(first.message.slice(0, 200)) : undefined;
  return { code, message: code && message ? `${code}: ${message}` : (message ?? code) };
}

/** A registry's words, fit for one line of a terminal: control characters (escape sequences) shown as "?". */
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");

const NETWORK_HINTS: Record<string, string> = {
  EPROTO: "the registry may speak plain HTTP; mark it insecure (--insecure-registry) to allow that",
  ENOTFOUND: "the registry's name does not resolve: check its spelling (the first part of an image name with a \".\" or \":\" is a registry host) and the host's DNS",
  EAI_AGAIN: "the registry's name could not be looked up: check the host's DNS, then retry",
  ECONNREFUSED: "nothing listens there: check that the registry is running and the port is right",
};

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "timed out",
  EPROTO: "TLS handshake failed",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
};
const describeErrno = (errno: string) => ERRNO_TEXT[errno] ?? errno;
