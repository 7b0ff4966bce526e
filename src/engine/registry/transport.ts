// HTTP to one registry: the /v2/ probe (which also picks HTTPS or, for insecure and loopback
// registries, plain HTTP), authorization per request scope with one renewal after a 401,
// redirects followed by hand so that Authorization never leaves the registry's origin (blob
// downloads are often redirected to a CDN or object store with its own signed URL), and retries
// with back-off on network errors, 408, 429 and 5xx. Callers read the status themselves.
import { Authorizer } from "./auth.ts";
import { DEFAULT_RETRY, backoffDelay, isRetryableStatus, sleep, type RetryPolicy } from "./backoff.ts";
import { parseChallenges } from "./challenge.ts";
import type { Credentials } from "./credentials.ts";
import { isRetryable, networkError, protocolError, statusError } from "./registry-error.ts";
import { endpointsFor, originOf, paths, type Endpoint } from "./registry-url.ts";

export interface TransportOptions {
  /** Registry domain as in a reference: "docker.io", "127.0.0.1:5000". */
  domain: string;
  insecure?: boolean;
  credentials?: Credentials;
  retry?: Partial<RetryPolicy>;
  userAgent?: string;
  /** Clock for token expiry (tests). */
  now?: () => number;
}

export type Body = Blob | Uint8Array | string;

export interface RegistryRequest {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** "/v2/…" under the endpoint, or an absolute URL (an upload session's Location). */
  url: string;
  /** Token scopes the request needs ("repository:a/b:pull"). */
  scopes: readonly string[];
  /** What is being done, first in any error message: 'fetch manifest "host/a/b:1"'. */
  action: string;
  headers?: Record<string, string>;
  /** Replayable bodies only, so a retry can send it again: bytes, or a function that makes a
   * fresh stream for every send (an upload that counts what fetch pulls, for progress). */
  body?: Body | (() => ReadableStream<Uint8Array>);
  /** Retry on network errors and retryable statuses; default true for GET and HEAD. */
  retry?: boolean;
  signal?: AbortSignal;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

export class RegistryTransport {
  readonly domain: string;
  readonly auth: Authorizer;
  readonly retryPolicy: RetryPolicy;
  private readonly userAgent: string;
  private probed?: Promise<Endpoint>;

  constructor(private readonly opts: TransportOptions) {
    this.domain = opts.domain;
    this.retryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
    this.userAgent = opts.userAgent ?? "skiff/0.1";
    this.auth = new Authorizer({ domain: opts.domain, credentials: opts.credentials, now: opts.now, send: (url, init) => this.send(url, init, `request token for ${opts.domain}`) });
  }

  /**
   * GET /v2/ once per transport: picks the endpoint that answers and records its challenges.
   * 200 and 401 are both good answers; a failed probe is forgotten so the next call probes again.
   */
  ping(): Promise<Endpoint> {
    this.probed ??= this.probe().catch((e) => {
      this.probed = undefined;
      throw e;
    });
    return this.probed;
  }

  private async probe(): Promise<Endpoint> {
    const action = `probe registry ${this.domain}`;
    const endpoints = endpointsFor(this.domain, { insecure: this.opts.insecure });
    for (let failures = 0; ; ) {
      let lastError: unknown;
      let retryAfter: string | null = null;
      for (const ep of endpoints) {
        let res: Response;
        try {
          res = await fetch(ep.base + paths.ping(), { headers: { "user-agent": this.userAgent }, redirect: "manual", ...tlsFor(ep, ep.base) });
        } catch (e) {
          lastError = networkError(action, ep.base + paths.ping(), e);
          continue; // the next endpoint: HTTPS refused or not spoken → plain HTTP where allowed
        }
        if (res.status === 200 || res.status === 401) {
          await res.body?.cancel();
          this.auth.setChallenges(parseChallenges(res.headers.get("www-authenticate")));
          return ep;
        }
        if (res.status === 404) {
          await res.body?.cancel();
          throw protocolError(action, `${ep.base} answered 404 for /v2/: not an OCI distribution registry`, { status: 404 });
        }
        retryAfter = res.headers.get("retry-after");
        lastError = await statusError({ action, object: "registry", response: res });
        if (!isRetryableStatus(res.status)) throw lastError;
        break;
      }
      if (++failures >= this.retryPolicy.tries) throw lastError;
      await sleep(backoffDelay(failures, this.retryPolicy, retryAfter));
    }
  }

  /** Sends a request with authorization, redirects and retries; returns the final response, whatever its status. */
  async request(req: RegistryRequest): Promise<Response> {
    const ep = await this.ping();
    const url = req.url.startsWith("/") ? ep.base + req.url : req.url;
    const retry = req.retry ?? (req.method === "GET" || req.method === "HEAD");
    let authRenewed = false;
    for (let failures = 0; ; ) {
      let res: Response;
      try {
        const headers = new Headers(req.headers);
        headers.set("user-agent", this.userAgent);
        const authorization = originOf(url) === originOf(ep.base) ? await this.auth.authorization(req.scopes) : undefined;
        if (authorization) headers.set("authorization", authorization);
        const body = typeof req.body === "function" ? req.body() : (req.body ?? null);
        res = await this.follow(url, { method: req.method, headers, body, signal: req.signal }, ep, req.action);
      } catch (e) {
        if (!retry || !isRetryable(e) || ++failures >= this.retryPolicy.tries) throw e;
        await sleep(backoffDelay(failures, this.retryPolicy), req.signal);
        continue;
      }
      if (res.status === 401 && !authRenewed) {
        authRenewed = true;
        if (this.auth.unauthorized(req.scopes, parseChallenges(res.headers.get("www-authenticate")))) {
          await res.body?.cancel();
          continue;
        }
      }
      if (retry && isRetryableStatus(res.status) && ++failures < this.retryPolicy.tries) {
        const retryAfter = res.headers.get("retry-after");
        await res.body?.cancel();
        await sleep(backoffDelay(failures, this.retryPolicy, retryAfter), req.signal);
        continue;
      }
      return res;
    }
  }

  /** One exchange, redirects followed; Authorization is dropped for good once a hop leaves the origin. */
  private async follow(url: string, init: RequestInit & { headers: Headers }, ep: Endpoint, action: string): Promise<Response> {
    let current = url;
    let method = init.method ?? "GET";
    let body = init.body;
    for (let hop = 0; ; hop++) {
      const res = await this.send(current, { ...init, method, body, redirect: "manual" }, action, ep);
      const location = res.headers.get("location");
      const redirected = REDIRECTS.has(res.status) && location && (method === "GET" || method === "HEAD");
      if (!redirected) return res;
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw protocolError(action, `more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, current).toString();
      if (originOf(next) !== originOf(current)) init.headers.delete("authorization");
      if (res.status === 303) {
        method = "GET";
        body = null;
      }
      current = next;
    }
  }

  /** fetch with the endpoint's TLS setting (only on its own origin) and network errors typed. */
  private async send(url: string, init: RequestInit, action: string, ep?: Endpoint): Promise<Response> {
    try {
      return await fetch(url, { ...init, ...(ep ? tlsFor(ep, url) : {}) });
    } catch (e) {
      throw networkError(action, url, e);
    }
  }
}

/** Certificate checks are skipped only for an insecure registry's own origin, never for a redirect target. */
function tlsFor(ep: Endpoint, url: string): { tls?: { rejectUnauthorized: boolean } } {
  return ep.skipVerify && url.startsWith("https:") && originOf(url) === originOf(ep.base) ? { tls: { rejectUnauthorized: false } } : {};
}
