// docker search through the daemon (GET /images/search): the term's registry (Docker Hub unless its
// first component names a host), the limit (1 to 100, 25 by default) and dockerd's filters
// (is-official, is-automated: true or false; stars: at least N, the highest given wins), applied
// to what the registry answered.
import { invalid } from "../../common/errors.ts";
import { DOCKER_HUB } from "../../oci/image/reference.ts";
import { splitSearchTerm, type RegistryClient, type SearchResult } from "../registry/index.ts";
import type { RegistryAuth } from "./service.ts";

export interface SearchOptions {
  limit?: number;
  filters?: Record<string, string[]>;
  auth?: RegistryAuth;
}

export const DEFAULT_SEARCH_LIMIT = 25;
const FILTERS = new Set(["is-official", "is-automated", "stars"]);

interface Wanted {
  official?: boolean;
  automated?: boolean;
  stars?: number;
}

/** The filters as dockerd reads them; an unknown name or a bad value is refused before the registry is asked. */
export function searchFilters(filters: Record<string, string[]> = {}): Wanted {
  const bad = (name: string, value: string) => invalid("engine", "ENGINE_SEARCH_FILTER_INVALID", `invalid filter '${name}=${value}'`, "filters: is-official=true|false, is-automated=true|false, stars=N");
  const wanted: Wanted = {};
  for (const [name, values] of Object.entries(filters)) {
    if (!FILTERS.has(name)) throw invalid("engine", "ENGINE_SEARCH_FILTER_INVALID", `invalid filter '${name}'`, "filters: is-official=true|false, is-automated=true|false, stars=N");
    if (name === "stars") {
      for (const v of values) {
        if (!/^-?\d+$/.test(v)) throw bad(name, v);
        wanted.stars = Math.max(wanted.stars ?? 0, Number(v));
      }
      continue;
    }
    const v = values.length === 1 ? values[0]! : values.join(",");
    if (v !== "true" && v !== "false") throw bad(name, v);
    wanted[name === "is-official" ? "official" : "automated"] = v === "true";
  }
  return wanted;
}

/** Searches as dockerd does; `client` gives the registry client of a domain. */
export async function searchImages(client: (domain: string, auth?: RegistryAuth) => RegistryClient, term: string, opts: SearchOptions = {}): Promise<SearchResult[]> {
  const limit = opts.limit || DEFAULT_SEARCH_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid("engine", "ENGINE_SEARCH_LIMIT_INVALID", `limit ${limit} is outside the range of [1, 100]`, "pass --limit between 1 and 100");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(term)) throw invalid("engine", "ENGINE_SEARCH_TERM_INVALID", `invalid repository name: repository name (${term}) should not have a scheme`, "search for NAME or REGISTRY/NAME");
  if (!term) throw invalid("engine", "ENGINE_SEARCH_TERM_INVALID", "search: no term given", "search for NAME or REGISTRY/NAME");
  const wanted = searchFilters(opts.filters);
  const { registry, remote } = splitSearchTerm(term);
  const domain = registry ?? DOCKER_HUB;
  // on Docker Hub "library/foo" is stored and searched as "foo"
  const query = domain === DOCKER_HUB && remote.startsWith("library/") ? remote.slice("library/".length) : remote;
  const results = await client(domain, opts.auth).search(query, limit);
  return results.filter(
    (r) => (wanted.official === undefined || r.is_official === wanted.official) && (wanted.automated === undefined || r.is_automated === wanted.automated) && r.star_count >= (wanted.stars ?? 0),
  );
}
