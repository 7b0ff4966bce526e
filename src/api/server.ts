// The Docker Engine API server on a unix socket: routes a request to its handler, turns thrown
// errors into docker's error bodies, and adds the headers docker sends on every response. Logs
// failures as dockerd does: a 5xx at error level ("Handler for POST /… returned error: …"), a 4xx
// at debug level, every request at debug level; and, unlike dockerd, a streamed request (pull,
// push, load, import, save) that fails after its 200 went out, at warning level, with the error's
// code: its status alone would say it succeeded.
import type { ImageService } from "../engine/images/index.ts";
import { log as commonLog } from "../common/log.ts";
import type { DaemonInfo } from "./handlers/context.ts";
import type { Endpoint } from "./endpoint.ts";
import * as images from "./handlers/images.ts";
import * as imageSearch from "./handlers/image-search.ts";
import * as doctor from "./handlers/doctor.ts";
import * as streams from "./handlers/image-streams.ts";
import * as system from "./handlers/system.ts";
import * as containers from "./handlers/containers.ts";
import * as execs from "./handlers/execs.ts";
import * as volumes from "./handlers/volumes.ts";
import * as networks from "./handlers/networks.ts";
import * as containerFiles from "./handlers/container-files.ts";
import * as imageHistory from "./handlers/image-history.ts";
import * as events from "./handlers/events.ts";
import * as containerStats from "./handlers/container-stats.ts";
import * as containerTop from "./handlers/container-top.ts";
import * as systemDf from "./handlers/system-df.ts";
import * as pruneNone from "./handlers/prune-none.ts";
import * as containerStreams from "./handlers/container-streams.ts";
import { containerAttach, refuseOnSocket } from "./handlers/attach.ts";
import type { ContainerService } from "../engine/containers/index.ts";
import type { Duplex } from "node:stream";
import { apiError, errorOfResponse, errorResponse, wireError } from "./http-error.ts";
import { streamFailure } from "./json-stream.ts";
import { listenHttp } from "./http-server.ts";
import { mark } from "../common/trace.ts";
import { traced } from "../common/trace-scope.ts";
import { matchRoute, versionRefusal, type RouteName } from "./routes.ts";

/** Every route's endpoint: its declared query and body, checked before its handler runs. */
export const ENDPOINTS: Record<RouteName, Endpoint> = {
  ping: system.ping,
  version: system.version,
  info: system.info,
  auth: system.auth,
  imageCreate: streams.create,
  imageList: images.list,
  imageSearch: imageSearch.search,
  skiffDoctor: doctor.doctor,
  imageInspect: images.inspect,
  imageDelete: images.remove,
  imageTag: images.tag,
  imagePush: streams.push,
  imageSaveMany: streams.save,
  imageSaveOne: streams.save,
  imageLoad: streams.load,
  imagePrune: images.prune,
  containerCreate: containers.create,
  containerList: containers.list,
  containerPrune: containers.prune,
  containerInspect: containers.inspect,
  containerTop: containerTop.top,
  containerStats: containerStats.stats,
  containerLogs: containerStreams.logs,
  containerStart: containers.start,
  containerStop: containers.stop,
  containerRestart: containers.restart,
  containerKill: containers.kill,
  containerPause: containers.pause,
  containerUnpause: containers.unpause,
  containerRename: containers.rename,
  containerWait: containerStreams.wait,
  containerResize: containers.resize,
  containerAttach,
  containerDelete: containers.remove,
  containerUpdate: containers.update,
  containerArchiveHead: containerFiles.archiveHead,
  containerArchiveGet: containerFiles.archiveGet,
  containerArchivePut: containerFiles.archivePut,
  containerChanges: containerFiles.changes,
  containerExport: containerFiles.exportTar,
  commit: containerFiles.commit,
  imageHistory: imageHistory.history,
  execCreate: execs.create,
  execStart: execs.start,
  execInspect: execs.inspect,
  execResize: execs.resize,
  events: events.events,
  systemDf: systemDf.df,
  networkList: networks.list,
  networkInspect: networks.inspect,
  networkCreate: networks.create,
  networkConnect: networks.connect,
  networkDisconnect: networks.disconnect,
  networkDelete: networks.remove,
  networkPrune: networks.prune,
  buildPrune: pruneNone.buildPrune,
  volumeList: volumes.list,
  volumeCreate: volumes.create,
  volumePrune: volumes.prune,
  volumeInspect: volumes.inspect,
  volumeDelete: volumes.remove,
};

