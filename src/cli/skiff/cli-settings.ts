// The settings of docker's config.json that container commands read, as docker's CLI does:
// "detachKeys" (the default detach sequence of run, start, attach and exec) and "psFormat" (ps's
// default --format). A missing or unreadable file, or a value of another type, is no setting
// (logging in reports a broken file; these commands need none). Read with sys.ts's file calls, and
// without docker-config.ts (node:fs, node:os, node:child_process for the credential helpers): the
// container commands that read these settings start faster without them.
import { nodePath } from "../../common/lazy-node.ts";
import { readText } from "../../common/sys.ts";

/** $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function defaultDockerConfigPath(env: Record<string, string | undefined> = process.env): string {
  const home = () => env.HOME || process.getBuiltinModule("node:os").homedir();
  const { join } = nodePath();
  return env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, "config.json") : join(home(), ".docker", "config.json");
}

export interface CliSettings {
  detachKeys?: string;
  psFormat?: string;
}

export function cliSettings(env: Record<string, string | undefined> = process.env): CliSettings {
  let doc: unknown;
  try {
    doc = JSON.parse(readText(defaultDockerConfigPath(env)));
  } catch {
    return {};
  }
  const field = (k: string) => {
    const v = doc && typeof doc === "object" && Object.hasOwn(doc, k) ? (doc as Record<string, unknown>)[k] : undefined;
    return typeof v === "string" && v ? v : undefined;
  };
  return { detachKeys: field("detachKeys"), psFormat: field("psFormat") };
}
