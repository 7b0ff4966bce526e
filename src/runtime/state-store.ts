// Container state on disk: ROOT/ID/state.json (written atomically) and ROOT/ID/exec.fifo, which
// exists from create until start. The status is derived, never stored: see containerStatus.
import { writeFileAtomic } from "../common/atomic-file.ts";
import { invalid, notFound, SkiffError } from "../common/errors.ts";
import { errnoOf } from "../common/errno.ts";
import { nodeFs } from "../common/lazy-node.ts";
import { processStartTime } from "../common/proc-stat.ts";
import { exists, readText, rmdir, unlink } from "../common/sys.ts";
import type { Hook } from "../oci/runtime-config.ts";
import { isFrozen } from "./cgroups/freezer.ts";

export interface ContainerState {
  id: string;
  /** Host pid of the init, 0 while creating. */
  pid: number;
  /** The init's start time in clock ticks since boot (/proc/PID/stat field 22): tells a reused pid apart. */
  startTime: number;
  bundle: string;
  rootfs: string;
  created: string;
  annotations: Record<string, string>;
  cgroupPath: string;
  cgroupDirs: string[];
  /** cgroup directories this container made, removed on delete. */
  cgroupCreated: string[];
  /** The process doing `create`, while pid is 0. */
  creator: number;
  /** linux.resources as created or last updated, which `update` merges into. */
  resources?: Record<string, unknown>;
  /** The hooks that run after create returns (the bundle may be gone by then). */
  hooks: { poststart?: Hook[]; poststop?: Hook[] };
}

export type Status = "creating" | "created" | "running" | "paused" | "stopped";

/** An id as /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/ takes it, read without a regular expression: the
 * first one a compiled skiff-oci runs costs its short commands ~0.4 ms (issue 9). */
export function validIdChars(id: string): boolean {
  if (id.length === 0) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) continue; // 0-9 A-Z a-z
    if (i === 0 || (c !== 95 && c !== 46 && c !== 43 && c !== 45)) return false; // _ . + -
  }
  return true;
}

export function checkId(id: string): void {
  if (!validIdChars(id) || id.length > 1024 || id === "." || id === "..")
    throw invalid("runtime", "RUNTIME_INVALID_ID", `use container id "${id}": not a valid id`, "use letters, digits and _ . + - only, starting with a letter or digit");
}

/** The state root (--root) unusable: a file, or not to be made or read. */
const rootInvalid = (root: string, what: string, e: unknown) => {
  const errno = errnoOf(e);
  const file = errno === "ENOTDIR" || errno === "EEXIST";
  return new SkiffError({
    layer: "runtime", code: "RUNTIME_ROOT_INVALID", kind: "failed_precondition",
    message: `${what} ${root}: ${file ? "not a directory" : (errno ?? (e as Error).message)}`,
    hint: file ? "--root names a file (or a path through one): give it a directory (the default is /run/skiff-oci)" : "check --root and its permissions",
    details: { path: root, ...(errno ? { errno } : {}) },
  });
};

const stateInvalid = (id: string, path: string, why: string) =>
  new SkiffError({
    layer: "runtime", code: "RUNTIME_STATE_INVALID", kind: "failed_precondition",
    message: `read the state of container "${id}" (${path}): ${why}`,
    hint: `something other than skiff-oci wrote or cut the file: its processes and cgroup cannot be found from it; stop them by hand, then remove ${path.slice(0, -"/state.json".length)}`,
    details: { path },
  });

/** The fields every command reads, of the types it reads them as (a check with no Array method
 *  or regular expression: issue 9). */
function isState(o: unknown): o is ContainerState {
  if (typeof o !== "object" || o === null) return false;
  const s = o as Record<string, unknown>;
  return typeof s.id === "string" && typeof s.pid === "number" && typeof s.startTime === "number" && typeof s.creator === "number" &&
    Array.isArray(s.cgroupDirs) && Array.isArray(s.cgroupCreated) && typeof s.bundle === "string" && typeof s.hooks === "object" && s.hooks !== null;
}

