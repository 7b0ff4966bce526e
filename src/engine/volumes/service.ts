// The volume service: docker's volume verbs (create, inspect, ls, rm, prune) over the volume
// records and the local driver, and what containers need of volumes: the volumes of a new
// container made or found and counted as used, each mounted (and filled from the image) when a
// container starts and released when it stops.
//
// Records and files: a volume's directory is made before its record and removed after it, so a
// daemon that dies in between leaves a directory no record names (restore() removes it), never a
// record without its directory.
import { readdirSync } from "node:fs";
import { directorySize } from "../../common/directory-size.ts";
import { SkiffError } from "../../common/errors.ts";
import type { MetadataDb } from "../metadata/index.ts";
import { copyUp } from "./copy-up.ts";
import { checkDriverOptions } from "./driver-options.ts";
import { conflict, noSuchVolume, notFound } from "./errors.ts";
import { filterVolumes, pruneSelection } from "./filters.ts";
import { LocalDriver } from "./local-driver.ts";
import { anonymousVolumeName, checkVolumeName } from "./names.ts";
import type { VolumeRecord } from "./record.ts";
import { VolumeStore } from "./store.ts";

export interface VolumeServiceOptions {
  dataRoot: string;
  metadata: MetadataDb;
  /** docker's volume events (create, mount, unmount, destroy), when someone listens. */
  emit?: (action: string, name: string, attributes: Record<string, string>) => void;
}

export interface VolumeCreateRequest {
  /** Absent or "": an anonymous volume (64 hex digits). */
  name?: string;
  driver?: string;
  options?: Record<string, string> | null;
  labels?: Record<string, string> | null;
  anonymous?: boolean;
}

/** A volume as inspect shows it: the record and where its content is. */
export interface VolumeView extends VolumeRecord {
  mountpoint: string;
}

export class VolumeService {
  readonly store: VolumeStore;
  readonly driver: LocalDriver;

  constructor(private readonly o: VolumeServiceOptions) {
    this.store = new VolumeStore(o.metadata);
    this.driver = new LocalDriver(o.dataRoot);
  }

  private emit(action: string, name: string, attributes: Record<string, string> = {}): void {
    this.o.emit?.(action, name, { driver: "local", ...attributes });
  }

  view(v: VolumeRecord): VolumeView {
    return { ...v, mountpoint: this.driver.mountpoint(v.name) };
  }

  /** docker volume create: a name taken by a volume of the same driver is that volume (dockerd's answer). */
  create(req: VolumeCreateRequest): VolumeView {
    const name = req.name ? checkVolumeName(req.name) : anonymousVolumeName();
    const driver = req.driver || "local";
    if (driver !== "local") throw notFound("ENGINE_VOLUME_DRIVER_NOT_FOUND", `create ${name}: error looking up volume plugin ${driver}: plugin ${JSON.stringify(driver)} not found`, "skiffd serves the local driver only: leave --driver out (or give local)", { volume: name });
    const had = this.store.get(name);
    if (had) return this.view(had);
    checkDriverOptions(name, req.options ?? {});
    const record: VolumeRecord = {
      name,
      driver: "local",
      created: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      labels: req.labels ?? null,
      options: req.options ?? null,
      anonymous: req.anonymous ?? !req.name,
    };
    try {
      this.driver.create(name);
    } catch (e) {
      throw new SkiffError({ layer: "engine", code: "ENGINE_VOLUME_CREATE_FAILED", kind: "internal", message: `create ${name}: ${(e as Error).message}`, hint: "check the data root (space, permissions)", cause: e, details: { volume: name } });
    }
    const { record: stored, created } = this.store.insertIfAbsent(record);
    if (created) this.emit("create", name);
    return this.view(stored);
  }

  get(name: string): VolumeRecord {
    const v = name ? this.store.get(name) : undefined;
    if (!v) throw noSuchVolume(name);
    return v;
  }

  inspect(name: string): VolumeView {
    return this.view(this.get(name));
  }

