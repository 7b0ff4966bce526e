// The route table of the Docker Engine API subset skiffd serves. Pure: a method and a path in, a
// route name and its parameters out (for a lookup of a container or plugin skiffd cannot have,
// docker's 404 thrown). Image names may hold slashes and colons
// ("/images/localhost:5000/a/b:tag/json"), so exact paths are tried first and name patterns
// anchor on their fixed suffix.

import { notFound } from "../common/errors.ts";

import { API_VERSION, MIN_API_VERSION } from "./version.ts";

export type RouteName =
  | "ping"
  | "version"
  | "info"
  | "auth"
  | "imageCreate"
  | "imageList"
  | "imageSearch"
  | "skiffDoctor"
  | "imageInspect"
  | "imageDelete"
  | "imageTag"
  | "imagePush"
  | "imageSaveMany"
  | "imageSaveOne"
  | "imageLoad"
  | "imagePrune"
  | "containerCreate"
  | "containerList"
  | "containerPrune"
  | "containerInspect"
  | "containerTop"
  | "containerStats"
  | "containerLogs"
  | "containerStart"
  | "containerStop"
  | "containerRestart"
  | "containerKill"
  | "containerPause"
  | "containerUnpause"
  | "containerRename"
  | "containerWait"
  | "containerResize"
  | "containerAttach"
  | "containerDelete"
  | "containerUpdate"
  | "containerArchiveHead"
  | "containerArchiveGet"
  | "containerArchivePut"
  | "containerChanges"
  | "containerExport"
  | "commit"
  | "imageHistory"
  | "volumeList"
  | "volumeCreate"
  | "volumePrune"
  | "volumeInspect"
  | "volumeDelete"
  | "execCreate"
  | "execStart"
  | "execInspect"
  | "execResize"
  | "events"
  | "systemDf"
  | "networkList"
  | "networkInspect"
  | "networkCreate"
  | "networkConnect"
  | "networkDisconnect"
  | "networkDelete"
  | "networkPrune"
  | "buildPrune";

interface Route {
  methods: string[];
  pattern: RegExp;
  name: RouteName;
}

