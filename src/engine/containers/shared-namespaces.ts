// Namespaces a container shares with another (--network, --pid, --ipc container:NAME) as the
// containers engine resolves them: the container named is found at create and recorded by id
// (a rename cannot take the share away), and must run at each start, when its namespaces are
// named by path in the bundle for the runtime to join. An IPC donor must have been created with
// --ipc shareable, as dockerd requires. dockerd's words throughout: clients and scripts match them.
//
// Left as it is: a container on --ipc container:NAME has a /dev/shm of its own (dockerd binds the
// donor's, which it mounts on the host; skiffd mounts nothing on the host for a running container):
// System V IPC and POSIX message queues are shared, POSIX shared memory in /dev/shm is not.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { conflict, invalidArg } from "./errors.ts";
import { sharedWith } from "./network-mode.ts";
import { isActive, type ContainerRecord } from "./record.ts";
import type { ContainerOptions } from "./spec/index.ts";

const CONTAINER = "container:";

/** At create: --pid and --ipc container:REF become container:<full id>; a container that is not
 *  there, or an IPC donor that cannot be shared, is the request's fault (400). */
export function resolveSharedModes(o: ContainerOptions, resolve: (ref: string) => ContainerRecord): ContainerOptions {
  const pid = sharedWith(o.pidMode);
  const ipc = sharedWith(o.ipcMode);
  if (pid === undefined && ipc === undefined) return o;
  const find = (ref: string, what: string, code: string) => {
    try {
      return resolve(ref);
    } catch {
      throw invalidArg(code, `${what}: No such container: ${ref}`, `create or start ${ref} first`, { container: ref });
    }
  };
  const out = { ...o };
  if (pid !== undefined) out.pidMode = `${CONTAINER}${find(pid, `cannot join PID of a non running container: ${pid}`, "ENGINE_PID_CONTAINER_NOT_FOUND").id}`;
  if (ipc !== undefined) {
    const donor = find(ipc, `can't join IPC of container ${ipc}`, "ENGINE_IPC_CONTAINER_NOT_FOUND");
    if (donor.options.ipcMode !== "shareable") throw invalidArg("ENGINE_IPC_NOT_SHAREABLE", `can't join IPC of container ${ipc}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`, `create ${donor.name} with --ipc shareable`, { container: donor.id });
    out.ipcMode = `${CONTAINER}${donor.id}`;
  }
  return out;
}

/**
 * Before the runtime's create: each namespace shared with a container that must run now is named
 * by path in the bundle's config.json; for the network, that container's /etc/hosts and
 * /etc/resolv.conf are copied too.
 */
export function joinSharedNamespaces(r: ContainerRecord, store: { get(id: string): ContainerRecord | undefined }): void {
  const joins: { type: string; path: string }[] = [];
  const running = (id: string, notRunning: (shown: string) => Error): ContainerRecord => {
    const other = store.get(id);
    if (!other || !isActive(other.state) || !other.state.pid) throw notRunning(other?.name ?? id.slice(0, 12));
    return other;
  };
  const net = sharedWith(r.options.network);
  let netDonor: ContainerRecord | undefined;
  if (net) {
    netDonor = running(net, (shown) => conflict("ENGINE_NETWORK_CONTAINER_NOT_RUNNING", `cannot join network namespace of a non running container: ${net}`, `start it first (skiff start ${shown})`, { container: net }));
    joins.push({ type: "network", path: `/proc/${netDonor.state.pid}/ns/net` });
  }
  const pid = sharedWith(r.options.pidMode);
  if (pid) {
    const donor = running(pid, (shown) => conflict("ENGINE_PID_CONTAINER_NOT_RUNNING", `container ${pid} is not running`, `--pid container:${shown} joins a running container's PID namespace: start it first (skiff start ${shown})`, { container: pid }));
    joins.push({ type: "pid", path: `/proc/${donor.state.pid}/ns/pid` });
  }
  const ipc = sharedWith(r.options.ipcMode);
  if (ipc) {
    const donor = running(ipc, (shown) => conflict("ENGINE_IPC_CONTAINER_NOT_RUNNING", `can't join IPC of container ${ipc}: container ${ipc} is not running`, `--ipc container:${shown} joins a running container's IPC namespace: start it first (skiff start ${shown})`, { container: ipc }));
    joins.push({ type: "ipc", path: `/proc/${donor.state.pid}/ns/ipc` });
  }
  if (!joins.length) return;
  const configPath = join(r.files.bundle, "config.json");
  const spec = JSON.parse(readFileSync(configPath, "utf8")) as { linux?: { namespaces?: { type: string; path?: string }[] } };
  const joined = new Set(joins.map((j) => j.type));
  spec.linux = { ...spec.linux, namespaces: [...(spec.linux?.namespaces ?? []).filter((n) => !joined.has(n.type)), ...joins] };
  writeFileSync(`${configPath}.tmp`, JSON.stringify(spec, null, 2));
  renameSync(`${configPath}.tmp`, configPath);
  if (netDonor) for (const f of ["hostsPath", "resolvConfPath"] as const) writeFileSync(r.files[f], readFileSync(netDonor.files[f]));
}
