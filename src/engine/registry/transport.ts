// HTTP to one registry: the /v2/ probe (which also picks HTTPS or, for insecure and loopback
// registries, plain HTTP), authorization per request scope with one renewal after a 401,
// redirects followed by hand so that Authorization never leaves the registry's origin (blob
// downloads are often redirected to a CDN or object store with its own signed URL), and retries
// with back-off on network errors, 408, 429 and 5xx. Callers read the status themselves.
//
// Every exchange is watched (as docker's dialer and containerd's transfer timeouts do): a registry
// that stops answering (stopped, hung, a dead NAT entry) fails the request with
// IMAGE_REGISTRY_TIMEOUT, which is retried like a network error. The clock runs only while skiff
// waits for the registry: until the answer's headers (connectMs; idleMs while the request's body
// is moving, each piece the connection takes restarting it; answerMs once it is all sent), and
// for each read of the answer's body (idleMs). A consumer that reads slowly (an unpacker behind)
// is never blamed on the registry.
import { isSkiffError, SkiffError } from "../../common/errors.ts";
import { Authorizer } from "./auth.ts";
import { DEFAULT_RETRY, backoffDelay, isRetryableStatus, sleep, type RetryPolicy } from "./backoff.ts";
import { parseChallenges } from "./challenge.ts";
import type { Credentials } from "./credentials.ts";
import { isRetryable, networkError, protocolError, statusError, urlRefused } from "./registry-error.ts";
import { endpointsFor, originOf, paths, redactUrl, type Endpoint } from "./registry-url.ts";
import { isLoopbackDomain } from "../../oci/image/reference.ts";
import { isFetchableUrl, MAX_REDIRECTS, nextHop } from "../../common/url-hop.ts";

export interface RegistryTimeouts {
  /** How long a request may wait for the registry's first sign of life: its answer, or the
   * connection taking the request's body. docker's dialer gives a connection 30 s. */
  connectMs: number;
  /** How long a transfer under way may go with no byte moving, up or down. */
  idleMs: number;
  /** How long the answer to a request whose body was sent in full may take: longer, since a
   * registry on object storage may take a while to commit a large blob. */
  answerMs: number;
}

export const DEFAULT_TIMEOUTS: RegistryTimeouts = { connectMs: 30_000, idleMs: 30_000, answerMs: 120_000 };

export interface TransportOptions {
  /** Registry domain as in a reference: "docker.io", "127.0.0.1:5000". */
  domain: string;
  insecure?: boolean;
  credentials?: Credentials;
  retry?: Partial<RetryPolicy>;
  /** When a registry that stopped answering is given up on (tests shorten them). */
  timeouts?: Partial<RegistryTimeouts>;
  userAgent?: string;
  /** Clock for token expiry (tests). */
  now?: () => number;
  /** Told before each back-off of a request or the probe: what failed, and the wait before the next try. */
  onRetry?: (action: string, delayMs: number) => void;
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

export class RegistryTransport {
  readonly domain: string;
  readonly auth: Authorizer;
  readonly retryPolicy: RetryPolicy;
  readonly timeouts: RegistryTimeouts;
  /** Plain http and redirects from https to http allowed: marked insecure, or on loopback (as docker). */
  readonly insecure: boolean;
  private readonly userAgent: string;
  private probed?: Promise<Endpoint>;
  /** The base of the endpoint that answered the probe: what a realm is resolved against. */
  private probedBase?: string;

  constructor(private readonly opts: TransportOptions) {
    this.domain = opts.domain;
    this.retryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.userAgent = opts.userAgent ?? "skiff/0.1";
    this.insecure = Boolean(opts.insecure) || isLoopbackDomain(opts.domain);
    this.auth = new Authorizer({
      domain: opts.domain,
      credentials: opts.credentials,
      now: opts.now,
      send: (url, init, action) => this.send(url, init, action),
      realmUrl: (realm, action) => this.hop(realm, this.probedBase ?? `https://${opts.domain}/`, action, "gave a token realm of"),
    });
  }

