// A typed client of skiffd's Docker Engine API over its unix socket: the same requests the docker
// CLI makes, the same bodies back. Errors come back as SkiffError with the daemon's code, layer and
// hint; a daemon that is not there is an "unavailable" error that says how to start it.
import { SkiffError } from "../common/errors.ts";
import type { DeleteResponseItem, ImageInspect, ImageSummary, RegistryAuth } from "../engine/image/service.ts";

export type { DeleteResponseItem, ImageInspect, ImageSummary, RegistryAuth };
import { kindForStatus, type WireError } from "./http-error.ts";
import { API_VERSION } from "./routes.ts";

export const DEFAULT_SOCKET = "/run/skiff/skiff.sock";

export type JsonMessage = {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: Record<string, unknown>;
  error?: string;
  errorDetail?: { message: string };
};

type Body = NonNullable<RequestInit["body"]>;
type Query = Record<string, string | number | boolean | string[] | undefined>;

interface RequestOptions {
  query?: Query;
  body?: Body | null;
  headers?: Record<string, string>;
}

export class ApiClient {
  constructor(readonly socketPath: string = DEFAULT_SOCKET) {}

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const url = new URL(`http://skiffd/v${API_VERSION}${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v === undefined || v === false || v === "") continue;
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, v === true ? "1" : String(one));
    }
    let res: Response;
    try {
      res = await fetch(url, { method, body: opts.body, headers: opts.headers, unix: this.socketPath } as RequestInit);
    } catch (e) {
      throw new SkiffError({
        layer: "cli",
        kind: "unavailable",
        code: "CLI_DAEMON_UNREACHABLE",
        message: `connect to skiffd at "${this.socketPath}": the daemon is not running (${(e as { code?: string }).code ?? (e as Error).message})`,
        hint: `start it with: sudo bin/skiffd &   (or point -H/--host or SKIFF_HOST at its socket)`,
        cause: e,
      });
    }
    if (res.status >= 400) throw await responseError(res, `${method} ${path}`);
    return res;
  }

  private async json<T>(method: string, path: string, opts?: RequestOptions): Promise<T> {
    return (await (await this.request(method, path, opts)).json()) as T;
  }

  async ping(): Promise<{ apiVersion: string | null }> {
    const res = await this.request("GET", "/_ping");
    await res.arrayBuffer();
    return { apiVersion: res.headers.get("Api-Version") };
  }
  version = () => this.json<Record<string, any>>("GET", "/version");
  info = () => this.json<Record<string, any>>("GET", "/info");

  listImages = (q: { all?: boolean; digests?: boolean; filters?: Record<string, string[]> } = {}) =>
    this.json<ImageSummary[]>("GET", "/images/json", { query: { all: q.all, digests: q.digests, filters: q.filters && Object.keys(q.filters).length ? JSON.stringify(q.filters) : undefined } });
  inspectImage = (name: string) => this.json<ImageInspect>("GET", `/images/${encodeName(name)}/json`);
  removeImage = (name: string, q: { force?: boolean; noprune?: boolean } = {}) => this.json<DeleteResponseItem[]>("DELETE", `/images/${encodeName(name)}`, { query: q });
  async tagImage(name: string, repo: string, tag?: string): Promise<void> {
    await (await this.request("POST", `/images/${encodeName(name)}/tag`, { query: { repo, tag } })).arrayBuffer();
  }
  pruneImages = (all: boolean) =>
    this.json<{ ImagesDeleted: DeleteResponseItem[] | null; SpaceReclaimed: number }>("POST", "/images/prune", { query: { filters: all ? JSON.stringify({ dangling: ["false"] }) : undefined } });
  auth = (creds: RegistryAuth) => this.json<{ Status: string; IdentityToken?: string }>("POST", "/auth", { body: JSON.stringify(creds), headers: { "Content-Type": "application/json" } });

  async pull(fromImage: string, tag: string, opts: { platform?: string; auth?: RegistryAuth } = {}): Promise<AsyncIterable<JsonMessage>> {
    const res = await this.request("POST", "/images/create", { query: { fromImage, tag, platform: opts.platform }, headers: authHeader(opts.auth) });
    return jsonLines(res);
  }
  async push(name: string, tag: string | undefined, auth?: RegistryAuth): Promise<AsyncIterable<JsonMessage>> {
    return jsonLines(await this.request("POST", `/images/${encodeName(name)}/push`, { query: { tag }, headers: authHeader(auth) ?? { "X-Registry-Auth": "e30=" } }));
  }
  async importImage(body: Body, q: { repo?: string; tag?: string; message?: string; changes?: string[] }): Promise<AsyncIterable<JsonMessage>> {
    return jsonLines(await this.request("POST", "/images/create", { query: { fromSrc: "-", ...q }, body }));
  }
  async load(body: Body, quiet: boolean): Promise<AsyncIterable<JsonMessage>> {
    return jsonLines(await this.request("POST", "/images/load", { query: { quiet }, body, headers: { "Content-Type": "application/x-tar" } }));
  }
  async save(names: string[]): Promise<ReadableStream<Uint8Array>> {
    const res = await this.request("GET", "/images/get", { query: { names } });
    return res.body!;
  }
}

/** Names keep their slashes and colons in the path, as docker's client sends them. */
const encodeName = (name: string) => name.split("/").map(encodeURIComponent).join("/").replace(/%3A/gi, ":");

function authHeader(auth?: RegistryAuth): Record<string, string> | undefined {
  if (!auth) return undefined;
  return { "X-Registry-Auth": Buffer.from(JSON.stringify(auth)).toString("base64url") };
}

async function responseError(res: Response, what: string): Promise<SkiffError> {
  const text = await res.text();
  let body: WireError;
  try {
    body = JSON.parse(text) as WireError;
  } catch {
    body = { message: text.trim() || `${what}: HTTP ${res.status}` };
  }
  const layer = (["cli", "api", "engine", "image", "runtime", "kernel"] as const).find((l) => l === body.layer) ?? "api";
  return new SkiffError({ layer, kind: kindForStatus(res.status), code: body.code ?? `API_HTTP_${res.status}`, message: body.message, hint: body.hint, details: { status: res.status } });
}

/** The response body as JSON messages, one per line ("\r\n" or "\n"). */
export async function* jsonLines(res: Response): AsyncIterable<JsonMessage> {
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    buf += dec.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield JSON.parse(line) as JsonMessage;
    }
  }
  if (buf.trim()) yield JSON.parse(buf) as JsonMessage;
}
