// A typed client of skiffd's Docker Engine API over its unix socket: the same requests the docker
// CLI makes, the same bodies back. Errors come back as SkiffError with the daemon's code, layer and
// hint, whether in an HTTP error body or as the last line of a JSON stream (pull, push, load,
// import). A socket that cannot be reached says why: no daemon (ENOENT, ECONNREFUSED: how to start
// one) or no permission (EACCES, EPERM: run as root or join the socket's group); a connection the
// daemon drops mid-response says so.
import { nodeFs, nodePath } from "../common/lazy-node.ts";
import { SkiffError, type Layer } from "../common/errors.ts";
import type { DeleteResponseItem, HistoryItem, ImageInspect, ImageSummary, RegistryAuth } from "../engine/images/index.ts";

export type { DeleteResponseItem, HistoryItem, ImageInspect, ImageSummary, RegistryAuth };
import { ERROR_HEADER, kindForStatus, type WireError } from "./http-error.ts";
import { API_VERSION } from "./version.ts";

export const DEFAULT_SOCKET = "/run/skiff/skiff.sock";

/**
 * The socket path of the daemon address given with -H/--host, else $SKIFF_HOST, else $DOCKER_HOST
 * (as a docker user expects: DOCKER_HOST=unix:///run/skiff/skiff.sock serves both CLIs), else the default:
 * unix:///PATH or /PATH. skiffd serves a unix socket only: any other scheme (tcp://, ssh://, fd://,
 * npipe://) or a bare host:port is CLI_HOST_UNSUPPORTED, with what to pass instead.
 */
export function socketPathFromHost(flag: string | undefined, env: string | undefined = process.env.SKIFF_HOST, dockerEnv: string | undefined = process.env.DOCKER_HOST): string {
  const host = flag || env || dockerEnv || `unix://${DEFAULT_SOCKET}`;
  const given = `${JSON.stringify(host)}${flag ? "" : env ? " (from SKIFF_HOST)" : dockerEnv ? " (from DOCKER_HOST)" : ""}`;
  const unsupported = (why: string) =>
    new SkiffError({
      layer: "cli",
      kind: "failed_precondition",
      code: "CLI_HOST_UNSUPPORTED",
      message: `connect to ${given}: ${why}`,
      hint: `only unix:// is supported: pass -H unix://${DEFAULT_SOCKET} (or the socket skiffd was started with), or set SKIFF_HOST (or DOCKER_HOST) to it`,
      details: { host },
    });
  if (host.startsWith("unix://")) {
    if (host.length === "unix://".length) throw unsupported("no socket path after unix://");
    return host.slice("unix://".length);
  }
  if (host.startsWith("/")) return host;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(host)?.[1];
  throw unsupported(scheme ? `the ${scheme.toLowerCase()}:// scheme is not supported (skiffd listens on a unix socket only)` : "not a unix socket address (unix:///PATH or /PATH)");
}

export type JsonMessage = {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: Record<string, unknown>;
  error?: string;
  errorDetail?: { message: string; code?: number };
  /** skiff's, beside docker's error fields on an error line. */
  code?: string;
  layer?: string;
  hint?: string;
};

type Body = NonNullable<RequestInit["body"]>;
type Query = Record<string, string | number | boolean | string[] | undefined>;

interface RequestOptions {
  query?: Query;
  body?: Body | null;
  headers?: Record<string, string>;
}

/** A step of the daemon's trace of one request (the Skiff-Trace header): ms from its arrival. */
export interface TraceStep {
  what: string;
  ms: number;
}

export interface ApiClientOptions {
  /** Ask the daemon for each request's trace (skiff --debug) and hand it here. */
  trace?: (request: string, steps: TraceStep[], roundTripMs: number) => void;
  /** Each request (whose body is none or a string) made on the caller's thread and answered in
   * full before it returns, without fetch (api/unix-exchange.ts): for a command that makes one
   * request at a time and streams nothing, as `run -d` and `create`. Nothing else runs meanwhile
   * (a timer, a signal handler, another request): what the command must not need. */
  alone?: boolean;
}