export class StateStore {
  constructor(readonly root: string) {}

  // (paths by hand, not node:path's join: see common/lazy-node.ts; an id has no "/" or "..")
  dir(id: string): string {
    return this.root.endsWith("/") ? this.root + id : `${this.root}/${id}`;
  }
  fifo(id: string): string {
    return `${this.dir(id)}/exec.fifo`;
  }

  /** Reserves the id: the directory's creation is the atomic test for a duplicate. */
  reserve(id: string): string {
    checkId(id);
    const { mkdirSync } = nodeFs();
    try {
      mkdirSync(this.root, { recursive: true, mode: 0o711 });
    } catch (e) {
      throw rootInvalid(this.root, "make the state root", e);
    }
    try {
      mkdirSync(this.dir(id), { mode: 0o711 });
    } catch (e) {
      if (errnoOf(e) === "EEXIST") throw new SkiffError({ layer: "runtime", code: "RUNTIME_CONTAINER_EXISTS", kind: "already_exists", message: `create container "${id}": a container with this id already exists`, hint: `delete it first (skiff-oci delete ${id}) or choose another id` });
      throw e;
    }
    return this.dir(id);
  }

  write(state: ContainerState): void {
    writeFileAtomic(`${this.dir(state.id)}/state.json`, JSON.stringify(state), 0o600, false);
  }

  read(id: string): ContainerState {
    checkId(id);
    const path = `${this.dir(id)}/state.json`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readText(path));
    } catch (e) {
      if (errnoOf(e) === "ENOENT") throw notFound("runtime", "RUNTIME_CONTAINER_NOT_FOUND", `find container "${id}": container does not exist`, `list containers with: skiff-oci list (state root ${this.root})`);
      if (errnoOf(e) === "ENOTDIR") throw rootInvalid(this.root, `find container "${id}" in the state root`, e);
      if (!(e instanceof SyntaxError)) throw e;
      throw stateInvalid(id, path, `not JSON (${e.message})`);
    }
    if (!isState(parsed)) throw stateInvalid(id, path, "not a container's state (id, pid, startTime, cgroupDirs)");
    return parsed;
  }

  exists(id: string): boolean {
    checkId(id);
    return exists(`${this.dir(id)}/state.json`);
  }

  ids(): string[] {
    if (!exists(this.root)) return [];
    let entries;
    try {
      entries = nodeFs().readdirSync(this.root, { withFileTypes: true });
    } catch (e) {
      throw rootInvalid(this.root, "list the state root", e);
    }
    return entries.filter((d) => d.isDirectory() && exists(`${this.dir(d.name)}/state.json`)).map((d) => d.name).sort();
  }

  /** rm -rf of the container's directory: what create leaves there goes by name, and anything
   * else (a temp file of a crashed write) makes it fall back to a recursive remove. */
  remove(id: string): void {
    const dir = this.dir(id);
    try {
      for (const name of ["exec.fifo", "state.json"]) {
        // (asked first: start removed the fifo, and a thrown ENOENT is the first exception of a
        // `skiff-oci delete`, ~0.2 ms in a compiled Bun: issue 9)
        if (!exists(`${dir}/${name}`)) continue;
        try {
          unlink(`${dir}/${name}`);
        } catch (e) {
          if (errnoOf(e) !== "ENOENT") throw e;
        }
      }
      rmdir(dir);
    } catch (e) {
      if (errnoOf(e) === "ENOTDIR") throw rootInvalid(this.root, `remove container "${id}" from the state root`, e);
      if (errnoOf(e) !== "ENOENT") nodeFs().rmSync(dir, { recursive: true, force: true });
    }
  }
}

export function containerStatus(store: StateStore, s: ContainerState): Status {
  if (s.pid === 0) return processStartTime(s.creator) ? "creating" : "stopped";
  if (processStartTime(s.pid) !== s.startTime) return "stopped";
  // a created container can be paused too (as runc): frozen comes first
  if (isFrozen(s.cgroupDirs)) return "paused";
  return exists(store.fifo(s.id)) ? "created" : "running";
}
