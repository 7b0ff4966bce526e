// The route table of the Docker Engine API subset skiffd serves. Pure: a method and a path in, a
// route name and its parameters out. Image names may hold slashes and colons
// ("/images/localhost:5000/a/b:tag/json"), so exact paths are tried first and name patterns
// anchor on their fixed suffix.

export const API_VERSION = "1.41";
export const MIN_API_VERSION = "1.12";
const MAX_ACCEPTED_MINOR = 45;
const MIN_ACCEPTED_MINOR = 12;

export type RouteName =
  | "ping"
  | "version"
  | "info"
  | "auth"
  | "imageCreate"
  | "imageList"
  | "imageInspect"
  | "imageDelete"
  | "imageTag"
  | "imagePush"
  | "imageSaveMany"
  | "imageSaveOne"
  | "imageLoad"
  | "imagePrune";

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
  { methods: ["GET"], pattern: /^\/images\/get$/, name: "imageSaveMany" },
  { methods: ["POST"], pattern: /^\/images\/load$/, name: "imageLoad" },
  { methods: ["POST"], pattern: /^\/images\/prune$/, name: "imagePrune" },
  { methods: ["GET"], pattern: /^\/images\/(?<name>.+)\/json$/, name: "imageInspect" },
  { methods: ["POST"], pattern: /^\/images\/(?<name>.+)\/tag$/, name: "imageTag" },
  { methods: ["POST"], pattern: /^\/images\/(?<name>.+)\/push$/, name: "imagePush" },
  { methods: ["GET"], pattern: /^\/images\/(?<name>.+)\/get$/, name: "imageSaveOne" },
  { methods: ["DELETE"], pattern: /^\/images\/(?<name>.+)$/, name: "imageDelete" },
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

export function isAcceptedVersion(v: string): boolean {
  const [major, minor] = v.split(".").map(Number);
  return major === 1 && minor! >= MIN_ACCEPTED_MINOR && minor! <= MAX_ACCEPTED_MINOR;
}

export function matchRoute(method: string, rawPath: string): RouteMatch {
  const { apiVersion, path } = stripVersion(rawPath);
  if (apiVersion !== undefined && !isAcceptedVersion(apiVersion)) return { kind: "bad_version", apiVersion };
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
