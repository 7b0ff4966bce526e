// What several endpoints take alike: docker's `filters` query parameter and its AuthConfig (the
// body of POST /auth, the JSON in X-Registry-Auth), declared once for the validation layer.
import type { RegistryAuth } from "../../engine/images/index.ts";
import { describeJsonProblem, parseJsonText } from "../../common/json-text.ts";
import { serverAddressProblem } from "../../oci/image/registry-host.ts";
import type { QueryParam } from "../endpoint.ts";
import { apiError } from "../http-error.ts";
import { object, optional, SchemaFailure, string, type Schema } from "../schema.ts";

/**
 * `filters` in both encodings docker clients send: {"k":["v"]} and {"k":{"v":true}}; the pre-1.25
 * `filter=NAME` parameter is a reference filter. Not JSON of either shape: 400, in dockerd's words.
 */
export const filtersQuery: QueryParam<Record<string, string[]>> = {
  expected: 'JSON: {"name":["value"]} or {"name":{"value":true}}',
  read(params) {
    const raw = params.get("filters");
    const out: Record<string, string[]> = {};
    if (raw) {
      const bad = (why: string) => apiError("invalid_argument", "API_FILTERS_INVALID", `invalid filter: ${why}`, 'filters are JSON: {"name":["value"]} or {"name":{"value":true}}');
      const parsed = parseJsonText(raw, { maxBytes: 1 << 20, maxDepth: 3 });
      if (!parsed.ok) throw bad(`the filters parameter is ${describeJsonProblem(parsed.problem)}`);
      const v = parsed.value;
      if (v === null || typeof v !== "object" || Array.isArray(v)) throw bad("the filters parameter is not a JSON object");
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (Array.isArray(x) && x.every((y) => typeof y === "string")) out[k] = x as string[];
        else if (x !== null && typeof x === "object" && !Array.isArray(x)) out[k] = Object.keys(x); // as docker: the keys, whatever their booleans
        else throw bad(`the values of ${JSON.stringify(k)} are neither a list of strings nor a map`);
      }
    }
    const legacy = params.get("filter");
    if (legacy) out.reference = [...(out.reference ?? []), legacy];
    return out;
  },
};

const authFields = object({
  username: optional(string({ maxLength: 1024 })),
  password: optional(string({ maxLength: 65536, secret: true })),
  auth: optional(string({ maxLength: 65536, secret: true })),
  email: optional(string({ maxLength: 1024 })),
  serveraddress: optional(string({ maxLength: 2048, refine: { test: serverAddressProblem } })),
  identitytoken: optional(string({ maxLength: 65536, secret: true })),
  registrytoken: optional(string({ maxLength: 65536, secret: true })),
});

/** POST /auth's body and X-Registry-Auth's JSON: docker's AuthConfig. */
export const authConfig: Schema<RegistryAuth & { auth?: string; email?: string }> = authFields;

/**
 * X-Registry-Auth: base64url (or plain base64) JSON of an AuthConfig; absent, empty or "{}" means
 * none. A header that is not one is a 400 naming it (dockerd's "invalid X-Registry-Auth header").
 */
export function registryAuth(req: Request): RegistryAuth | undefined {
  const header = req.headers.get("X-Registry-Auth");
  if (!header) return undefined;
  const bad = (why: string) => apiError("invalid_argument", "API_REGISTRY_AUTH_INVALID", `invalid X-Registry-Auth header: ${why}`, "the header is the base64url encoding of a JSON AuthConfig ({\"username\":…,\"password\":…,\"serveraddress\":…})");
  if (header.length > 256 * 1024) throw bad("longer than 256 KiB");
  const parsed = parseJsonText(Buffer.from(header.replace(/-/g, "+").replace(/_/g, "/"), "base64"), { maxBytes: 192 * 1024, maxDepth: 4 });
  if (!parsed.ok) throw bad(describeJsonProblem(parsed.problem));
  let auth: RegistryAuth;
  try {
    auth = authConfig.check(parsed.value, "");
  } catch (e) {
    if (e instanceof SchemaFailure) throw bad(`${e.path || "the value"} must be ${e.expected}, got ${e.got}`);
    throw e;
  }
  return Object.keys(auth).length ? auth : undefined;
}
