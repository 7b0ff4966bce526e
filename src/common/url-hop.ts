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
