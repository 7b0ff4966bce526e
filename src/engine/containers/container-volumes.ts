// A container's volumes through its life, over the volume service: at create, each volume it asks
// for is found or made (named ones by name, anonymous ones new), with --volumes-from and the
// image's VOLUMEs resolved as dockerd does; the container is then counted as a user of each. At
// start each is mounted (and filled from the image when new and empty), at exit released; rm -v
// and --rm take the anonymous ones with the container.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { log } from "../../common/log.ts";
import { isSkiffError } from "../../common/errors.ts";
import type { VolumeService } from "../volumes/index.ts";
import { invalidArg, notFound } from "./errors.ts";
import type { ContainerImages } from "./images-port.ts";
import { isActive, type ContainerRecord } from "./record.ts";
import { propagationProblem } from "./spec/bind-propagation.ts";
import { cleanDestination } from "./spec/mounts.ts";
import type { BindMount, ContainerOptions, VolumeMount } from "./spec/index.ts";

export class ContainerVolumes {
  /** Per running container: what releases its volumes' mounts. */
  private readonly mounted = new Map<string, () => void>();

  constructor(
    readonly service: VolumeService,
    private readonly images: ContainerImages,
    private readonly container: (ref: string) => ContainerRecord,
  ) {}

  /**
   * The options with every volume made or found and its source filled: --volumes-from's mounts
   * first, the container's own binds and volumes in their place at the same paths, then the
   * image's VOLUMEs where nothing is mounted. `made` lists the volumes this call created (for
   * undo if the create fails).
   */
  resolve(o: ContainerOptions, imageVolumes: readonly string[]): { options: ContainerOptions; made: string[] } {
    const own = [...(o.binds ?? []).map((b) => b.destination), ...(o.volumes ?? []).map((v) => v.destination), ...(o.tmpfs ?? []).map((t) => t.destination)].map((d) => clean(d));
    const binds: BindMount[] = [];
    const volumes: VolumeMount[] = [];
    for (const from of o.volumesFrom ?? []) {
      let other: ContainerRecord;
      try {
        other = this.container(from.container);
      } catch (e) {
        // dockerd's 400: a 404 would send docker's CLI off to pull the image
        if (isSkiffError(e) && e.kind === "not_found") throw invalidArg("ENGINE_VOLUMES_FROM_NOT_FOUND", `No such container: ${from.container}`, "name a container skiff ps -a lists", { container: from.container });
        throw e;
      }
      const ro = (readOnly: boolean) => (from.mode === "" ? readOnly : from.mode === "ro");
      for (const b of other.options.binds ?? []) if (!own.includes(clean(b.destination))) binds.push({ ...b, readOnly: ro(b.readOnly) });
      for (const v of other.options.volumes ?? []) if (!own.includes(clean(v.destination))) volumes.push({ ...v, readOnly: ro(v.readOnly), origin: "from", mode: from.mode || v.mode });
    }
    binds.push(...(o.binds ?? []));
    volumes.push(...(o.volumes ?? []));
    const taken = new Set([...binds.map((b) => b.destination), ...volumes.map((v) => v.destination), ...(o.tmpfs ?? []).map((t) => t.destination)].map(clean));
    for (const dest of imageVolumes) if (!taken.has(clean(dest))) volumes.push({ name: "", destination: dest, readOnly: false, origin: "image", mode: "" });

    // as dockerd: --volume-driver other than local is looked up as a plugin, which skiffd has none
    // of: refused before anything is made (--mount's own driver was checked by the API)
    const driver = o.volumeDriver || "local";
    const driven = volumes.find((v) => !v.source && v.origin !== "mounts");
    if (driver !== "local" && driven)
      throw notFound("ENGINE_VOLUME_DRIVER_NOT_FOUND", `create ${driven.name || randomBytes(32).toString("hex")}: error looking up volume plugin ${driver}: plugin ${JSON.stringify(driver)} not found`, "skiffd serves the local volume driver only: drop --volume-driver (or give local)", { field: "HostConfig.VolumeDriver" });
    const made: string[] = [];
    try {
      for (const v of volumes) {
        if (v.source) continue; // (from another container: made and counted already)
        const existed = v.name ? this.service.store.get(v.name) !== undefined : false;
        const got = this.service.create({ name: v.name || undefined, options: v.driverOptions ?? (v.name ? {} : null), labels: v.labels ?? (v.name ? {} : null), anonymous: !v.name });
        if (!existed) made.push(got.name);
        v.anonymous = !v.name;
        v.name = got.name;
        v.source = got.mountpoint;
      }
    } catch (e) {
      this.undo(made);
      throw e;
    }
    return { options: { ...o, binds, volumes }, made };
  }

