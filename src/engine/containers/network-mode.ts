// docker's NetworkMode as the containers engine resolves it: "default" is the default network
// ("bridge"), "container:NAME" names the container by id (it must exist at create and run at each
// start: its network namespace is joined by path, and its /etc/hosts, /etc/resolv.conf are copied).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { conflict } from "./errors.ts";
import { isActive, type ContainerRecord } from "./record.ts";
import type { ContainerOptions } from "./spec/index.ts";

const CONTAINER = "container:";

/** The mode to record: "bridge" for none given or "default", "container:<full id>" for a container. */
export function networkModeOf(mode: string | undefined, resolve: (ref: string) => ContainerRecord): string {
  if (mode === undefined || mode === "" || mode === "default") return "bridge";
  if (!mode.startsWith(CONTAINER)) return mode;
  return `${CONTAINER}${resolve(mode.slice(CONTAINER.length)).id}`;
}

/**
 * The options of a container on container:ID with the hostname and domainname of that container,
 * as dockerd gives it them (the API refuses a --hostname of its own; a --domainname is replaced).
 */
export function withJoinedIdentity(options: ContainerOptions, get: (id: string) => ContainerRecord | undefined): ContainerOptions {
  const id = sharedWith(options.network);
  const other = id ? get(id) : undefined;
  if (!other) return options;
  const { domainname: _, ...rest } = options;
  return { ...rest, hostname: other.hostname, ...(other.options.domainname ? { domainname: other.options.domainname } : {}) };
}

/** The container whose network namespace this one shares, if any. */
export const sharedWith = (mode: string | undefined): string | undefined => (mode?.startsWith(CONTAINER) ? mode.slice(CONTAINER.length) : undefined);

/**
 * Before the runtime's create of a container on container:ID: that container must run; its network
 * namespace is named in the bundle, and its /etc/hosts and /etc/resolv.conf are copied.
 */
export function joinNetworkNamespace(r: ContainerRecord, store: { get(id: string): ContainerRecord | undefined }): void {
  const id = sharedWith(r.options.network);
  if (!id) return;
  const other = store.get(id);
  if (!other || !isActive(other.state) || !other.state.pid)
    throw conflict("ENGINE_NETWORK_CONTAINER_NOT_RUNNING", `cannot join network namespace of a non running container: ${id}`, `start it first (skiff start ${other?.name ?? id.slice(0, 12)})`, { container: id });
  const configPath = join(r.files.bundle, "config.json");
  const spec = JSON.parse(readFileSync(configPath, "utf8")) as { linux?: { namespaces?: { type: string; path?: string }[] } };
  const namespaces = (spec.linux?.namespaces ?? []).filter((n) => n.type !== "network");
  namespaces.push({ type: "network", path: `/proc/${other.state.pid}/ns/net` });
  spec.linux = { ...spec.linux, namespaces };
  writeFileSync(`${configPath}.tmp`, JSON.stringify(spec, null, 2));
  renameSync(`${configPath}.tmp`, configPath);
  for (const f of ["hostsPath", "resolvConfPath"] as const) writeFileSync(r.files[f], readFileSync(other.files[f]));
}
