// The Docker Engine API server on a unix socket: routes a request to its handler, turns thrown
// errors into docker's error bodies, and adds the headers docker sends on every response.
import type { ImageService } from "../engine/image/service.ts";
import { log } from "../common/log.ts";
import type { DaemonInfo, Handler } from "./handlers/context.ts";
import * as images from "./handlers/images.ts";
import * as streams from "./handlers/image-streams.ts";
import * as system from "./handlers/system.ts";
import { apiError, errorResponse } from "./http-error.ts";
import { matchRoute, type RouteName } from "./routes.ts";

const HANDLERS: Record<RouteName, Handler> = {
  ping: system.ping,
  version: system.version,
  info: system.info,
  auth: system.auth,
  imageCreate: streams.create,
  imageList: images.list,
  imageInspect: images.inspect,
  imageDelete: images.remove,
  imageTag: images.tag,
  imagePush: streams.push,
  imageSaveMany: streams.save,
  imageSaveOne: streams.save,
  imageLoad: streams.load,
  imagePrune: images.prune,
};

export interface ApiServerOptions {
  socketPath: string;
  images: ImageService;
  daemon: DaemonInfo;
}

export interface ApiServer {
  socketPath: string;
  stop(): void;
}

export async function handleRequest(req: Request, images: ImageService, daemon: DaemonInfo): Promise<Response> {
  const url = new URL(req.url);
  let res: Response;
  try {
    const m = matchRoute(req.method, url.pathname);
    if (m.kind === "route") res = await HANDLERS[m.name]({ req, url, params: m.params, images, daemon });
    else if (m.kind === "bad_version")
      throw apiError("invalid_argument", "API_VERSION_UNSUPPORTED", `client version ${m.apiVersion} is not supported: this daemon accepts 1.12 to 1.45`, "upgrade or downgrade the client");
    else if (m.kind === "not_allowed") res = Response.json({ message: `method ${req.method} not allowed on "${url.pathname}"` }, { status: 405 });
    else res = notFound(url.pathname);
  } catch (e) {
    res = errorResponse(e);
  }
  // The docker CLI decodes an error body only when the type is exactly application/json.
  if (res.headers.get("content-type")?.startsWith("application/json;")) res.headers.set("content-type", "application/json");
  for (const [k, v] of Object.entries(system.COMMON_HEADERS)) res.headers.set(k, v);
  log.debug(`${req.method} ${url.pathname}${url.search} → ${res.status}`);
  return res;
}

/** Parts of the Engine API this daemon does not serve yet: say so rather than "page not found". */
const NOT_YET = /^\/(?:v1\.\d+\/)?(containers|networks|volumes|exec|build|swarm|services|nodes|secrets|configs|plugins|session|distribution|system\/df|events)\b/;

function notFound(path: string): Response {
  const area = NOT_YET.exec(path)?.[1];
  if (area)
    return Response.json({ message: `skiffd does not serve ${area} yet: this version has the image endpoints only`, code: "API_NOT_IMPLEMENTED", layer: "api", hint: "use skiff-oci (runc's CLI) for containers for now" }, { status: 501 });
  return Response.json({ message: `page not found: ${path}`, code: "API_NOT_FOUND", layer: "api" }, { status: 404 });
}

export function startApiServer(opts: ApiServerOptions): ApiServer {
  const server = Bun.serve({
    unix: opts.socketPath,
    // Pulls and saves of large images are quiet for long stretches: no idle timeout (the types
    // offer it for TCP listeners only; Bun applies it to unix sockets too).
    ...({ idleTimeout: 0 } as {}),
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    fetch: (req) => handleRequest(req, opts.images, opts.daemon),
  });
  return { socketPath: opts.socketPath, stop: () => void server.stop(true) };
}
