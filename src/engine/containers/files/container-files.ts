// Files in and out of a container, as docker's API has them: the archive endpoints (HEAD stat,
// GET a tar of a path, PUT a tar into a directory), changes (diff), export and commit. How the
// container's root is reached in each state is rootfs-access.ts's; how paths stay inside it,
// scoped-open.ts's.
import { closeSync, fstatSync } from "node:fs";
import { join, posix } from "node:path";
import { errnoOf } from "../../../common/errno.ts";
import { decompressed } from "../../archive/index.ts";
import type { CommitRequest } from "../../images/index.ts";
import { conflict, invalidArg, notFound } from "../errors.ts";
import { isActive, type ContainerRecord } from "../record.ts";
import { changesOf, type Change } from "./changes.ts";
import { commitConfig } from "./commit-config.ts";
import { copyOwner, readerIn } from "./copy-owner.ts";
import { absolutePath, pathStat, resolvePath, type PathStat } from "./path-stat.ts";
import { mountAt, writeRefusal } from "./mount-paths.ts";
import { openContainerRoot, sweepMounts, type Access, type ContainerLayer, type OpenRoot } from "./rootfs-access.ts";
import { openat2, O_PATH, openRoot } from "./scoped-open.ts";
import { extractTar } from "./tar-in.ts";
import { tarOut } from "./tar-out.ts";

export interface FilesDeps {
  resolve(ref: string): ContainerRecord;
  containerLayer(imageId: string, key: string): ContainerLayer;
  commitImage(req: CommitRequest): Promise<string>;
  pause(r: ContainerRecord, paused: boolean): Promise<void>;
  emit(action: string, r: ContainerRecord, extra?: Record<string, string>): void;
  execRoot: string;
  /** A stopped container's volume reached for a copy (mounted meanwhile when it has options). */
  volume(name: string): { path: string; release: () => void };
}

export interface CommitOptions {
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  changes?: string[];
  pause: boolean;
  /** Fields of docker's Config given with the request, over the container's. */
  config?: Record<string, unknown>;
}

const fileNotFound = (path: string, ref: string) => notFound("ENGINE_PATH_NOT_FOUND", `Could not find the file ${path} in container ${ref}`, "list the directory first: skiff exec CONTAINER ls -la DIR (or skiff export)", { path });

export class ContainerFiles {
  private readonly mountParent: string;
  /** Containers whose upper dir is mounted writable here now (a copy into a stopped container), with how many such copies. */
  private readonly writing = new Map<string, number>();

  constructor(private readonly deps: FilesDeps) {
    this.mountParent = join(deps.execRoot, "files");
    sweepMounts(this.mountParent);
  }

  /**
   * Whether a copy into the stopped container `id` holds its upper dir mounted: it must not start
   * meanwhile (two overlay mounts writing one upper dir is undefined behaviour in the kernel).
   */
  isWriting(id: string): boolean {
    return (this.writing.get(id) ?? 0) > 0;
  }

  /** HEAD /containers/{id}/archive: the path's stat. */
  async stat(ref: string, path: string): Promise<PathStat> {
    const r = this.deps.resolve(ref);
    const { root, inRoot } = this.open(r, "read", path);
    try {
      return this.statIn(root.fd, inRoot, path, ref).stat;
    } finally {
      root.close();
    }
  }

  /** GET /containers/{id}/archive: the stat and a tar of the path (which holds the root open until it is read or returned). */
  async archive(ref: string, path: string): Promise<{ stat: PathStat; tar: AsyncIterableIterator<Uint8Array> }> {
    const r = this.deps.resolve(ref);
    const { root, inRoot } = this.open(r, "read", path);
    try {
      const { stat, resolved } = this.statIn(root.fd, inRoot, path, ref);
      this.deps.emit("archive-path", r);
      return { stat, tar: await primed(tarOut(resolved, stat.name), () => (closeSync(resolved.parent), root.close())) };
    } catch (e) {
      root.close();
      throw e;
    }
  }

