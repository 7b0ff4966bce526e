// One validation layer for every endpoint: each declares its query parameters and its body (JSON
// with a schema and a size limit, or a stream), and `endpoint()` checks them before the handler
// runs. A refusal is a 400 naming the parameter or field (413 for a body over the limit); the
// handler gets the checked values, typed, and reads nothing else of the request's query or body.
import { SkiffError } from "../common/errors.ts";
import { describeJsonProblem, parseJsonText } from "../common/json-text.ts";
import { readAtMost } from "../common/read-at-most.ts";
import type { Duplex } from "node:stream";
import type { HandlerContext } from "./handlers/context.ts";
import { kindOf, SchemaFailure, type Schema } from "./schema.ts";

/** How one query parameter is read from the URL. */
export interface QueryParam<T> {
  read(params: URLSearchParams, name: string): T;
  /** For the endpoint table's documentation test: "a boolean", "a list of strings". */
  readonly expected: string;
}

export type QuerySpec = Record<string, QueryParam<unknown>>;
type QueryOf<Q extends QuerySpec> = { [K in keyof Q]: Q[K] extends QueryParam<infer T> ? T : never };

export type BodySpec<B> =
  | { kind: "json"; schema: Schema<B>; maxBytes: number; /** An empty body is taken as this (docker's endpoints whose body is optional). */ empty?: B }
  | { kind: "stream" };

export interface EndpointSpec<Q extends QuerySpec, B> {
  query: Q;
  body?: BodySpec<B>;
}

export interface Checked<Q extends QuerySpec, B> {
  query: QueryOf<Q>;
  /** The JSON body, checked; for a stream endpoint, undefined (the handler reads ctx.req.body). */
  body: B;
}

export interface Endpoint {
  readonly spec: EndpointSpec<QuerySpec, unknown>;
  run(ctx: HandlerContext): Promise<Response>;
  /** docker's hijacked streams: the connection itself, after the same checks (see hijackEndpoint). */
  upgrade?(ctx: HandlerContext, socket: Duplex, head: Buffer): Promise<void>;
}

/**
 * An endpoint that takes the connection over (attach, exec start): asked with `Connection:
 * Upgrade` and `Upgrade: tcp`, it gets the socket once its query and body (the first
 * Content-Length bytes the client sent past its head) are checked; the rest of those bytes are
 * the stream's first. Asked as a plain request it answers 400.
 */
export function hijackEndpoint<Q extends QuerySpec, B = undefined>(
  spec: EndpointSpec<Q, B>,
  handler: (ctx: HandlerContext, input: Checked<Q, B>, socket: Duplex, head: Buffer) => Promise<void>,
): Endpoint {
  return {
    spec: spec as EndpointSpec<QuerySpec, unknown>,
    async run() {
      throw new SkiffError({ layer: "api", code: "API_UPGRADE_REQUIRED", kind: "invalid_argument", message: "this endpoint takes the connection over: send it with Connection: Upgrade and Upgrade: tcp", hint: "docker's clients do; a plain HTTP client cannot attach" });
    },
    async upgrade(ctx, socket, head) {
      const query = readQuery(spec.query, ctx.url.searchParams);
      const length = Math.min(Number(ctx.req.headers.get("content-length") ?? 0) || 0, head.byteLength);
      let body = undefined as B;
      if (spec.body?.kind === "json") body = await readJsonBody(new Request(ctx.req.url, { method: "POST", headers: ctx.req.headers, body: head.subarray(0, length) }), spec.body);
      await handler(ctx, { query, body }, socket, head.subarray(length));
    },
  };
}

export function endpoint<Q extends QuerySpec, B = undefined>(spec: EndpointSpec<Q, B>, handler: (ctx: HandlerContext, input: Checked<Q, B>) => Response | Promise<Response>): Endpoint {
  return {
    spec: spec as EndpointSpec<QuerySpec, unknown>,
    async run(ctx) {
      const query = readQuery(spec.query, ctx.url.searchParams);
      const body = spec.body?.kind === "json" ? await readJsonBody(ctx.req, spec.body) : (undefined as B);
      return handler(ctx, { query, body });
    },
  };
}

function readQuery<Q extends QuerySpec>(spec: Q, params: URLSearchParams): QueryOf<Q> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(spec)) out[name] = p.read(params, name);
  return out as QueryOf<Q>;
}