  list(filters: Record<string, string[]> = {}): VolumeView[] {
    const usage = this.store.usage();
    return filterVolumes(this.store.all(), filters, (n) => usage.has(n)).map((v) => this.view(v));
  }

  /** docker volume rm: refused while a container uses it (running or not), force or not; force only forgives "no such volume". */
  remove(name: string, o: { force?: boolean } = {}): void {
    const v = this.store.get(name);
    if (!v) {
      if (o.force) return;
      throw noSuchVolume(name);
    }
    const users = this.store.deleteUnused(name);
    if (users.length) throw conflict("ENGINE_VOLUME_IN_USE", `remove ${name}: volume is in use - [${users.join(", ")}]`, `remove the container first (skiff rm ${users[0]!.slice(0, 12)})`, { volume: name });
    this.driver.remove(name);
    this.emit("destroy", name);
  }

  /** docker volume prune: the unused volumes the filters select go; returns their names and the bytes freed. */
  prune(filters: Record<string, string[]> = {}): { deleted: string[]; reclaimed: number } {
    const usage = this.store.usage();
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const v of pruneSelection(this.store.all(), filters, (n) => usage.has(n))) {
      const size = directorySize(this.driver.mountpoint(v.name));
      try {
        this.remove(v.name);
      } catch (e) {
        if (e instanceof SkiffError && e.code === "ENGINE_VOLUME_IN_USE") continue; // taken by a container meanwhile
        throw e;
      }
      deleted.push(v.name);
      reclaimed += size;
    }
    return { deleted, reclaimed };
  }

  // --- for containers

  /** A new container uses these volumes (its row exists). */
  use(containerId: string, names: readonly string[]): void {
    if (names.length) this.store.addUser(containerId, names);
  }

  /**
   * A container starts: each of its volumes is mounted (a volume with options, at its first user)
   * and, unless nocopy, filled from the image if it is empty (copy-up). Returns what to release.
   */
  mountFor(containerId: string, mounts: readonly { name: string; destination: string; readOnly: boolean; noCopy?: boolean }[], imageLayers: () => string[]): () => void {
    const done: VolumeRecord[] = [];
    const release = () => {
      for (const v of done.splice(0).reverse()) {
        this.driver.unmount(v);
        this.emit("unmount", v.name, { container: containerId });
      }
    };
    try {
      for (const m of mounts) {
        const v = this.get(m.name);
        this.driver.mount(v);
        done.push(v);
        if (!m.noCopy) copyUp(imageLayers(), m.destination, this.driver.mountpoint(v.name));
        this.emit("mount", v.name, { container: containerId, destination: m.destination, propagation: "", "read/write": String(!m.readOnly) });
      }
    } catch (e) {
      release();
      throw e;
    }
    return release;
  }

  /**
   * A copy into or out of a stopped container's volume (as dockerd mounts them for cp): the
   * volume's content at `path`, mounted for the copy when it has driver options; `release()`
   * (once, whatever happens) gives the mount back.
   */
  mountForCopy(name: string): { path: string; release: () => void } {
    const v = this.get(name);
    this.driver.mount(v);
    let released = false;
    return {
      path: this.driver.mountpoint(v.name),
      release: () => {
        if (released) return;
        released = true;
        this.driver.unmount(v);
      },
    };
  }

  /** Releases the mounts of a container that ran before this daemon started (restore() counted them). */
  releaseAll(containerId: string, names: readonly string[]): void {
    for (const n of names) {
      const v = this.store.get(n);
      if (!v) continue;
      this.driver.unmount(v);
      this.emit("unmount", n, { container: containerId });
    }
  }

  /** At daemon start: mounts of volumes no running container uses are undone; directories no record names go. */
  restore(runningUsers: Map<string, number>): void {
    const all = this.store.all();
    this.driver.restore(all, runningUsers);
    const known = new Set(all.map((v) => v.name));
    let names: string[] = [];
    try {
      names = readdirSync(this.driver.root);
    } catch {}
    for (const n of names) if (!known.has(n) && /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(n)) this.driver.remove(n);
  }
}