const ROUTES: Route[] = [
  { methods: ["GET", "HEAD"], pattern: /^\/_ping$/, name: "ping" },
  { methods: ["GET"], pattern: /^\/version$/, name: "version" },
  { methods: ["GET"], pattern: /^\/info$/, name: "info" },
  { methods: ["POST"], pattern: /^\/auth$/, name: "auth" },
  { methods: ["POST"], pattern: /^\/images\/create$/, name: "imageCreate" },
  { methods: ["GET"], pattern: /^\/images\/json$/, name: "imageList" },
  { methods: ["GET"], pattern: /^\/images\/search$/, name: "imageSearch" },
  { methods: ["GET"], pattern: /^\/skiff\/doctor$/, name: "skiffDoctor" },
  { methods: ["GET"], pattern: /^\/images\/get$/, name: "imageSaveMany" },
  { methods: ["POST"], pattern: /^\/images\/load$/, name: "imageLoad" },
  { methods: ["POST"], pattern: /^\/images\/prune$/, name: "imagePrune" },
  { methods: ["GET"], pattern: /^\/images\/(?<name>.+)\/json$/, name: "imageInspect" },
  { methods: ["POST"], pattern: /^\/images\/(?<name>.+)\/tag$/, name: "imageTag" },
  { methods: ["POST"], pattern: /^\/images\/(?<name>.+)\/push$/, name: "imagePush" },
  { methods: ["GET"], pattern: /^\/images\/(?<name>.+)\/get$/, name: "imageSaveOne" },
  { methods: ["GET"], pattern: /^\/images\/(?<name>.+)\/history$/, name: "imageHistory" },
  { methods: ["DELETE"], pattern: /^\/images\/(?<name>.+)$/, name: "imageDelete" },
  { methods: ["POST"], pattern: /^\/containers\/create$/, name: "containerCreate" },
  { methods: ["GET"], pattern: /^\/containers\/json$/, name: "containerList" },
  { methods: ["POST"], pattern: /^\/containers\/prune$/, name: "containerPrune" },
  { methods: ["GET"], pattern: /^\/containers\/(?<id>[^/]+)\/json$/, name: "containerInspect" },
  { methods: ["GET"], pattern: /^\/containers\/(?<id>[^/]+)\/top$/, name: "containerTop" },
  { methods: ["GET"], pattern: /^\/containers\/(?<id>[^/]+)\/stats$/, name: "containerStats" },
  { methods: ["GET"], pattern: /^\/containers\/(?<id>[^/]+)\/logs$/, name: "containerLogs" },
  { methods: ["POST"], pattern: /^\/containers\/(?<id>[^/]+)\/start$/, name: "containerStart" },
  { methods: ["POST"], pattern: /^\/containers\/(?<id>[^/]+)\/stop$/, name: "containerStop" },
  { methods: ["POST"], pattern: /^\/containers\/(?<id>[^/]+)\/restart$/, name: "containerRestart" },
  { methods: ["POST"], pattern: /^\/containers\/(?<id>[^/]+)\/kill$/, name: "containerKill" },
  { methods: ["POST"], pattern: /^\/containers\/(?<id>[^/]+)\/pause$/, name: "containerPause" },
  { methods: ["POST"], pattern: /^\/containers\/(?<id>[^/]+)\/unpause$/, name: "containerUnpause" },
  { methods: ["POST"], pattern: /^\/containers\/(?<id>[^/]+)\/rename$/, name: "containerRename" },
  { methods: ["POST"], pattern: /^\/containers\/(?<id>[^/]+)\/wait$/, name: "containerWait" },
  { methods: ["POST"], pattern: /^\/containers\/(?<id>[^/]+)\/resize$/, name: "containerResize" },
  { methods: ["POST"], pattern: /^\/containers\/(?<id>[^/]+)\/attach$/, name: "containerAttach" },
  { methods: ["POST"], pattern: /^\/containers\/(?<id>[^/]+)\/update$/, name: "containerUpdate" },
  { methods: ["DELETE"], pattern: /^\/containers\/(?<id>[^/]+)$/, name: "containerDelete" },
  { methods: ["HEAD"], pattern: /^\/containers\/(?<id>[^/]+)\/archive$/, name: "containerArchiveHead" },
  { methods: ["GET"], pattern: /^\/containers\/(?<id>[^/]+)\/archive$/, name: "containerArchiveGet" },
  { methods: ["PUT"], pattern: /^\/containers\/(?<id>[^/]+)\/archive$/, name: "containerArchivePut" },
  { methods: ["GET"], pattern: /^\/containers\/(?<id>[^/]+)\/changes$/, name: "containerChanges" },
  { methods: ["GET"], pattern: /^\/containers\/(?<id>[^/]+)\/export$/, name: "containerExport" },
  { methods: ["POST"], pattern: /^\/commit$/, name: "commit" },
  { methods: ["POST"], pattern: /^\/containers\/(?<id>[^/]+)\/exec$/, name: "execCreate" },
  { methods: ["POST"], pattern: /^\/exec\/(?<id>[^/]+)\/start$/, name: "execStart" },
  { methods: ["GET"], pattern: /^\/volumes$/, name: "volumeList" },
  { methods: ["POST"], pattern: /^\/volumes\/create$/, name: "volumeCreate" },
  { methods: ["POST"], pattern: /^\/volumes\/prune$/, name: "volumePrune" },
  { methods: ["GET"], pattern: /^\/volumes\/(?<name>[^/]+)$/, name: "volumeInspect" },
  { methods: ["DELETE"], pattern: /^\/volumes\/(?<name>[^/]+)$/, name: "volumeDelete" },
  { methods: ["GET"], pattern: /^\/exec\/(?<id>[^/]+)\/json$/, name: "execInspect" },
  { methods: ["POST"], pattern: /^\/exec\/(?<id>[^/]+)\/resize$/, name: "execResize" },
  { methods: ["GET"], pattern: /^\/events$/, name: "events" },
  { methods: ["GET"], pattern: /^\/system\/df$/, name: "systemDf" },
  { methods: ["GET"], pattern: /^\/networks$/, name: "networkList" },
  { methods: ["POST"], pattern: /^\/networks\/create$/, name: "networkCreate" },
  { methods: ["POST"], pattern: /^\/networks\/prune$/, name: "networkPrune" },
  { methods: ["GET"], pattern: /^\/networks\/(?<id>[^/]+)$/, name: "networkInspect" },
  { methods: ["DELETE"], pattern: /^\/networks\/(?<id>[^/]+)$/, name: "networkDelete" },
  { methods: ["POST"], pattern: /^\/networks\/(?<id>[^/]+)\/connect$/, name: "networkConnect" },
  { methods: ["POST"], pattern: /^\/networks\/(?<id>[^/]+)\/disconnect$/, name: "networkDisconnect" },
  { methods: ["POST"], pattern: /^\/build\/prune$/, name: "buildPrune" },
];