  /**
   * GET /v2/ once per transport: picks the endpoint that answers and records its challenges.
   * 200 and 401 are both good answers; a failed probe is forgotten so the next call probes again.
   */
  ping(): Promise<Endpoint> {
    this.probed ??= this.probe().catch((e) => {
      this.probed = undefined;
      // the probe retried what was worth it already: the callers' own retry loops must not probe
      // again (a refused or unresolvable registry would wait through every loop's back-off)
      if (isSkiffError(e)) e.details.retryable = false;
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
          res = await this.send(ep.base + paths.ping(), { headers: { "user-agent": this.userAgent }, redirect: "manual" }, action, ep);
        } catch (e) {
          lastError = e;
          continue; // the next endpoint: HTTPS refused or not spoken → plain HTTP where allowed
        }
        if (res.status === 200 || res.status === 401) {
          await res.body?.cancel();
          this.probedBase = ep.base + paths.ping();
          this.auth.setChallenges(parseChallenges(res.headers.get("www-authenticate")));
          return ep;
        }
        if (res.status === 404) {
          await res.body?.cancel();
          throw protocolError(action, `${ep.base} answered 404 for /v2/: not an OCI distribution registry`, { status: 404 });
        }
        retryAfter = res.headers.get("retry-after");
        lastError = await statusError({ action, object: "registry", registry: this.domain, response: res });
        if (!isRetryableStatus(res.status)) throw lastError;
        break;
      }
      // Nothing listening, or no such host, is an answer, as docker takes it: no waiting for a
      // registry that is not there. A failure once connected (a reset, a 5xx) is retried.
      if (neverConnected(lastError) || ++failures >= this.retryPolicy.tries) throw lastError;
      await this.backOff(action, backoffDelay(failures, this.retryPolicy, retryAfter));
    }
  }

  /** Waits `ms` before another try, telling the caller first (docker's "Retrying in N seconds"). */
  backOff(action: string, ms: number, signal?: AbortSignal): Promise<void> {
    this.opts.onRetry?.(action, ms);
    return sleep(ms, signal);
  }

  /**
   * A URL the registry sent (`what` it was, in words: "redirected to", "gave an upload session at"),
   * resolved against the URL it came with, if skiff may request it; else IMAGE_REGISTRY_URL_REFUSED.
   */
  hop(location: string, from: string, action: string, what: string): string {
    const h = nextHop(location, from, { allowDowngrade: this.insecure });
    if (!h.ok) throw urlRefused(action, this.domain, `${what} ${h.why}`, h.scheme);
    return h.url;
  }

  /** Sends a request with authorization, redirects and retries; returns the final response, whatever its status. */
  async request(req: RegistryRequest): Promise<Response> {
    const ep = await this.ping();
    // absolute URLs come from the registry (upload sessions, pages): checked as they came, and again here
    const url = req.url.startsWith("/") ? ep.base + req.url : this.hop(req.url, ep.base + paths.ping(), req.action, "gave");
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
        await this.backOff(req.action, backoffDelay(failures, this.retryPolicy), req.signal);
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
        await this.backOff(req.action, backoffDelay(failures, this.retryPolicy, retryAfter), req.signal);
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
      const next = this.hop(location, current, action, "redirected to");
      if (originOf(next) !== originOf(current)) init.headers.delete("authorization");
      if (res.status === 303) {
        method = "GET";
        body = null;
      }
      current = next;
    }
  }

  /**
   * fetch with the endpoint's TLS setting (only on its own origin), the timeouts, and network errors
   * typed. The registry client's only call of fetch: every URL reaching it went through `hop` or is
   * the endpoint's own; the check here keeps it so.
   */
  private async send(url: string, init: RequestInit, action: string, ep?: Endpoint): Promise<Response> {
    if (!isFetchableUrl(url)) throw urlRefused(action, this.domain, `led to a URL that is not http or https`);
    const watch = new Watchdog(this.timeouts, action, url);
    const signal = init.signal ? AbortSignal.any([init.signal, watch.signal]) : watch.signal;
    const body = init.body instanceof ReadableStream ? watch.upload(init.body as ReadableStream<Uint8Array>) : init.body;
    let res: Response;
    try {
      res = await fetch(url, { ...init, body, signal, ...(ep ? tlsFor(ep, url) : {}) });
    } catch (e) {
      watch.stop();
      throw networkError(action, url, watch.timedOut ?? e);
    }
    return watch.download(res, init.method ?? "GET");
  }
}

/** Statuses whose answer has no body (a Response refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The clock of one exchange: runs while skiff waits for the registry, and aborts the exchange
 * with IMAGE_REGISTRY_TIMEOUT when the registry keeps it waiting too long. One timer per exchange,
 * re-armed only when it fires early (progress moves `since`, cheaply, once per chunk).
 */
