// The registry host a server address names, as docker's credentials.ConvertToHostname does, with
// Docker Hub's several names folded into one: the key by which credentials are stored and looked
// up ("https://host:5000/v2/" and "host:5000" are the same registry). Shared by the engine (POST
// /auth's serveraddress) and the CLI (docker's config.json).
import { DOCKER_HUB, isRegistryDomain } from "./reference.ts";

/** The names that mean Docker Hub, besides DOCKER_HUB itself. */
const HUB_HOSTS = new Set([DOCKER_HUB, "index.docker.io", "registry-1.docker.io"]);

/** "https://host:5000/v2/" → "host:5000"; "https://index.docker.io/v1/", "registry-1.docker.io" → "docker.io". Lowercase. */
export function registryHostOf(server: string): string {
  const host = server.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split("/")[0]!.toLowerCase();
  return HUB_HOSTS.has(host) ? DOCKER_HUB : host;
}

/** True when `server` names Docker Hub, whatever its spelling. */
export const isDockerHub = (server: string): boolean => registryHostOf(server) === DOCKER_HUB;

/**
 * Why `server` is no registry address (undefined when it is one): a domain ("host:5000"), or an
 * http or https URL of one ("https://index.docker.io/v1/"). Anything else (a file: URL, a path)
 * would otherwise be taken as a host name.
 */
export function serverAddressProblem(server: string): string | undefined {
  const s = server.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s)?.[1];
  if (scheme !== undefined && !/^https?$/i.test(scheme)) return `a registry host name or an http or https URL (not ${scheme.toLowerCase()}:)`;
  const host = s.slice(scheme !== undefined ? scheme.length + 3 : 0).split("/")[0]!;
  if (!isRegistryDomain(host)) return "a registry host name (host[:port]) or an http or https URL of one";
  return undefined;
}
