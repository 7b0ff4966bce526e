// The local driver's files, laid out as dockerd's: <dataRoot>/volumes (0701) holds a directory
// per volume with its content in _data. A volume with options (type, device, o) is a mount of its
// own on _data, made when its first container starts and undone when its last one stops (or the
// volume goes); the count of its running users is kept in memory and found again at daemon start.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../../common/errors.ts";
import { mountsUnder } from "../../common/mounts.ts";
import { MNT_DETACH, mount, umount, type SysError } from "../../common/sys.ts";
import { MS } from "../../runtime/plan/mount-options.ts";
import { mountCall, mountsItself } from "./driver-options.ts";
import { checkVolumeName } from "./names.ts";
import type { VolumeRecord } from "./record.ts";

export class LocalDriver {
  readonly root: string;
  /** Per self-mounting volume: how many running containers use its mount. */
  private readonly active = new Map<string, number>();

  constructor(dataRoot: string) {
    this.root = join(dataRoot, "volumes");
  }

  /** The volume's directory: the name is checked again, so no path here leaves the root. */
  dir(name: string): string {
    return join(this.root, checkVolumeName(name, "get"));
  }

  mountpoint(name: string): string {
    return join(this.dir(name), "_data");
  }

  create(name: string): void {
    mkdirSync(this.root, { recursive: true, mode: 0o701 });
    mkdirSync(this.mountpoint(name), { recursive: true, mode: 0o755 });
  }

  /** Removes the volume's files, its mount first (a mount under it would make the removal fail). */
  remove(name: string): void {
    const dir = this.dir(name);
    if (existsSync(dir)) for (const p of mountsUnder(dir).reverse()) umount(p, MNT_DETACH);
    this.active.delete(name);
    rmSync(dir, { recursive: true, force: true });
  }

  /** A container that uses the volume starts: a volume with options is mounted at the first. */
  mount(v: VolumeRecord): void {
    if (!mountsItself(v.options)) return;
    const n = this.active.get(v.name) ?? 0;
    if (n === 0 && !mountsUnder(this.mountpoint(v.name)).includes(this.mountpoint(v.name))) this.mountNow(v);
    this.active.set(v.name, n + 1);
  }

  /** A container that used the volume stopped: the last one takes the volume's mount away. */
  unmount(v: VolumeRecord): void {
    if (!mountsItself(v.options)) return;
    const n = (this.active.get(v.name) ?? 1) - 1;
    if (n > 0) {
      this.active.set(v.name, n);
      return;
    }
    this.active.delete(v.name);
    const at = this.mountpoint(v.name);
    if (mountsUnder(at).includes(at)) umount(at, MNT_DETACH);
  }

  /** At daemon start: the running users of each volume; a volume mounted with none is unmounted (a daemon that died). */
  restore(volumes: VolumeRecord[], running: Map<string, number>): void {
    this.active.clear();
    for (const v of volumes) {
      if (!mountsItself(v.options)) continue;
      const at = this.mountpoint(v.name);
      const mounted = existsSync(at) && mountsUnder(at).includes(at);
      const users = running.get(v.name) ?? 0;
      if (users > 0 && mounted) this.active.set(v.name, users);
      else if (mounted) umount(at, MNT_DETACH);
    }
  }

  private mountNow(v: VolumeRecord): void {
    const at = this.mountpoint(v.name);
    const call = mountCall(v.options!);
    try {
      mount(call.source, at, call.fstype, call.flags, call.data || undefined);
      if (call.remountReadOnly) mount("none", at, "", MS.REMOUNT | MS.BIND | MS.RDONLY);
    } catch (e) {
      const err = e as SysError;
      const text = /^[A-Z0-9]+: (.*?), mount\b/.exec(err.message ?? "")?.[1] ?? err.message;
      throw new SkiffError({
        layer: "kernel",
        code: "ENGINE_VOLUME_MOUNT_FAILED",
        kind: "invalid_argument",
        message: `error while mounting volume '${at}': failed to mount local volume: mount ${call.source}:${at}, flags: 0x${call.flags.toString(16)}${call.data ? `, data: ${call.data}` : ""}: ${text}`,
        hint: `check the volume's --opt type, device and o (skiff volume inspect ${v.name}); remove it and create it again with options mount(8) takes`,
        cause: e,
        details: { volume: v.name, errno: err.code, path: at },
      });
    }
  }
}
