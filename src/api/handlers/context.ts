// What every handler receives: the request, its route parameters and the daemon's services.
import type { ImageService, RegistryAuth } from "../../engine/image/service.ts";

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

/** `filters` in both encodings docker clients send: {"k":["v"]} and the older {"k":{"v":true}}. */
export function filtersParam(url: URL): Record<string, string[]> {
  const raw = url.searchParams.get("filters");
  const out: Record<string, string[]> = {};
  if (raw) {
    const parsed = JSON.parse(raw) as Record<string, string[] | Record<string, boolean>>;
    for (const [k, v] of Object.entries(parsed)) out[k] = Array.isArray(v) ? v.map(String) : Object.keys(v).filter((x) => v[x]);
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