  /** PUT /containers/{id}/archive: a tar (plain or compressed) extracted into the directory `path`. */
  async extract(ref: string, path: string, body: AsyncIterable<Uint8Array>, o: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }): Promise<void> {
    const r = this.deps.resolve(ref);
    const refusal = writeRefusal(r, absolutePath(path).replace(/\/\.?$/, "") || "/");
    if (refusal) throw invalidArg(refusal.startsWith("container") ? "ENGINE_ROOTFS_READ_ONLY" : "ENGINE_VOLUME_READ_ONLY", refusal, refusal.startsWith("container") ? "copy into a volume or bind mount of the container, or create it without --read-only" : "the mount is read-only (:ro): copy into another path");
    // as dockerd: the tar's owners, or with -a (copyUIDGID) the container's user (copy-owner.ts)
    const owner = o.copyUIDGID ? this.userOwner(r) : undefined;
    const { root, inRoot } = this.open(r, "write", path);
    const dest = absolutePath(inRoot).replace(/\/\.?$/, "") || "/";
    try {
      let destFd: number;
      try {
        destFd = openat2(root.fd, dest, O_PATH);
      } catch (e) {
        if (errnoOf(e) === "ENOENT" || errnoOf(e) === "ENOTDIR") throw fileNotFound(path, ref);
        throw e;
      }
      try {
        const st = fstatSync(destFd);
        if (!st.isDirectory()) throw invalidArg("ENGINE_EXTRACT_NOT_DIRECTORY", "extraction point is not a directory", "give a directory of the container as the destination");
      } finally {
        closeSync(destFd);
      }
      try {
        await extractTar(root.fd, decompressed(body, { action: "extract archive", code: "ENGINE_ARCHIVE_INVALID", hint: "send a tar archive, plain or compressed" }), { dest, noOverwriteDirNonDir: o.noOverwriteDirNonDir, owner });
      } catch (e) {
        if (errnoOf(e) === "EROFS") throw invalidArg("ENGINE_PATH_READ_ONLY", `copy into ${dest}: the path is on a read-only file system in the container`, "copy into a writable path (a read-only bind mount or volume cannot be written)");
        throw e;
      }
    } finally {
      root.close();
    }
    this.deps.emit("extract-to-dir", r);
  }

  /** The container's configured user as uid/gid, resolved in its own /etc/passwd and /etc/group. */
  private userOwner(r: ContainerRecord): { uid: number; gid: number } | undefined {
    const user = r.options.user ?? r.imageConfig.User;
    if (!user) return copyOwner(true, user, () => undefined);
    const { root } = this.open(r, "read", "/");
    try {
      return copyOwner(true, user, readerIn(root.fd));
    } finally {
      root.close();
    }
  }

  /** GET /containers/{id}/changes. */
  changes(ref: string): Change[] {
    const r = this.deps.resolve(ref);
    const layer = this.deps.containerLayer(r.imageId, r.id);
    return changesOf(layer.upper, layer.lowers);
  }

  /** GET /containers/{id}/export: the image's filesystem with the container's changes, no mounts. */
  async export(ref: string): Promise<AsyncIterableIterator<Uint8Array>> {
    const r = this.deps.resolve(ref);
    const root = openContainerRoot({ kind: "view", layer: this.deps.containerLayer(r.imageId, r.id) }, this.mountParent);
    this.deps.emit("export", r);
    try {
      return await primed(tarOut({ parent: root.fd, base: "" }, ""), () => root.close());
    } catch (e) {
      root.close();
      throw e;
    }
  }

  /** POST /commit: a new image of the container's layer; paused meanwhile (when running and asked). */
  async commit(ref: string, o: CommitOptions): Promise<string> {
    const r = this.deps.resolve(ref);
    const pause = o.pause && r.state.status === "running";
    if (pause) await this.deps.pause(r, true);
    try {
      const layer = this.deps.containerLayer(r.imageId, r.id);
      const upper = openRoot(layer.upper);
      let id: string;
      try {
        id = await this.deps.commitImage({ ...commitConfig(r, o.config), parent: r.imageId, layer: tarOut({ parent: upper, base: "" }, "", { overlay: true }), container: r.id, repo: o.repo, tag: o.tag, comment: o.comment, author: o.author, changes: o.changes });
      } finally {
        closeSync(upper);
      }
      this.deps.emit("commit", r, { comment: o.comment ?? "", imageID: id });
      return id;
    } finally {
      if (pause) await this.deps.pause(r, false).catch(() => {});
    }
  }

  /**
   * The root to resolve `path` in, and the path in it: a running container's own root; for a
   * stopped one its layers, or the host source of the bind mount or volume that holds the path.
   */
  private open(r: ContainerRecord, mode: "read" | "write", path: string): { root: OpenRoot; inRoot: string } {
    if (r.state.status === "removing") throw conflict("ENGINE_CONTAINER_REMOVING", `container ${r.id} is being removed`, "it is going away: nothing to copy");
    if (isActive(r.state) && r.state.pid > 0) return { root: openContainerRoot({ kind: "process", pid: r.state.pid }, this.mountParent), inRoot: path };
    const abs = absolutePath(path);
    const m = mountAt(r, abs.replace(/\/\.?$/, "") || "/");
    const inMount = () => m!.rest + abs.slice(abs.replace(/\/\.?$/, "").length);
    if (m?.kind === "volume" && m.name) return { root: this.openVolume(m.name), inRoot: inMount() };
    if (m?.kind === "bind") return { root: openContainerRoot({ kind: "dir", dir: m.source! }, this.mountParent), inRoot: inMount() };
    return { root: this.openLayers(r, mode), inRoot: path };
  }

  /** A stopped container's volume as a root: closing it releases the volume's mount for the copy. */
  private openVolume(name: string): OpenRoot {
    const vol = this.deps.volume(name);
    try {
      const root = openContainerRoot({ kind: "dir", dir: vol.path }, this.mountParent);
      return { fd: root.fd, close: () => (root.close(), vol.release()) };
    } catch (e) {
      vol.release();
      throw e;
    }
  }

  private openLayers(r: ContainerRecord, mode: "read" | "write"): OpenRoot {
    const access: Access = { kind: mode === "read" ? "view" : "writable", layer: this.deps.containerLayer(r.imageId, r.id) };
    if (access.kind !== "writable") return openContainerRoot(access, this.mountParent);
    const root = openContainerRoot(access, this.mountParent);
    this.writing.set(r.id, (this.writing.get(r.id) ?? 0) + 1);
    let closed = false;
    return {
      fd: root.fd,
      close: () => {
        if (closed) return;
        closed = true;
        const n = (this.writing.get(r.id) ?? 1) - 1;
        if (n > 0) this.writing.set(r.id, n);
        else this.writing.delete(r.id);
        root.close();
      },
    };
  }

  /** `inRoot` resolved under `rootFd`; `path` and `ref` as the user gave them, for the stat's name and the errors. */
  private statIn(rootFd: number, inRoot: string, path: string, ref: string) {
    if (!path) throw invalidArg("ENGINE_PATH_EMPTY", "Path cannot be empty", "give a path in the container");
    let resolved;
    try {
      resolved = resolvePath(rootFd, inRoot);
    } catch (e) {
      // "FILE/" names a directory: a file there is the kernel's ENOTDIR, as dockerd reports it
      if (errnoOf(e) === "ENOTDIR" && /\/\.?$/.test(path)) throw invalidArg("ENGINE_PATH_NOT_DIRECTORY", `${path} in container ${ref}: not a directory`, "leave the trailing / out to name the file");
      if (errnoOf(e) === "ENOENT" || errnoOf(e) === "ENOTDIR" || errnoOf(e) === "ELOOP") throw fileNotFound(path, ref);
      throw e;
    }
    try {
      const { stat, st } = pathStat(rootFd, resolved);
      // named as the user named it (a bind's path in its source differs)
      return { stat: { ...stat, name: posix.basename(absolutePath(path)) || "/" }, st, resolved };
    } catch (e) {
      closeSync(resolved.parent);
      if (errnoOf(e) === "ENOENT" || errnoOf(e) === "ENOTDIR") throw fileNotFound(path, ref);
      throw e;
    }
  }
}

/**
 * A tar stream started: its first chunk is read now (a path that vanished fails the request
 * before any byte goes out), and `done` (close the root, unmount) runs exactly once: as soon as
 * the last chunk has been produced (one chunk is read ahead, so a reader that stops at the tar's
 * end marker without asking for more still releases it), on an error, or when the reader returns
 * early, started or not.
 */
async function primed(gen: AsyncGenerator<Uint8Array>, done: () => void): Promise<AsyncIterableIterator<Uint8Array>> {
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      done();
    }
  };
  const pull = async (): Promise<IteratorResult<Uint8Array>> => {
    try {
      const r = await gen.next();
      if (r.done) finish();
      return r;
    } catch (e) {
      finish();
      throw e;
    }
  };
  let ahead = await pull();
  const it: AsyncIterableIterator<Uint8Array> = {
    [Symbol.asyncIterator]: () => it,
    async next() {
      const r = ahead;
      if (r.done) return r;
      ahead = await pull();
      return r;
    },
    async return() {
      try {
        if (!finished) await gen.return(undefined);
      } finally {
        finish();
      }
      return { done: true, value: undefined };
    },
  };
  return it;
}
