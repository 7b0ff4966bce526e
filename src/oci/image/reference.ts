// Image references ("busybox", "ghcr.io/o/app:1.2", "localhost:5000/x@sha256:…") parsed by the
// grammar of github.com/distribution/reference and normalised as docker does: a first component
// without "." or ":" that is not "localhost" (and has no uppercase) is a Docker Hub path, so
// "busybox" means "docker.io/library/busybox"; "index.docker.io" is "docker.io".
import { invalid } from "../../common/errors.ts";
import { parseDigest, type Digest } from "./digest.ts";

export interface ImageReference {
  /** Registry host with optional port: "docker.io", "localhost:5000", "[::1]:5000". */
  domain: string;
  /** Repository path inside the registry: "library/busybox". */
  path: string;
  tag?: string;
  digest?: Digest;
}

export const DOCKER_HUB = "docker.io";
const MAX_NAME = 255;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);

/** "host", "host:5000", "[::1]:5000": a registry domain as a reference may start with. */
export const isRegistryDomain = (s: string): boolean => DOMAIN.test(s);
const TAG = /^[\w][\w.-]{0,127}$/;

export interface ParseReferenceOptions {
  /** Add "latest" when neither a tag nor a digest is given, as docker pull does (default true). */
  defaultTag?: boolean;
}

export function parseReference(input: string, opts: ParseReferenceOptions = {}): ImageReference {
  const bad = (why: string, hint = 'write a reference as [registry[:port]/]name[:tag][@sha256:digest], e.g. "busybox:1.36" or "localhost:5000/team/app@sha256:…"'): never => {
    throw invalid("image", "IMAGE_REFERENCE_INVALID", `parse reference ${JSON.stringify(input)}: ${why}`, hint, { reference: input });
  };
  if (input === "") bad("empty reference");
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    try {
      digest = parseDigest(rest.slice(at + 1)) && (rest.slice(at + 1) as Digest);
    } catch (e) {
      bad(`invalid digest: ${(e as Error).message.replace(/^parse digest "[^"]*": /, "")}`);
    }
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad(`invalid tag ${JSON.stringify(tag)}${/\s/.test(tag) ? " (it contains whitespace)" : ""}: a tag is 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`);
  }
  if (rest === "") bad("missing the repository name");
  if (/\s/.test(rest)) bad(`repository name ${JSON.stringify(rest)} contains whitespace`);
  if (/^[a-f0-9]{64}$/.test(rest)) bad("a 64-digit hex string is an image ID, not a repository name", "refer to an image by ID without a registry, or add a repository name");
  const { domain, path } = splitDomain(rest);
  if (!DOMAIN.test(domain)) bad(`invalid registry host ${JSON.stringify(domain)}`);
  if (path !== path.toLowerCase()) {
    // The part after a registry host; else the whole name ("Bad/Ref": "Bad" is taken for a
    // registry only because of its capital, and is as wrong as "Ref").
    const first = rest.split("/")[0]!;
    const named = rest.includes("/") && (/[.:]/.test(first) || first === "localhost") ? rest.slice(first.length + 1) : rest;
    bad(`repository name ${JSON.stringify(named)} must be lowercase`);
  }
  for (const part of path.split("/")) {
    if (!PATH_COMPONENT.test(part)) {
      bad(part === "" ? "empty path component (a doubled or trailing \"/\")" : `invalid path component ${JSON.stringify(part)}: components are lowercase letters and digits, separated by ".", "_", "__" or dashes`);
    }
  }
  if (domain.length + 1 + path.length > MAX_NAME) bad(`name longer than ${MAX_NAME} characters`);
  if (tag === undefined && digest === undefined && opts.defaultTag !== false) tag = "latest";
  const ref: ImageReference = { domain, path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  let domain: string;
  let path: string;
  if (slash < 0 || (!/[.:]/.test(first) && first !== "localhost" && first === first.toLowerCase())) {
    domain = DOCKER_HUB;
    path = name;
  } else {
    domain = first;
    path = name.slice(slash + 1);
  }
  if (domain === "index.docker.io") domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes("/")) path = `library/${path}`;
  return { domain, path };
}

/** "docker.io/library/busybox" — the repository the reference names. */
export const repositoryOf = (r: ImageReference): string => `${r.domain}/${r.path}`;

/** The fully qualified form: "docker.io/library/busybox:latest@sha256:…". */
export const formatReference = (r: ImageReference): string =>
  `${repositoryOf(r)}${r.tag !== undefined ? `:${r.tag}` : ""}${r.digest ? `@${r.digest}` : ""}`;

/**
 * The short form docker prints: Hub's domain and "library/" dropped ("busybox:latest"). Unlike
 * docker, what is dropped stays when dropping it would change the meaning: "docker.io/a.b/c" is
 * not "a.b/c", which names the registry a.b, and "library/<64 hex digits>" is not the image ID
 * those digits would be alone.
 */
export function familiarReference(r: ImageReference): string {
  let name = repositoryOf(r);
  if (r.domain === DOCKER_HUB) {
    const first = r.path.split("/")[0]!;
    const readAsHost = r.path.includes("/") && (first.includes(".") || first === "localhost");
    const official = r.path.startsWith("library/") && r.path.split("/").length === 2 && !/^[a-f0-9]{64}$/.test(r.path.slice(8));
    if (!readAsHost) name = official ? r.path.slice(8) : r.path;
  }
  return `${name}${r.tag !== undefined ? `:${r.tag}` : ""}${r.digest ? `@${r.digest}` : ""}`;
}

/** The short form of a full name as stored ("docker.io/library/busybox:latest" → "busybox:latest"); no tag is added. */
export const familiarName = (full: string): string => familiarReference(parseReference(full, { defaultTag: false }));

/**
 * True for registries on this machine, which docker talks to over plain HTTP without being told:
 * "localhost", 127.0.0.0/8 and ::1, with any port.
 */
export function isLoopbackDomain(domain: string): boolean {
  const host = domain.startsWith("[") ? domain.slice(1, domain.indexOf("]")) : domain.replace(/:\d+$/, "");
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}