export type RouteMatch =
  | { kind: "route"; name: RouteName; params: Record<string, string>; apiVersion?: string }
  | { kind: "bad_version"; apiVersion: string }
  | { kind: "not_allowed" }
  | { kind: "not_found" };

/** Splits "/v1.41/images/json" into "1.41" and "/images/json"; unversioned paths pass through. */
export function stripVersion(path: string): { apiVersion?: string; path: string } {
  const m = /^\/v(\d+)\.(\d+)(\/.*)$/.exec(path);
  if (!m) return { path };
  return { apiVersion: `${m[1]}.${m[2]}`, path: m[3]! };
}

const compareVersions = (a: string, b: string): number => {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < Math.max(x!.length, y!.length); i++) if ((x![i] ?? 0) !== (y![i] ?? 0)) return (x![i] ?? 0) - (y![i] ?? 0);
  return 0;
};

export function isAcceptedVersion(v: string): boolean {
  return compareVersions(v, MIN_API_VERSION) >= 0 && compareVersions(v, API_VERSION) <= 0;
}

/** dockerd's words for a refused version (its versionUnsupportedError), with what to do. */
export function versionRefusal(v: string): { message: string; hint: string } {
  return compareVersions(v, MIN_API_VERSION) < 0
    ? { message: `client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`, hint: `skiffd serves API versions ${MIN_API_VERSION} to ${API_VERSION}` }
    : { message: `client version ${v} is too new. Maximum supported API version is ${API_VERSION}`, hint: `skiffd serves API versions ${MIN_API_VERSION} to ${API_VERSION}: let the client negotiate (docker does), or set DOCKER_API_VERSION=${API_VERSION}` };
}

/**
 * GET/HEAD of one object skiffd cannot have, and docker's 404 for it: `docker inspect NAME`
 * asks for a container, an image, a network, a volume and a plugin of that name in turn, going on
 * only on "not found". Container ids may hold slashes as the CLI sends them ("other/x:2").
 */
const LOOKUPS: { pattern: RegExp; object: string; message: (id: string) => string }[] = [
  { pattern: /^\/containers\/(?<id>[^/]+\/.+)\/(?:json|logs|top|stats|changes|export|archive)$/, object: "container", message: (id) => `No such container: ${id}` },
  { pattern: /^\/plugins\/(?<id>.+)\/json$/, object: "plugin", message: (id) => `plugin "${id}" not found` },
];

/**
 * Throws docker's 404 for a lookup of a plugin (skiffd has none) or of a
 * container by a name no container can have ("a/b:1"): that is the truth, and docker's CLI goes
 * on to images on it (`docker inspect IMAGE`). Requests that would create or act on one are no
 * lookups: they stay "not served yet" (501).
 */
export function refuseLookup(method: string, path: string): void {
  if (method !== "GET" && method !== "HEAD") return;
  for (const { pattern, object, message } of LOOKUPS) {
    const m = pattern.exec(path);
    if (!m) continue;
    const id = safeDecode(m.groups!.id!);
    const hint = object === "container" ? "container names have no slash: list containers with skiff ps -a" : `skiffd has no ${object}s yet`;
    throw notFound("api", `API_${object.toUpperCase()}_NOT_FOUND`, message(id), hint, { [object]: id });
  }
}

/** The route of a request; throws docker's 404 for lookups of containers and plugins (see refuseLookup). */
export function matchRoute(method: string, rawPath: string): RouteMatch {
  const { apiVersion, path } = stripVersion(rawPath);
  if (apiVersion !== undefined && !isAcceptedVersion(apiVersion)) return { kind: "bad_version", apiVersion };
  refuseLookup(method, path);
  let pathMatched = false;
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (!r.methods.includes(method)) {
      pathMatched = true;
      continue;
    }
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = safeDecode(v);
    return { kind: "route", name: r.name, params, apiVersion };
  }
  return pathMatched ? { kind: "not_allowed" } : { kind: "not_found" };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
