// Authorization for one registry, per the distribution spec's token flow and RFC 7617:
// the /v2/ probe's challenges decide the scheme; a bearer token is requested from the realm for the
// scopes a request needs (with basic credentials, or an identity token as an OAuth2 refresh
// token) and cached per scope set until it expires; basic sends the credentials as they are.
// Tokens and passwords go into headers only, never into messages or logs.
import { SkiffError } from "../../common/errors.ts";
import { parseJsonText } from "../../common/json-text.ts";
import type { Challenge } from "./challenge.ts";
import type { Credentials } from "./credentials.ts";
import { protocolError, readAtMost, statusError } from "./registry-error.ts";
import { redactUrl } from "./registry-url.ts";

export type AuthScheme = { kind: "anonymous" } | { kind: "basic" } | { kind: "bearer"; realm: string; service?: string };

/** Bearer first, as docker orders its handlers; basic only with a username; else anonymous. */
export function chooseScheme(challenges: readonly Challenge[], creds?: Credentials): AuthScheme {
  const bearer = challenges.find((c) => c.scheme === "bearer" && c.params.realm);
  if (bearer) return { kind: "bearer", realm: bearer.params.realm!, ...(bearer.params.service !== undefined ? { service: bearer.params.service } : {}) };
  if (challenges.some((c) => c.scheme === "basic") && basicAuthorization(creds)) return { kind: "basic" };
  return { kind: "anonymous" };
}

export function basicAuthorization(c?: Credentials): string | undefined {
  if (!c?.username) return undefined;
  return `Basic ${Buffer.from(`${c.username}:${c.password ?? ""}`).toString("base64")}`;
}

/**
 * The token request for scopes: POST of an OAuth2 refresh_token grant when an identity token is
 * known, else GET with repeated `scope` parameters and, with credentials, basic authorization.
 * Redirects are not followed, since the credentials would go along.
 */
export function tokenRequest(s: { realm: string; service?: string }, scopes: readonly string[], creds?: Credentials, clientId = "skiff"): { url: string; init: RequestInit } {
  if (creds?.identityToken) {
    const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: creds.identityToken, client_id: clientId });
    if (s.service !== undefined) form.set("service", s.service);
    if (scopes.length) form.set("scope", scopes.join(" "));
    return { url: s.realm, init: { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString(), redirect: "manual" } };
  }
  const u = new URL(s.realm);
  if (s.service !== undefined) u.searchParams.set("service", s.service);
  for (const scope of scopes) u.searchParams.append("scope", scope);
  const basic = basicAuthorization(creds);
  if (basic) u.searchParams.set("account", creds!.username!);
  return { url: u.toString(), init: { method: "GET", headers: basic ? { authorization: basic } : {}, redirect: "manual" } };
}

export interface Token {
  token: string;
  /** ms since the epoch after which the token is not used. */
  expiresAt: number;
  refreshToken?: string;
}

/** A token answer is a small JSON object; real tokens run to a few KiB. */
const MAX_TOKEN_ANSWER = 1 << 20;

/** Docker's minimum: a shorter or missing expires_in counts as 60 s. Renewed 5 s early against skew. */
const MIN_LIFETIME_S = 60;
const EARLY_MS = 5000;

export function parseTokenResponse(body: string | Uint8Array, requestedAt: number): Token | undefined {
  const parsed = parseJsonText(body, { maxBytes: MAX_TOKEN_ANSWER, maxDepth: 16 });
  if (!parsed.ok || parsed.value === null || typeof parsed.value !== "object" || Array.isArray(parsed.value)) return undefined;
  const o = parsed.value as Record<string, unknown>;
  const token = typeof o.token === "string" && o.token ? o.token : typeof o.access_token === "string" && o.access_token ? o.access_token : undefined;
  if (!token) return undefined;
  const lifetime = typeof o.expires_in === "number" && o.expires_in > MIN_LIFETIME_S ? o.expires_in : MIN_LIFETIME_S;
  const t: Token = { token, expiresAt: requestedAt + lifetime * 1000 - EARLY_MS };
  if (typeof o.refresh_token === "string" && o.refresh_token) t.refreshToken = o.refresh_token;
  return t;
}

