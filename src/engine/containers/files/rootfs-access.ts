// How the daemon reaches a container's files. skiff's runtime mounts a container's rootfs inside
// the container's own mount namespace, so the host has nothing mounted to read:
// - a running container is reached through /proc/PID/root of its init: the kernel hands out the
//   container's root as the container sees it, its volumes and bind mounts included (as docker cp
//   sees them), and read-only where the container's mounts are;
// - a stopped one (and export, which is the image's filesystem with the container's changes and
//   no mounts, as docker's) through a private overlay mount of its layers, made for the one
//   operation under <execRoot>/files/ and lazily unmounted afterwards whatever happens. A reading
//   view stacks the container's upper dir as the top lower (read-only: the upper is untouched,
//   so a container started meanwhile is not disturbed; the kernel logs that a lower is in use as
//   another mount's upper, harmless for a reader, which may see a file mid-write as docker's
//   export of a running container may); writing to a stopped container mounts its upper and work
//   dirs, and the container may not start until that is unmounted (ContainerFiles.isWriting).
//   Mount points a killed daemon left there are swept when the next one starts. A bind mount of a
//   stopped container is reached at its host source directly (kind "dir").
// Either way the operation gets an O_PATH descriptor of the root, and resolves paths under it with
// RESOLVE_IN_ROOT (scoped-open.ts): symlinks in the container never lead out of it.
import { closeSync, mkdirSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import * as sys from "../../../common/sys.ts";
import { SkiffError } from "../../../common/errors.ts";
import { openRoot } from "./scoped-open.ts";

const MS_RDONLY = 1;
const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;
/** overlayfs's options must fit one page. */
const MAX_OPTIONS = 4095;

export interface ContainerLayer {
  upper: string;
  work: string;
  /** The image's layers, topmost first. */
  lowers: string[];
}

export type Access = { kind: "process"; pid: number } | { kind: "view"; layer: ContainerLayer } | { kind: "writable"; layer: ContainerLayer } | { kind: "dir"; dir: string };

/** An open root: its O_PATH descriptor, and what gives it back (closes it, unmounts what was mounted). */
export interface OpenRoot {
  fd: number;
  close(): void;
}

/** The container's root, reached as `access` says; `close()` it whatever happens. */
export function openContainerRoot(access: Access, mountParent: string): OpenRoot {
  if (access.kind === "process") {
    let fd: number;
    try {
      fd = openRoot(`/proc/${access.pid}/root`);
    } catch (e) {
      throw new SkiffError({ layer: "engine", code: "ENGINE_CONTAINER_ROOT_GONE", kind: "conflict", message: `open the container's root (/proc/${access.pid}/root): ${(e as Error).message}`, hint: "the container stopped meanwhile: try again", cause: e });
    }
    return { fd, close: () => closeSync(fd) };
  }
  if (access.kind === "dir") {
    const fd = openRoot(access.dir);
    return { fd, close: () => closeSync(fd) };
  }
  const { layer } = access;
  const data = access.kind === "view" ? `lowerdir=${[layer.upper, ...layer.lowers].join(":")}` : `lowerdir=${layer.lowers.join(":")},upperdir=${layer.upper},workdir=${layer.work}`;
  if (data.length + ",index=off".length > MAX_OPTIONS)
    throw new SkiffError({ layer: "engine", code: "ENGINE_TOO_MANY_LAYERS", kind: "failed_precondition", message: `mount the container's layers (${layer.lowers.length}): the overlay options do not fit the kernel's ${MAX_OPTIONS} bytes`, hint: "start the container and copy while it runs, or flatten its image" });
  const target = join(mountParent, randomBytes(8).toString("hex"));
  mkdirSync(target, { recursive: true, mode: 0o700 });
  try {
    sys.mount("overlay", target, "overlay", MS_NOSUID | MS_NODEV | MS_NOEXEC | (access.kind === "view" ? MS_RDONLY : 0), `${data},index=off`);
  } catch (e) {
    rmdirSync(target);
    throw new SkiffError({ layer: "kernel", code: "KERNEL_MOUNT_FAILED", kind: "internal", message: `mount the container's layers on ${target}: ${(e as Error).message}`, hint: "overlayfs must be available (modprobe overlay)", cause: e });
  }
  const unmount = () => {
    sys.umount(target, sys.MNT_DETACH);
    rmdirSync(target);
  };
  let fd: number;
  try {
    fd = openRoot(target);
  } catch (e) {
    unmount();
    throw e;
  }
  let closed = false;
  return {
    fd,
    close: () => {
      if (closed) return;
      closed = true;
      try {
        closeSync(fd);
      } finally {
        unmount();
      }
    },
  };
}

/** Runs `fn` with the container's root open (see openContainerRoot). */
export async function withRoot<T>(access: Access, mountParent: string, fn: (rootFd: number) => Promise<T>): Promise<T> {
  const root = openContainerRoot(access, mountParent);
  try {
    return await fn(root.fd);
  } finally {
    root.close();
  }
}

/** Mount points a daemon killed mid-operation left under `mountParent`: unmounted and removed (at start). */
export function sweepMounts(mountParent: string): void {
  let names: string[];
  try {
    names = readdirSync(mountParent);
  } catch {
    return;
  }
  for (const n of names) {
    try {
      sys.umount(join(mountParent, n), sys.MNT_DETACH);
    } catch {
      // not mounted
    }
    try {
      rmdirSync(join(mountParent, n));
    } catch {
      // left for the next start
    }
  }
}