export type LogFields = Record<string, unknown>;

/** Where the server logs (the daemon's stderr logger; common/log's by default). */
export interface ServerLog {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** What the handlers serve. */
export interface ApiServices {
  images: ImageService;
  /** Absent in servers made for image-only tests. */
  containers?: ContainerService;
  daemon: DaemonInfo;
}

export interface ApiServerOptions extends ApiServices {
  socketPath: string;
  log?: ServerLog;
  /** Called whenever a request's answer has been sent (see HttpServerOptions.settled). */
  onRequestDone?: () => void;
}

export interface ApiServer {
  socketPath: string;
  stop(): Promise<void>;
}

/**
 * skiff's own request header: with `Skiff-Trace: 1` the answer carries `Skiff-Trace`, the JSON
 * list of the steps the request went through in every layer, with their times in ms from its
 * arrival ([{"what": "engine: image resolved", "ms": 0.4}, …]); `skiff --debug` prints it.
 */
export const TRACE_HEADER = "skiff-trace";

export async function handleRequest(req: Request, services: ApiServices, log: ServerLog = commonLog): Promise<Response> {
  if (!req.headers.get(TRACE_HEADER)) return answer(req, services, log);
  const { steps, result } = traced(() => {
    mark("api: received");
    return answer(req, services, log);
  });
  const res = await result;
  // (past the await, outside fn's asynchronous course: the chain is added to directly)
  steps.push({ what: "api: answered", at: performance.now() });
  const origin = steps[0]?.at ?? 0;
  res.headers.set(TRACE_HEADER, JSON.stringify(steps.map((s) => ({ what: s.what, ms: Math.round((s.at - origin) * 10) / 10 }))));
  return res;
}

async function answer(req: Request, services: ApiServices, log: ServerLog): Promise<Response> {
  const url = new URL(req.url);
  let res: Response;
  let failure: unknown;
  try {
    const m = matchRoute(req.method, url.pathname);
    if (m.kind === "route") res = await ENDPOINTS[m.name].run({ req, url, params: m.params, ...services });
    else if (m.kind === "bad_version") {
      const { message, hint } = versionRefusal(m.apiVersion);
      throw apiError("invalid_argument", "API_VERSION_UNSUPPORTED", message, hint);
    }
    else if (m.kind === "not_allowed") res = Response.json({ message: `method ${req.method} not allowed on "${url.pathname}"` }, { status: 405 });
    else res = notFound(url.pathname);
  } catch (e) {
    failure = e;
    res = errorResponse(e);
  }
  // The docker CLI decodes an error body only when the type is exactly application/json.
  if (res.headers.get("content-type")?.startsWith("application/json;")) res.headers.set("content-type", "application/json");
  for (const [k, v] of Object.entries(system.COMMON_HEADERS)) res.headers.set(k, v);
  logRequest(log, req.method, url, res, failure ?? errorOfResponse(res));
  // A tar streamed out (save) that breaks off has no error line to carry its error: log it.
  if (res.ok && res.body && res.headers.get("content-type") === "application/x-tar") res = observeBody(res, log, `${req.method} ${url.pathname}`);
  return res;
}

/** A request that takes the connection over (attach, exec start): routed and checked like any. */
export async function handleUpgrade(req: Request, socket: Duplex, head: Buffer, services: ApiServices, log: ServerLog = commonLog): Promise<void> {
  const url = new URL(req.url);
  try {
    const m = matchRoute(req.method, url.pathname);
    if (m.kind === "bad_version") {
      const { message, hint } = versionRefusal(m.apiVersion);
      throw apiError("invalid_argument", "API_VERSION_UNSUPPORTED", message, hint);
    }
    const ep = m.kind === "route" ? ENDPOINTS[m.name] : undefined;
    if (!ep?.upgrade) throw apiError("not_found", "API_NOT_FOUND", `${req.method} ${url.pathname} takes no Upgrade`, "attach and exec start are the endpoints that take the connection over");
    log.debug(`${req.method} ${url.pathname}${url.search} → 101 (hijacked)`);
    await ep.upgrade({ req, url, params: m.kind === "route" ? m.params : {}, ...services }, socket, head);
  } catch (e) {
    log.debug(`Handler for ${req.method} ${url.pathname} returned error: ${wireError(e).body.message}`, errorFields(e));
    if (socket.writable) refuseOnSocket(socket, e);
  }
}

/** The same response, its body passed through a reader that logs how it ended when it ended badly. */
function observeBody(res: Response, log: ServerLog, what: string): Response {
  const reader = res.body!.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let r: Awaited<ReturnType<typeof reader.read>>;
      try {
        r = await reader.read();
      } catch (e) {
        log.warn(`${what} failed after the response started: ${wireError(e).body.message}`, errorFields(e));
        controller.error(e);
        return;
      }
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    cancel(reason) {
      log.info(`${what}: canceled: the client went away`);
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** The error's code and layer as log fields (its message is in the line's). */
function errorFields(e: unknown): LogFields {
  const { body } = wireError(e);
  return { code: body.code, layer: body.layer };
}

function logRequest(log: ServerLog, method: string, url: URL, res: Response, failure: unknown): void {
  log.debug(`${method} ${url.pathname}${url.search} → ${res.status}`);
  // (the 404s and 501s of routes not served have no error: the line above is theirs)
  if (failure !== undefined && res.status >= 500) log.error(`Handler for ${method} ${url.pathname} returned error: ${wireError(failure).body.message}`, { status: res.status, ...errorFields(failure) });
  else if (failure !== undefined && res.status >= 400) log.debug(`Handler for ${method} ${url.pathname} returned error: ${wireError(failure).body.message}`, { status: res.status, ...errorFields(failure) });
  // A streamed response went out as 200: its failure, if any, comes later.
  streamFailure(res)?.then((e) => {
    if (e === undefined) return;
    if (e instanceof Error && e.name === "AbortError") log.info(`${method} ${url.pathname}: canceled: the client went away`);
    else log.warn(`${method} ${url.pathname} failed after the response started: ${wireError(e).body.message}`, errorFields(e));
  });
}

/** Parts of the Engine API this daemon does not serve yet: say so rather than "page not found". */
const NOT_YET = /^\/(?:v1\.\d+\/)?(containers\/[^/]+\/(?:changes|export|archive|update)|build|swarm|services|nodes|secrets|configs|plugins|session|distribution)\b/;

function notFound(path: string): Response {
  const area = NOT_YET.exec(path)?.[1];
  if (area)
    return Response.json({ message: `skiffd does not serve ${area.replace(/^containers\/[^/]+\//, "container ")} yet`, code: "API_NOT_IMPLEMENTED", layer: "api", hint: "this version serves images and the container lifecycle (create, start, stop, logs, attach, wait, rm)" }, { status: 501 });
  return Response.json({ message: `page not found: ${path}`, code: "API_NOT_FOUND", layer: "api" }, { status: 404 });
}

/** Serves the API on its unix socket; resolves once the socket takes connections. */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const server = await listenHttp({
    socketPath: opts.socketPath,
    handle: (req) => handleRequest(req, opts, opts.log),
    upgrade: (req, socket, head) => void handleUpgrade(req, socket, head, opts, opts.log),
    settled: opts.onRequestDone,
  });
  return { socketPath: opts.socketPath, stop: () => server.close() };
}
