// The result of each ADD, kept for the DEL and CHECK that follow (CNI spec 1.0.0 asks the runtime
// to pass it as prevResult), with the runtimeConfig ADD was given (DEL gets the same). One JSON
// file per network, container and interface, replaced whole; it outlives the daemon, so a
// container that died while no daemon ran is still taken down with what ADD made.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../../common/atomic-file.ts";
import { parseJsonText } from "../../../common/json-text.ts";
import { log } from "../../../common/log.ts";

export interface RuntimeConfig {
  ips?: string[];
  mac?: string;
  portMappings?: { hostPort: number; containerPort: number; protocol: string; hostIP: string }[];
}

export interface CachedAttachment {
  /** The final result of the chain, as the last plugin printed it. */
  result: Record<string, unknown>;
  runtimeConfig: RuntimeConfig;
}

export interface AttachmentKey {
  network: string;
  containerId: string;
  ifName: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function cachePath(dir: string, k: AttachmentKey): string {
  for (const part of [k.network, k.containerId, k.ifName]) {
    if (!NAME.test(part)) throw new Error(`CNI cache: ${JSON.stringify(part)} is not a plain name`);
  }
  return join(dir, `${k.network}-${k.containerId}-${k.ifName}.json`);
}

export function writeCached(dir: string, k: AttachmentKey, value: CachedAttachment): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // not fsynced: after a machine crash the namespaces and rules it describes are gone too
  writeFileAtomic(cachePath(dir, k), JSON.stringify({ kind: "skiff-cni-attachment", ...k, ...value }), 0o600, false);
}

/** The cached attachment, or undefined when there is none or it cannot be read (logged). */
export function readCached(dir: string, k: AttachmentKey): CachedAttachment | undefined {
  const path = cachePath(dir, k);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const parsed = parseJsonText(text, { maxBytes: 1 << 20, maxDepth: 32 });
  const v = parsed.ok ? (parsed.value as Record<string, unknown>) : undefined;
  if (!v || typeof v !== "object" || typeof v.result !== "object" || v.result === null || Array.isArray(v.result)) {
    log.warn(`CNI cache ${path} is unreadable: DEL goes on without the ADD result`);
    return undefined;
  }
  const rc = v.runtimeConfig;
  return { result: v.result as Record<string, unknown>, runtimeConfig: rc && typeof rc === "object" && !Array.isArray(rc) ? (rc as RuntimeConfig) : {} };
}

export function removeCached(dir: string, k: AttachmentKey): void {
  rmSync(cachePath(dir, k), { force: true });
}