export class ApiClient {
  constructor(
    readonly socketPath: string = DEFAULT_SOCKET,
    private readonly opts: ApiClientOptions = {},
  ) {}

  /** The daemon's answer; a status of 400 or more is thrown as its error (after its trace, if traced: a failing request's steps up to the one that failed are what --debug is for). */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const started = performance.now();
    const res = await this.send(method, path, { ...opts, headers: this.withTrace(opts.headers) });
    this.traced(`${method} ${path.split("?")[0]}`, res.headers, started);
    if (res.status >= 400) throw await responseError(res, `${method} ${path}`);
    return res;
  }

  /** This client for requests made one at a time, none of them streamed (ApiClientOptions.alone). */
  alone(): ApiClient {
    return new ApiClient(this.socketPath, { ...this.opts, alone: true });
  }

  /** The headers with the daemon's trace asked for when this client traces (also for api/unix-exchange.ts requests). */
  withTrace(headers: Record<string, string> = {}): Record<string, string> {
    return this.opts.trace ? { ...headers, "Skiff-Trace": "1" } : headers;
  }

  /** Hands the daemon's trace in `headers` (if any) to the tracer, with the round trip since `started`. */
  traced(request: string, headers: Headers, started: number): void {
    const header = headers.get("skiff-trace");
    if (this.opts.trace && header) {
      try {
        this.opts.trace(request, JSON.parse(header) as TraceStep[], performance.now() - started);
      } catch {} // a trace that does not parse is not worth failing the request for
    }
  }

  /** The path and query of a request as sent ("/v1.41/…?…"), for a request made apart from fetch (api/unix-exchange.ts). */
  target(path: string, query: Query = {}): string {
    const url = this.url(path, query);
    return `${url.pathname}${url.search}`;
  }

  private url(path: string, query: Query): URL {
    const url = new URL(`http://skiffd/v${API_VERSION}${path}`);
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === false || v === "") continue;
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, v === true ? "1" : String(one));
    }
    return url;
  }

  private async send(method: string, path: string, opts: RequestOptions): Promise<Response> {
    if (this.opts.alone && (opts.body == null || typeof opts.body === "string")) {
      const { UnixExchange } = await import("./unix-exchange.ts");
      const body = typeof opts.body === "string" ? new TextEncoder().encode(opts.body) : undefined;
      return UnixExchange.open(this.socketPath, method, this.target(path, opts.query), opts.headers ?? {}, false, body).whole();
    }
    const url = this.url(path, opts.query ?? {});
    let res: Response;
    try {
      // no idle timeout: a wait, logs -f or events answers nothing until something happens, for as
      // long as that takes (Bun's fetch ends a request idle for 5 minutes, and `skiff wait` with it)
      res = await fetch(url, { method, body: opts.body, headers: opts.headers, unix: this.socketPath, timeout: false } as RequestInit);
    } catch (e) {
      throw connectError(this.socketPath, e);
    }
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
  /** As docker's CLI: the filters with dangling=true, or dangling=false for all unused images. */
  pruneImages = (all: boolean, filters: Record<string, string[]> = {}) =>
    this.json<{ ImagesDeleted: DeleteResponseItem[] | null; SpaceReclaimed: number }>("POST", "/images/prune", { query: { filters: JSON.stringify({ ...filters, dangling: [...(filters.dangling ?? []), String(!all)] }) } });
  auth = (creds: RegistryAuth) => this.json<{ Status: string; IdentityToken?: string }>("POST", "/auth", { body: JSON.stringify(creds), headers: { "Content-Type": "application/json" } });

  async pull(fromImage: string, tag: string, opts: { platform?: string; auth?: RegistryAuth } = {}): Promise<AsyncIterable<JsonMessage>> {
    const res = await this.request("POST", "/images/create", { query: { fromImage, tag, platform: opts.platform }, headers: authHeader(opts.auth) });
    return messages(res, this.socketPath);
  }
  async push(name: string, tag: string | undefined, auth?: RegistryAuth): Promise<AsyncIterable<JsonMessage>> {
    return messages(await this.request("POST", `/images/${encodeName(name)}/push`, { query: { tag }, headers: authHeader(auth) ?? { "X-Registry-Auth": "e30=" } }), this.socketPath);
  }
  /** From a body, or (`fromSrc` a URL) downloaded by the daemon, as docker import URL. */
  async importImage(body: Body | undefined, q: { repo?: string; tag?: string; message?: string; changes?: string[]; fromSrc?: string }): Promise<AsyncIterable<JsonMessage>> {
    return messages(await this.request("POST", "/images/create", { query: { ...q, fromSrc: q.fromSrc ?? "-" }, body }), this.socketPath);
  }
  async load(body: Body, quiet: boolean): Promise<AsyncIterable<JsonMessage>> {
    return messages(await this.request("POST", "/images/load", { query: { quiet }, body, headers: { "Content-Type": "application/x-tar" } }), this.socketPath);
  }
  async save(names: string[]): Promise<ReadableStream<Uint8Array>> {
    const res = await this.request("GET", "/images/get", { query: { names } });
    return res.body!;
  }
}

