// The settings of docker's config.json that container commands read, as docker's CLI does:
// "detachKeys" (the default detach sequence of run, start, attach and exec) and "psFormat" (ps's
// default --format). A missing or unreadable file, or a value of another type, is no setting
// (logging in reports a broken file; these commands need none).
import { readFileSync } from "node:fs";
import { defaultDockerConfigPath } from "./docker-config.ts";

export interface CliSettings {
  detachKeys?: string;
  psFormat?: string;
}

export function cliSettings(env: Record<string, string | undefined> = process.env): CliSettings {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(defaultDockerConfigPath(env), "utf8"));
  } catch {
    return {};
  }
  const field = (k: string) => {
    const v = doc && typeof doc === "object" && Object.hasOwn(doc, k) ? (doc as Record<string, unknown>)[k] : undefined;
    return typeof v === "string" && v ? v : undefined;
  };
  return { detachKeys: field("detachKeys"), psFormat: field("psFormat") };
}
