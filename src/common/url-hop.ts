// The one place where a URL that a remote server sent (a redirect's Location, a token realm, an
// upload session's Location, a Link to the next page, a foreign layer's URL) becomes a URL skiff
// will request. The fetch of Bun (and of Node) opens file:, data: and blob: URLs as readily as
// http:, so a hostile server that answers `307 Location: file:///etc/passwd` would make the daemon
// read host files: only http and https pass. A redirect from https to plain http is refused unless
// the caller allows it (an insecure registry), since it would send the rest of the exchange in clear.

/** Redirects followed per request, at most (Go's net/http, which docker uses, stops after 10). */
export const MAX_REDIRECTS = 10;

export interface HopRules {
  /** https → http allowed (the user marked the server insecure). */
  allowDowngrade?: boolean;
}

export type Hop = { ok: true; url: string } | { ok: false; why: string; scheme?: string };

/**
 * `location` resolved against `from` (the URL that sent it), if skiff may go there. `why` says why
 * not, in words fit for a message after "the registry sent ...".
 */
export function nextHop(location: string, from: string, rules: HopRules = {}): Hop {
  let url: URL;
  try {
    url = new URL(location, from);
  } catch {
    return { ok: false, why: "a URL that does not parse" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, why: `a ${url.protocol.replace(/:$/, "")}: URL (only http and https are followed)`, scheme: url.protocol.replace(/:$/, "") };
  if (!url.hostname) return { ok: false, why: "a URL with no host" };
  if (url.protocol === "http:" && from.startsWith("https:") && !rules.allowDowngrade) return { ok: false, why: "a plain http URL after https (a downgrade; allowed only for an insecure registry)", scheme: "http" };
  return { ok: true, url: url.toString() };
}

/** Whether `url` is one skiff may hand to fetch: absolute http or https with a host. */
export function isFetchableUrl(url: string): boolean {
  return URL.canParse(url) && /^https?:$/.test(new URL(url).protocol) && new URL(url).hostname !== "";
}

export interface FetchHopsOptions extends HopRules {
  signal?: AbortSignal;
  /** The error for a hop refused (`why` as nextHop says it). */
  refuse: (why: string, scheme?: string) => Error;
  /** The error for more than MAX_REDIRECTS redirects. */
  tooMany: () => Error;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * GET of a URL from outside (a user's `import URL`), each redirect checked by nextHop. For a
 * download that carries no credentials; the registry client has its own loop, which also drops
 * Authorization across origins.
 */
export async function fetchFollowingHops(url: string, opts: FetchHopsOptions): Promise<Response> {
  if (!isFetchableUrl(url)) throw opts.refuse("not an http or https URL");
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await fetch(current, { signal: opts.signal, redirect: "manual" });
    const location = res.headers.get("location");
    if (!REDIRECT_STATUSES.has(res.status) || !location) return res;
    await res.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw opts.tooMany();
    const next = nextHop(location, current, opts);
    if (!next.ok) throw opts.refuse(`redirected to ${next.why}`, next.scheme);
    current = next.url;
  }
}