async function readJsonBody<B>(req: Request, spec: Extract<BodySpec<B>, { kind: "json" }>): Promise<B> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > spec.maxBytes) throw tooLarge(declared, spec.maxBytes);
  const bytes = await readAtMost(req.body, spec.maxBytes);
  if (bytes.byteLength > spec.maxBytes) throw tooLarge(undefined, spec.maxBytes);
  if (bytes.byteLength === 0 && spec.empty !== undefined) return spec.empty;
  if (bytes.byteLength === 0) throw bodyInvalid("the request has no body: a JSON object is expected", "send the parameters as a JSON body");
  const parsed = parseJsonText(bytes, { maxBytes: spec.maxBytes, maxDepth: 64 });
  if (!parsed.ok) throw bodyInvalid(`the body is ${describeJsonProblem(parsed.problem)}`, "send the parameters as a JSON body");
  try {
    return spec.schema.check(parsed.value, "");
  } catch (e) {
    if (!(e instanceof SchemaFailure)) throw e;
    const field = e.path || "the body";
    throw new SkiffError({
      layer: "api",
      code: "API_BODY_INVALID",
      kind: "invalid_argument",
      message: `${field} must be ${e.expected}, got ${e.got}`,
      hint: e.path ? `fix the field ${e.path} of the request body` : "send a JSON object as the request body",
      details: { field: e.path || "(body)" },
    });
  }
}


const bodyInvalid = (message: string, hint: string) => new SkiffError({ layer: "api", code: "API_BODY_INVALID", kind: "invalid_argument", message, hint, details: { field: "(body)" } });

function tooLarge(bytes: number | undefined, limit: number): SkiffError {
  return new SkiffError({
    layer: "api",
    code: "API_BODY_TOO_LARGE",
    kind: "invalid_argument",
    message: `the request body ${bytes !== undefined ? `of ${bytes} bytes ` : ""}is larger than the ${limit} bytes this endpoint takes`,
    hint: "send a smaller body",
    details: { httpStatus: 413, limit },
  });
}

function queryInvalid(name: string, expected: string, got: string): SkiffError {
  return new SkiffError({
    layer: "api",
    code: "API_QUERY_INVALID",
    kind: "invalid_argument",
    message: `query parameter ${name} must be ${expected}, got ${got}`,
    hint: `fix ?${name}= in the request`,
    details: { field: name },
  });
}

/** Query parameters: what docker's handlers read, with its parsing rules. */
export const q = {
  /** A string; "" counts as absent, as with r.FormValue in dockerd. */
  string(r: { maxLength?: number; check?: (v: string) => string | undefined } = {}): QueryParam<string | undefined> {
    const max = r.maxLength ?? 4096;
    return {
      expected: "a string",
      read(params, name) {
        const v = params.get(name);
        if (v === null || v === "") return undefined;
        if (v.length > max) throw queryInvalid(name, `at most ${max} characters`, kindOf(v));
        if (v.includes("\0")) throw queryInvalid(name, "a string without NUL bytes", kindOf(v));
        const why = r.check?.(v);
        if (why) throw queryInvalid(name, why, kindOf(v));
        return v;
      },
    };
  },
  /** Every value of a repeated parameter (?names=a&names=b), empty ones dropped. */
  list(r: { maxItems?: number; maxLength?: number } = {}): QueryParam<string[]> {
    return {
      expected: "a list of strings",
      read(params, name) {
        const all = params.getAll(name).filter(Boolean);
        if (all.length > (r.maxItems ?? 1000)) throw queryInvalid(name, `at most ${r.maxItems ?? 1000} values`, `${all.length}`);
        for (const v of all) if (v.length > (r.maxLength ?? 4096) || v.includes("\0")) throw queryInvalid(name, `strings of at most ${r.maxLength ?? 4096} characters without NUL bytes`, kindOf(v));
        return all;
      },
    };
  },
  /** dockerd's BoolValue: "", "0", "no", "false", "none" (any case) and absent are false; anything else true. */
  bool(): QueryParam<boolean> {
    return {
      expected: "a boolean",
      read(params, name) {
        const v = (params.get(name) ?? "").trim().toLowerCase();
        return !(v === "" || v === "0" || v === "no" || v === "false" || v === "none");
      },
    };
  },
  /** An integer; absent or "" is undefined. */
  int(r: { min?: number; max?: number } = {}): QueryParam<number | undefined> {
    const min = r.min ?? Number.MIN_SAFE_INTEGER;
    const max = r.max ?? Number.MAX_SAFE_INTEGER;
    return {
      expected: `an integer from ${min} to ${max}`,
      read(params, name) {
        const v = params.get(name);
        if (v === null || v === "") return undefined;
        const n = /^-?\d{1,16}$/.test(v) ? Number(v) : NaN;
        if (!Number.isSafeInteger(n) || n < min || n > max) throw queryInvalid(name, `an integer from ${min} to ${max}`, kindOf(v));
        return n;
      },
    };
  },
  /** A JSON document in a parameter, checked by `schema` (absent: undefined). */
  json<T>(schema: Schema<T>): QueryParam<T | undefined> {
    return {
      expected: `JSON: ${schema.expected}`,
      read(params, name) {
        const v = params.get(name);
        if (v === null || v === "") return undefined;
        const parsed = parseJsonText(v, { maxBytes: 1 << 20, maxDepth: 16 });
        if (!parsed.ok) throw queryInvalid(name, "JSON", describeJsonProblem(parsed.problem));
        try {
          return schema.check(parsed.value, name);
        } catch (e) {
          if (e instanceof SchemaFailure) throw queryInvalid(e.path, e.expected, e.got);
          throw e;
        }
      },
    };
  },
};
