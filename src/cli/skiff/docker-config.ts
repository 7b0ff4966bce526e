// Credentials in docker's config.json ($DOCKER_CONFIG/config.json, else ~/.docker/config.json):
// {"auths": {"SERVER": {"auth": base64("user:password")}}}. Other keys are kept as they are.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { homedir } from "node:os";
import { invalid } from "../../common/errors.ts";
import type { RegistryAuth } from "../../api/client.ts";

export const DOCKER_HUB = "https://index.docker.io/v1/";

export const configPath = () => join(process.env.DOCKER_CONFIG ?? join(homedir(), ".docker"), "config.json");

type Config = { auths?: Record<string, { auth?: string; identitytoken?: string }> } & Record<string, unknown>;

export function readConfig(path = configPath()): Config {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Config;
  } catch (e) {
    throw invalid("cli", "CLI_DOCKER_CONFIG_INVALID", `read "${path}": ${(e as Error).message}`, "fix or remove the file");
  }
}

export function writeConfig(config: Config, path = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(config, null, "\t") + "\n", { mode: 0o600 });
  renameSync(tmp, path);
}

/** The registry a reference names: its first component when it looks like a host, else Docker Hub. */
export function registryOf(name: string): string {
  const first = name.split("/")[0]!;
  if (name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) return first === "docker.io" ? DOCKER_HUB : first;
  return DOCKER_HUB;
}

/** The server key docker uses in `auths`: Docker Hub's long form, else the host. */
export const serverKey = (server?: string): string =>
  !server || ["docker.io", "index.docker.io", "registry-1.docker.io"].includes(server.replace(/^https?:\/\//, "").replace(/\/.*$/, "")) ? DOCKER_HUB : server.replace(/^https?:\/\//, "").replace(/\/+$/, "");

export function credentialsFor(name: string): RegistryAuth | undefined {
  const server = registryOf(name);
  const entry = readConfig().auths?.[server] ?? readConfig().auths?.[`https://${server}`];
  if (!entry?.auth) return entry?.identitytoken ? { identitytoken: entry.identitytoken, serveraddress: server } : undefined;
  const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: server };
}