  /** The create failed after resolve(): the volumes it made go. */
  undo(made: readonly string[]): void {
    for (const name of made) this.service.remove(name, { force: true });
  }

  /** The container's row exists: it is counted as a user of its volumes. */
  use(r: ContainerRecord): void {
    this.service.use(r.id, (r.options.volumes ?? []).map((v) => v.name));
  }

  /** Before the container's process is made: its volumes are mounted and filled. */
  mount(r: ContainerRecord): void {
    makeBindSources(r.options.binds ?? []);
    if (!r.options.volumes?.length) return;
    this.mounted.get(r.id)?.();
    const layers = () => this.images.layerDirs?.(r.imageId) ?? [];
    this.mounted.set(r.id, this.service.mountFor(r.id, r.options.volumes, layers));
  }

  /** The container stopped (or never started): its volumes' mounts are released. */
  unmount(id: string): void {
    const release = this.mounted.get(id);
    this.mounted.delete(id);
    try {
      release?.();
    } catch (e) {
      log.warn(`container ${id}: releasing its volumes: ${(e as Error).message}`);
    }
  }

  /** rm -v (and --rm): the container's anonymous volumes go, unless another container uses them too. */
  removeAnonymous(r: ContainerRecord): void {
    for (const v of r.options.volumes ?? []) {
      if (!v.anonymous) continue;
      try {
        this.service.remove(v.name, { force: true });
      } catch (e) {
        if (!(isSkiffError(e) && e.code === "ENGINE_VOLUME_IN_USE")) log.warn(`container ${r.id}: removing its volume ${v.name}: ${(e as Error).message}`);
      }
    }
  }

  /** At daemon start: the volumes of running containers stay mounted, and are counted again. */
  restore(records: readonly ContainerRecord[]): void {
    const users = new Map<string, number>();
    for (const r of records) {
      if (!isActive(r.state)) continue;
      for (const v of r.options.volumes ?? []) users.set(v.name, (users.get(v.name) ?? 0) + 1);
      if (r.options.volumes?.length) this.mounted.set(r.id, () => this.service.releaseAll(r.id, r.options.volumes!.map((v) => v.name)));
    }
    this.service.restore(users);
  }
}

/** As dockerd at start: the missing host directory of a -v bind is made (mkdir -p, 0755) (a
 * --mount bind's was refused at create), and a shared or slave bind's source mount is checked
 * (bind-propagation.ts). What fails fails the start, in dockerd's words. */
export function makeBindSources(binds: readonly BindMount[]): void {
  let mountinfo: string | undefined;
  for (const b of binds) {
    if (b.createMissing && !existsSync(b.source)) {
      try {
        mkdirSync(b.source, { recursive: true, mode: 0o755 });
      } catch (e) {
        throw invalidArg("ENGINE_BIND_SOURCE_MISSING", `error while creating mount source path '${b.source}': ${(e as Error).message}`, "give a host path skiffd can create, or create it first", { path: b.source });
      }
    }
    // as dockerd: a shared bind needs its source on a shared mount, a slave one on a shared or slave one
    if (b.propagation && b.propagation !== "private" && b.propagation !== "rprivate") {
      const problem = propagationProblem(b.propagation, b.source, (mountinfo ??= readFileSync("/proc/self/mountinfo", "utf8")));
      if (problem) throw invalidArg("ENGINE_BIND_PROPAGATION", problem, `make the host mount ${b.propagation.endsWith("shared") ? "shared (mount --make-shared" : "shared or slave (mount --make-rslave"} MOUNTPOINT), or drop :${b.propagation}`, { path: b.source });
    }
  }
}

const clean = (d: string): string => {
  try {
    return cleanDestination(d, "-v");
  } catch {
    throw invalidArg("ENGINE_INVALID_MOUNT", `invalid mount config: the destination ${JSON.stringify(d)} is not an absolute path`, "give an absolute path inside the container", { path: d });
  }
};