class Watchdog {
  private readonly ctl = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private waiting = false;
  private since = 0;
  private limit: number;
  /** What the exchange is waiting for, for the message. */
  private phase: "answer" | "taking" | "data" = "answer";
  timedOut: SkiffError | undefined;

  constructor(
    private readonly t: RegistryTimeouts,
    private readonly action: string,
    private readonly url: string,
  ) {
    this.limit = t.connectMs;
    this.wait();
  }

  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  /** Starts (or continues) waiting; the clock counts from now. */
  private wait(): void {
    this.waiting = true;
    this.since = performance.now();
    this.timer ??= setTimeout(() => this.check(), this.limit);
  }

  /** Something moved: the clock restarts. */
  private progress(): void {
    this.since = performance.now();
  }

  /** The time allowed from now on; a pending timer set for another is set anew. */
  private setLimit(ms: number): void {
    if (ms === this.limit) return;
    this.limit = ms;
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), Math.max(0, ms - (performance.now() - this.since)));
  }

  stop(): void {
    this.waiting = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    this.timer = undefined;
    if (!this.waiting) return;
    const left = this.limit - (performance.now() - this.since);
    if (left > 0) {
      this.timer = setTimeout(() => this.check(), left);
      return;
    }
    this.timedOut = timeoutError(this.action, this.url, this.phase, this.limit);
    this.ctl.abort(this.timedOut);
  }

  /** The request's body, watched: each piece the connection pulls is progress; after the last, the answer is awaited. */
  upload(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    const reader = body.getReader();
    return new ReadableStream<Uint8Array>(
      {
        pull: async (c) => {
          this.phase = "taking";
          this.progress();
          this.setLimit(this.t.idleMs);
          const r = await reader.read();
          if (r.done) {
            this.phase = "answer";
            this.setLimit(this.t.answerMs);
            c.close();
          } else c.enqueue(r.value);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
  }

  /** The answer, its body watched read by read; the clock stops between reads. */
  download(res: Response, method: string): Response {
    this.stop();
    if (!res.body || method === "HEAD" || NULL_BODY.has(res.status)) return res;
    this.limit = this.t.idleMs;
    this.phase = "data";
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>(
      {
        pull: async (c) => {
          this.wait();
          let r: Awaited<ReturnType<typeof reader.read>>;
          try {
            r = await reader.read();
          } catch (e) {
            this.stop();
            throw this.timedOut ?? e;
          }
          this.waiting = false;
          if (r.done) {
            this.stop();
            c.close();
          } else c.enqueue(r.value);
        },
        cancel: (reason) => {
          this.stop();
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
    const out = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    // callers resolve Location headers and name URLs in errors by it
    Object.defineProperty(out, "url", { value: res.url });
    return out;
  }
}

function timeoutError(action: string, url: string, phase: "answer" | "taking" | "data", ms: number): SkiffError {
  const host = new URL(url).host;
  const secs = `${ms / 1000} s`;
  const what = phase === "answer" ? `no answer from ${host} for ${secs}` : phase === "taking" ? `${host} took no data for ${secs}` : `no data from ${host} for ${secs}`;
  return new SkiffError({
    layer: "image",
    code: "IMAGE_REGISTRY_TIMEOUT",
    kind: "unavailable",
    message: `${action}: ${what}`,
    hint: "the registry stopped answering (stopped or overloaded, or the network dropped the connection); check that it is running and reachable, then retry",
    details: { url: redactUrl(url), timeoutMs: ms, step: action },
  });
}

/** Certificate checks are skipped only for an insecure registry's own origin, never for a redirect target. */
function tlsFor(ep: Endpoint, url: string): { tls?: { rejectUnauthorized: boolean } } {
  return ep.skipVerify && url.startsWith("https:") && originOf(url) === originOf(ep.base) ? { tls: { rejectUnauthorized: false } } : {};
}

/** Failures before any connection: the name does not resolve, or nothing listens, or no route. */
const NO_CONNECTION = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "ENETUNREACH", "EHOSTUNREACH", "EADDRNOTAVAIL"]);
const neverConnected = (e: unknown): boolean => isSkiffError(e) && NO_CONNECTION.has(String(e.details.errno));
