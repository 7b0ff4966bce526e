// docker's NetworkMode as the containers engine resolves it: "default" is the default network
// ("bridge"), "container:NAME" names the container by id (it must exist at create and run at each
// start: shared-namespaces.ts joins its network namespace by path and copies its /etc/hosts and
// /etc/resolv.conf).
import type { ContainerRecord } from "./record.ts";
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

/** The container a mode names ("container:ID" → ID), if it names one: the network, PID or IPC namespace's owner. */
export const sharedWith = (mode: string | undefined): string | undefined => (mode?.startsWith(CONTAINER) ? mode.slice(CONTAINER.length) : undefined);