/** Names keep their slashes and colons in the path, as docker's client sends them. */
export const encodeName = (name: string) => name.split("/").map(encodeURIComponent).join("/").replace(/%3A/gi, ":");

function authHeader(auth?: RegistryAuth): Record<string, string> | undefined {
  if (!auth) return undefined;
  return { "X-Registry-Auth": Buffer.from(JSON.stringify(auth)).toString("base64url") };
}

const LAYERS: readonly Layer[] = ["cli", "api", "engine", "image", "runtime", "kernel"];
const layerOf = (l: unknown): Layer => LAYERS.find((x) => x === l) ?? "api";

const decodeHeader = (h: string | null): string => {
  try {
    return h ? decodeURIComponent(h) : "";
  } catch {
    return "";
  }
};

export async function responseError(res: Response, what: string): Promise<SkiffError> {
  // (a HEAD answer has no body: skiffd repeats the error in a header)
  const text = (await res.text()) || decodeHeader(res.headers.get(ERROR_HEADER));
  let body: WireError;
  try {
    body = JSON.parse(text) as WireError;
  } catch {
    body = { message: text.trim() || `${what}: HTTP ${res.status} ${res.statusText || ""}`.trim(), hint: text.trim() ? undefined : "the answer carried no message: the daemon's log says why" };
  }
  return new SkiffError({ layer: layerOf(body.layer), kind: kindForStatus(res.status), code: body.code ?? `API_HTTP_${res.status}`, message: body.message, hint: body.hint, details: { status: res.status } });
}

const errnoOfFetch = (e: unknown): string => {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== "string") return (e as Error)?.message ?? String(e);
  // Bun names some socket failures its own way
  return ({ ConnectionRefused: "ECONNREFUSED", ConnectionClosed: "ECONNRESET" } as Record<string, string>)[code] ?? code;
};

const groups = (): string[][] => {
  try {
    return nodeFs().readFileSync("/etc/group", "utf8").split("\n").map((l) => l.split(":"));
  } catch {
    return [];
  }
};

/** How a user gets to use the socket: root, or its group (skiffd gives it to group "skiff" when that exists). */
function permissionHint(socketPath: string): string {
  let gid: number | undefined;
  try {
    gid = nodeFs().statSync(socketPath).gid;
  } catch {
    // its directory is closed to us too
  }
  const all = groups();
  const own = gid !== undefined && gid !== 0 ? all.find((g) => g[2] === String(gid))?.[0] : undefined;
  const group = own ?? "skiff";
  if (own || all.some((g) => g[0] === "skiff"))
    return `the socket is for root and the group "${group}": run as root (sudo skiff …), or join the group (sudo usermod -aG ${group} $USER, then log in again)`;
  return `the socket is for root: run as root (sudo skiff …), or have the group "skiff" created (sudo groupadd skiff; skiffd gives it the socket when it starts) and join it`;
}