/** How the authorizer reaches token realms (the transport's fetch, with its TLS settings). */
export type Send = (url: string, init: RequestInit, action: string) => Promise<Response>;

export interface AuthorizerOptions {
  domain: string;
  credentials?: Credentials;
  send: Send;
  /** The realm as a URL skiff may request (http or https, no downgrade), or a thrown error. */
  realmUrl?: (realm: string, action: string) => string;
  now?: () => number;
}

export class Authorizer {
  private challenges: Challenge[] = [];
  private readonly tokens = new Map<string, Token>();
  private readonly pending = new Map<string, Promise<Token>>();
  private readonly now: () => number;
  /** Counts token requests made, for tests and traces. */
  tokenRequests = 0;

  constructor(private readonly opts: AuthorizerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get scheme(): AuthScheme {
    return chooseScheme(this.challenges, this.opts.credentials);
  }

  setChallenges(challenges: Challenge[]): void {
    this.challenges = challenges;
  }

  /** The Authorization header value for a request needing `scopes`, or undefined for none. */
  async authorization(scopes: readonly string[]): Promise<string | undefined> {
    const s = this.scheme;
    if (s.kind === "anonymous") return undefined;
    if (s.kind === "basic") return basicAuthorization(this.opts.credentials);
    return `Bearer ${(await this.token(s, scopes)).token}`;
  }

  /**
   * Takes a 401's challenges into account. True when another try may succeed: the scheme or realm
   * changed, or a cached token was dropped (revoked or expired early). A second 401 is final.
   */
  unauthorized(scopes: readonly string[], challenges: Challenge[]): boolean {
    const before = JSON.stringify(this.scheme);
    if (challenges.length) this.challenges = challenges;
    const key = scopeKey(scopes);
    const hadToken = this.tokens.delete(key);
    return hadToken || JSON.stringify(this.scheme) !== before;
  }

  /** A token with no repository scope: what `login` asks for to check credentials. */
  async checkCredentials(): Promise<void> {
    const s = this.scheme;
    if (s.kind === "bearer") await this.token(s, []);
  }

  private async token(s: { realm: string; service?: string }, scopes: readonly string[]): Promise<Token> {
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > this.now()) return cached;
    let p = this.pending.get(key);
    if (!p) {
      p = this.fetchToken(s, [...scopes].sort());
      this.pending.set(key, p);
      p.then((t) => this.tokens.set(key, t), () => undefined).finally(() => this.pending.delete(key));
    }
    return p;
  }

  private async fetchToken(s: { realm: string; service?: string }, scopes: string[]): Promise<Token> {
    const action = `request token from ${redactUrl(s.realm)} for ${this.opts.domain}${scopes.length ? ` (${scopes.join(" ")})` : ""}`;
    // checked before any credential goes anywhere
    const realm = this.opts.realmUrl ? this.opts.realmUrl(s.realm, action) : s.realm;
    const { url, init } = tokenRequest({ ...s, realm }, scopes, this.opts.credentials);
    const at = this.now();
    this.tokenRequests++;
    const res = await this.opts.send(url, init, action);
    if (!res.ok) throw await statusError({ action, object: "token", registry: this.opts.domain, response: res });
    const body = await readAtMost(res, MAX_TOKEN_ANSWER);
    if (body.byteLength > MAX_TOKEN_ANSWER) throw protocolError(action, `the token answer is larger than ${MAX_TOKEN_ANSWER} bytes`, { status: res.status });
    const token = parseTokenResponse(body, at);
    if (!token) throw protocolError(action, "the answer holds no token", { status: res.status });
    if (token.refreshToken && this.opts.credentials?.identityToken) this.opts.credentials.identityToken = token.refreshToken;
    return token;
  }
}

const scopeKey = (scopes: readonly string[]) => [...scopes].sort().join(" ");

/** `repository:<path>:pull` or `…:pull,push`, the scopes the token spec defines for repositories. */
export const repositoryScope = (path: string, push = false): string => `repository:${path}:${push ? "pull,push" : "pull"}`;

export const isUnauthorized = (e: unknown): e is SkiffError => e instanceof SkiffError && e.code === "IMAGE_REGISTRY_UNAUTHORIZED";
