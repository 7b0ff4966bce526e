// What every handler receives: the request, its route parameters and the daemon's services.
import type { ImageService, RegistryAuth } from "../../engine/image/service.ts";
import { apiError } from "../http-error.ts";

export interface DaemonInfo {
  id: string;
  name: string;
  version: string;
  dataRoot: string;
  execRoot: string;
  insecureRegistries: string[];
  debug: boolean;
}

export interface HandlerContext {
  req: Request;
  url: URL;
  params: Record<string, string>;
  images: ImageService;
  daemon: DaemonInfo;
}

export type Handler = (ctx: HandlerContext) => Response | Promise<Response>;

/** Docker's boolean query values: "1"/"true"/"True" are true; missing, "0", "false" are false. */
export function boolParam(url: URL, name: string): boolean {
  const v = url.searchParams.get(name);
  return v !== null && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/** `filters` in both encodings docker clients send: {"k":["v"]} and {"k":{"v":true}}; the
 * pre-1.25 `filter=NAME` parameter is a reference filter. Not JSON of either shape: 400. */
export function filtersParam(url: URL): Record<string, string[]> {
  const raw = url.searchParams.get("filters");
  const out: Record<string, string[]> = {};
  if (raw) {
    const bad = (why: string) => apiError("invalid_argument", "API_FILTERS_INVALID", `invalid filter: ${why}`, 'filters are JSON: {"name":["value"]} or {"name":{"value":true}}');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      throw bad(`the filters parameter is not JSON (${(e as Error).message})`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw bad("the filters parameter is not a JSON object");
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (Array.isArray(v)) out[k] = v.map(String);
      else if (v !== null && typeof v === "object") out[k] = Object.keys(v); // as docker: the keys, whatever their booleans
      else throw bad(`the values of ${JSON.stringify(k)} are neither a list nor a map`);
    }
  }
  const legacy = url.searchParams.get("filter");
  if (legacy) out.reference = [...(out.reference ?? []), legacy];
  return out;
}

/** X-Registry-Auth: base64url (or plain base64) JSON of the credentials; empty or "{}" means none. */
export function registryAuth(req: Request): RegistryAuth | undefined {
  const header = req.headers.get("X-Registry-Auth");
  if (!header) return undefined;
  try {
    const json = Buffer.from(header.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8");
    const auth = JSON.parse(json) as RegistryAuth;
    return Object.keys(auth).length ? auth : undefined;
  } catch {
    return undefined;
  }
}