/** Why a connection to the daemon's socket failed, and what to do about it. */
export function connectError(socketPath: string, e: unknown): SkiffError {
  const errno = errnoOfFetch(e);
  const at = `connect to skiffd at "${socketPath}"`;
  if (errno === "EACCES" || errno === "EPERM") {
    return new SkiffError({
      layer: "cli",
      kind: "failed_precondition",
      code: "CLI_DAEMON_PERMISSION_DENIED",
      message: `${at}: permission denied`,
      hint: permissionHint(socketPath),
      cause: e,
      details: { path: socketPath, errno },
    });
  }
  // connected, then cut off (a request body still streaming when the daemon stopped)
  if (errno === "ECONNRESET" || errno === "EPIPE" || errno === "ECONNABORTED") return connectionLost(socketPath, e);
  if (errno === "ENOENT" || errno === "ECONNREFUSED")
    return new SkiffError({
      layer: "cli",
      kind: "unavailable",
      code: "CLI_DAEMON_UNREACHABLE",
      message: `${at}: the daemon is not running (${errno === "ENOENT" ? "no socket at that path" : "nobody listens on the socket"})`,
      hint: `start it with: sudo bin/skiffd &   (or point -H/--host or SKIFF_HOST at its socket)`,
      cause: e,
      details: { path: socketPath, errno },
    });
  const isErrno = /^E[A-Z0-9]+$/.test(errno);
  return new SkiffError({
    layer: "cli",
    kind: "unavailable",
    code: "CLI_DAEMON_UNREACHABLE",
    message: `${at}: ${errno === "ENOTSOCK" ? "not a socket" : errno === "ENOTDIR" ? `"${nodePath().dirname(socketPath)}" is not a directory` : isErrno ? "connection failed" : `connection failed: ${errno}`}`,
    hint: "check the path given with -H/--host or SKIFF_HOST, and that skiffd is running",
    cause: e,
    details: { path: socketPath, ...(isErrno ? { errno } : {}) },
  });
}

/** A response the daemon broke off: its connection closed before the body ended. */
export function connectionLost(socketPath: string, e: unknown): SkiffError {
  const errno = errnoOfFetch(e);
  return new SkiffError({
    layer: "cli",
    kind: "unavailable",
    code: "CLI_DAEMON_CONNECTION_LOST",
    message: `read the daemon's response on "${socketPath}": the connection closed before it ended`,
    hint: "skiffd stopped or crashed meanwhile: check that it runs (its log says why), then retry",
    cause: e,
    details: { path: socketPath, ...(/^E[A-Z0-9]+$/.test(errno) ? { errno } : {}) },
  });
}

/** The response body as JSON messages, one per line ("\r\n" or "\n"), error lines included. */
export async function* jsonLines(res: Response): AsyncIterable<JsonMessage> {
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    buf += dec.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield parseLine(line);
    }
  }
  if (buf.trim()) yield parseLine(buf.trim());
}

function parseLine(line: string): JsonMessage {
  try {
    return JSON.parse(line) as JsonMessage;
  } catch {
    throw new SkiffError({ layer: "api", kind: "internal", code: "API_STREAM_INVALID", message: `read the daemon's JSON stream: not JSON: ${JSON.stringify(line.slice(0, 80))}`, hint: "is -H/--host a skiffd or dockerd socket?" });
  }
}

/** The error of an in-stream error line, with the daemon's code, layer and hint when it sent them. */
export function streamError(m: JsonMessage): SkiffError {
  const message = m.errorDetail?.message ?? m.error ?? "unknown error";
  return new SkiffError({ layer: layerOf(m.layer), kind: "internal", code: m.code ?? "API_STREAM_ERROR", message, hint: m.hint, details: { stream: true } });
}

/** jsonLines() for the CLI: an error line ends the stream as its SkiffError, a broken connection as CLI_DAEMON_CONNECTION_LOST. */
export async function* messages(res: Response, socketPath: string): AsyncIterable<JsonMessage> {
  const it = jsonLines(res)[Symbol.asyncIterator]();
  for (;;) {
    let r: IteratorResult<JsonMessage>;
    try {
      r = await it.next();
    } catch (e) {
      if (e instanceof SkiffError) throw e;
      throw connectionLost(socketPath, e);
    }
    if (r.done) return;
    if (r.value.error !== undefined || r.value.errorDetail !== undefined) throw streamError(r.value);
    yield r.value;
  }
}
