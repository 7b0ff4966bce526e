// docker search: the registry's v1 search API (GET /v1/search?q=TERM&n=LIMIT), which Docker Hub's
// index serves and the OCI distribution spec does not define: Debian's docker-registry
// (distribution) has none, and says 404. That answer becomes a plain "this registry has no search
// API" rather than a bare status.
import { SkiffError } from "../../common/errors.ts";
import { describeJsonProblem, parseJsonText } from "../../common/json-text.ts";
import { protocolError, readAtMost, statusError } from "./registry-error.ts";
import type { RegistryTransport } from "./transport.ts";
import { DOCKER_HUB } from "../../oci/image/reference.ts";

/** One repository found, as the v1 API and docker's GET /images/search name its fields. */
export interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

/** An answer of a few hundred results is small; 4 MiB is far more than 100 results need. */
const MAX_SEARCH_BYTES = 4 << 20;

/** Searches `term` (without the registry's host) on the registry `t` speaks to, at most `limit` results. */
export async function searchRepositories(t: RegistryTransport, term: string, limit: number): Promise<SearchResult[]> {
  const action = `search ${t.domain} for ${JSON.stringify(term)}`;
  // Docker Hub answers searches on its index's host, not on its registry API's
  const url = `${t.domain === DOCKER_HUB ? "https://index.docker.io" : ""}/v1/search?${new URLSearchParams({ q: term, n: String(limit) })}`;
  const res = await t.request({ method: "GET", url, scopes: [], action, headers: { accept: "application/json" } });
  if (res.status === 404 || res.status === 405 || res.status === 501) {
    await res.body?.cancel();
    throw new SkiffError({
      layer: "image",
      code: "IMAGE_REGISTRY_NO_SEARCH",
      kind: "failed_precondition",
      message: `${action}: the registry ${t.domain} has no search API (GET /v1/search answered ${res.status})`,
      hint: "search needs a registry that serves docker's v1 search API (Docker Hub does; the distribution registry, Debian's docker-registry, does not): pull by name instead, or every tag of a repository with `skiff pull -a REGISTRY/REPOSITORY`",
      details: { status: res.status, registry: t.domain },
    });
  }
  if (!res.ok) throw await statusError({ action, object: "registry", registry: t.domain, response: res });
  return parseSearchAnswer(await readAtMost(res, MAX_SEARCH_BYTES), limit, action);
}

/**
 * The results of a v1 search answer (a registry's bytes: anything), at most `limit`: entries
 * without a name string are dropped, other fields of the wrong type take their zero value, names
 * and descriptions lose control characters (they are printed on a terminal). Anything that is not
 * a JSON object with a results list is IMAGE_REGISTRY_PROTOCOL.
 */
export function parseSearchAnswer(bytes: Uint8Array, limit: number, action: string): SearchResult[] {
  const parsed = parseJsonText(bytes, { maxBytes: MAX_SEARCH_BYTES, maxDepth: 8 });
  if (!parsed.ok) throw protocolError(action, `the search answer is ${describeJsonProblem(parsed.problem)}`);
  const v = parsed.value;
  const results = v !== null && typeof v === "object" && !Array.isArray(v) ? (v as { results?: unknown }).results : undefined;
  if (!Array.isArray(results)) throw protocolError(action, "the search answer has no results list");
  return results
    .flatMap((r) => (r !== null && typeof r === "object" && typeof (r as { name?: unknown }).name === "string" ? [toResult(r as Record<string, unknown>)] : []))
    .slice(0, limit);
}

/** Control characters (escape sequences) as "?", as the registry's error words are shown. */
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === "\n" || c === "\r" || c === "\t" ? " " : "?"));

function toResult(r: Record<string, unknown>): SearchResult {
  return {
    name: printable(r.name as string),
    description: typeof r.description === "string" ? printable(r.description) : "",
    star_count: typeof r.star_count === "number" && Number.isFinite(r.star_count) ? Math.trunc(r.star_count) : 0,
    is_official: r.is_official === true,
    is_automated: r.is_automated === true,
  };
}

/** docker's split of a search term: a first component with "." or ":" or "localhost" is a registry; else Docker Hub. */
export function splitSearchTerm(term: string): { registry?: string; remote: string } {
  const slash = term.indexOf("/");
  const first = slash < 0 ? "" : term.slice(0, slash);
  if (slash < 0 || (!first.includes(".") && !first.includes(":") && first !== "localhost")) return { remote: term };
  return { registry: first, remote: term.slice(slash + 1) };
}
