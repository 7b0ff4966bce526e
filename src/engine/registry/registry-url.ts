// Where a registry's endpoints are: the base URLs to try for a domain (HTTPS first; plain HTTP only
// for insecure and loopback registries, as docker does), the /v2/ paths of the distribution spec,
// and Location headers of upload sessions resolved against the URL that returned them.
import { BlockList, isIP } from "node:net";
import { DOCKER_HUB, isLoopbackDomain } from "../../oci/image/reference.ts";

/** Docker Hub's API lives on another host than its name. */
const HUB_API = "registry-1.docker.io";

export interface EndpointOptions {
  /** The user marked this registry insecure: plain HTTP allowed, TLS certificates not verified. */
  insecure?: boolean;
}

export interface Endpoint {
  /** "https://registry.example:5000" — no trailing slash. */
  base: string;
  /** Skip TLS certificate verification (insecure registries only). */
  skipVerify: boolean;
}

/**
 * The endpoints to probe, in order. Insecure and loopback registries get HTTPS (unverified) and
 * then HTTP as a fallback, which is docker's behaviour for its default insecure range 127.0.0.0/8.
 */
export function endpointsFor(domain: string, opts: EndpointOptions = {}): Endpoint[] {
  const host = domain === DOCKER_HUB ? HUB_API : domain;
  if (opts.insecure || isLoopbackDomain(domain)) return [{ base: `https://${host}`, skipVerify: true }, { base: `http://${host}`, skipVerify: false }];
  return [{ base: `https://${host}`, skipVerify: false }];
}

/**
 * Whether `domain` is in an --insecure-registry list: entries are "host[:port]" (exact), or CIDRs,
 * IPv4 or IPv6 ("10.0.0.0/8", "fd00::/8"), matched against a numeric host whatever its port. A
 * leading "http://" or "https://" is ignored (skiffd strips it and refuses other forms).
 */
export function isInsecureRegistry(domain: string, list: readonly string[]): boolean {
  const host = domain.startsWith("[") ? domain.slice(1, domain.indexOf("]")) : domain.replace(/:\d+$/, "");
  const family = isIP(host);
  for (const entry of list) {
    const e = entry.replace(/^[a-z]+:\/\//i, "").replace(/\/+$/, "");
    if (e === domain || e === host) return true;
    const cidr = /^([^/]+)\/(\d{1,3})$/.exec(e);
    if (!cidr || !family || isIP(cidr[1]!) !== family) continue;
    const bits = Number(cidr[2]);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (bits > (family === 4 ? 32 : 128)) continue;
    const net = new BlockList();
    net.addSubnet(cidr[1]!, bits, type);
    if (net.check(host, type)) return true;
  }
  return false;
}

/** The paths of the distribution spec, relative to the endpoint's base. */
export const paths = {
  ping: () => "/v2/",
  manifest: (repo: string, reference: string) => `/v2/${repo}/manifests/${reference}`,
  blob: (repo: string, digest: string) => `/v2/${repo}/blobs/${digest}`,
  uploads: (repo: string) => `/v2/${repo}/blobs/uploads/`,
  mount: (repo: string, digest: string, from: string) => `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
  tags: (repo: string, n?: number, last?: string) => {
    const q = new URLSearchParams();
    if (n !== undefined) q.set("n", String(n));
    if (last !== undefined) q.set("last", last);
    const qs = q.toString();
    return `/v2/${repo}/tags/list${qs ? `?${qs}` : ""}`;
  },
};

/**
 * Resolves an upload session's Location (absolute, or relative to the URL answered) and adds query
 * parameters, keeping the registry's own (distribution puts its state in `_state`).
 */
export function uploadUrl(location: string, answeredUrl: string, params: Record<string, string> = {}): string {
  const u = new URL(location, answeredUrl);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** A URL fit for messages and logs: no user info, no query (pre-signed redirects hold signatures there). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

/** "scheme://host:port" — headers with credentials stay within one origin. */
export const originOf = (url: string): string => new URL(url).origin;
