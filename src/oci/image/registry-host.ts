// The registry host a server address names, as docker's credentials.ConvertToHostname does, with
// Docker Hub's several names folded into one: the key by which credentials are stored and looked
// up ("https://host:5000/v2/" and "host:5000" are the same registry). Shared by the engine (POST
// /auth's serveraddress) and the CLI (docker's config.json).
import { DOCKER_HUB } from "./reference.ts";

/** The names that mean Docker Hub, besides DOCKER_HUB itself. */
const HUB_HOSTS = new Set([DOCKER_HUB, "index.docker.io", "registry-1.docker.io"]);

/** "https://host:5000/v2/" → "host:5000"; "https://index.docker.io/v1/", "registry-1.docker.io" → "docker.io". Lowercase. */
export function registryHostOf(server: string): string {
  const host = server.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split("/")[0]!.toLowerCase();
  return HUB_HOSTS.has(host) ? DOCKER_HUB : host;
}

/** True when `server` names Docker Hub, whatever its spelling. */
export const isDockerHub = (server: string): boolean => registryHostOf(server) === DOCKER_HUB;
