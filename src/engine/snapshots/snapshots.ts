// Snapshots: one directory per layer, keyed by chainID, holding the layer unpacked as an overlayfs
// upper dir (whiteouts as 0:0 char devices, opaque dirs by xattr): <root>/<n>/fs, n a short number.
//
// Contracts:
// - A snapshot directory is only ever visible complete: layers unpack into <root>/tmp-<pid>-<random>/fs
//   and are renamed to <root>/<n> once verified. Whatever is left under tmp-* after a crash is
//   swept by `sweep()`.
// - Scratch directories (<root>/save-<pid>-<random>: a save's decompressed layers) are removed by
//   whoever made them, on every exit path (`dropScratch`).
// - Opening the store (the constructor) removes the tmp-* and save-* directories of processes that
//   are gone (a crash, a kill -9): those of a live process other than this one are left alone, as
//   are those this process is using (a process-wide set; the pid alone is not enough after a
//   restart under the same pid, as in a container).
// - The snapshotter never mounts: `overlayMount` returns the mount as data for whoever starts the
//   container. overlayfs takes its options in one page (4096 bytes incl. the NUL): with many layers
//   the absolute lowerdir list does not fit, so the directories are short numbers under one parent
//   and the options are then given relative to it, to be mounted with that parent as the cwd
//   (what docker's overlay2 does with its "l/" short links). 120 layers take ~900 bytes that way.
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { invalid } from "../../common/errors.ts";
import { errnoOf } from "../../common/errno.ts";
import { digestBytes } from "../../oci/image/digest.ts";
import { pidAlive } from "../../common/pid-alive.ts";
import { ioError } from "../content/index.ts";

/** An overlay mount to perform; `data` is relative to `cwd` when `cwd` is set. */
export interface OverlayMount {
  type: "overlay" | "bind";
  source: string;
  /** chdir here before mount(2) (and back after): the lowerdir paths are relative to it. */
  cwd?: string;
  /** For "overlay": the option string; for "bind": empty (source is the directory). */
  data: string;
  /** Read-only when the mount has no upper dir. */
  readonly: boolean;
  /** The writable layer's upper dir, when there is one (the engine writes docker's init files there). */
  upper?: string;
}

/** The writable part of a container's rootfs: the overlay's upper and work dirs. */
export interface ActiveSnapshot {
  upper: string;
  work: string;
}

/** Temporary and scratch directories this process (this thread) is using, by absolute path. */
const inUse = new Set<string>();
const TEMPORARY = /^(tmp|save)-(\d+)-/;

/** overlayfs options must fit one page, NUL included. */
const MAX_OPTIONS = 4095;

/** The OCI chain IDs of a stack of diffIDs: chain[0] = diff[0], chain[i] = sha256(chain[i-1] + " " + diff[i]). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length ? digestBytes(`${out[out.length - 1]} ${d}`) : d);
  return out;
}

export class Snapshots {
  private next = -1;

  constructor(readonly root: string) {
    this.sweepStale();
  }

  /** The unpacked tree of the snapshot in directory `dir`. */
  fsPath(dir: string): string {
    return join(this.root, dir, "fs");
  }

  /** A fresh, empty temporary snapshot: unpack into `fs`, then `commit(tmp)` or `discard(tmp)`. */
  prepare(): { tmp: string; fs: string } {
    const tmp = join(this.root, `tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
    inUse.add(tmp);
    try {
      // fs is the layer's root as overlay shows it: a layer without a "./" entry (most upper
      // layers) keeps this mode, so it must be the usual 0755, whatever the umask (as containerd)
      mkdirSync(tmp, { recursive: true, mode: 0o700 });
      mkdirSync(join(tmp, "fs"), { mode: 0o755 });
      chmodSync(join(tmp, "fs"), 0o755);
    } catch (e) {
      this.discard(tmp);
      throw ioError("create snapshot directory", tmp, e);
    }
    return { tmp, fs: join(tmp, "fs") };
  }

  /** Renames the temporary snapshot into place; returns its directory name. */
  commit(tmp: string): string {
    if (this.next < 0) this.next = this.highest() + 1;
    for (;;) {
      const dir = String(this.next++);
      try {
        renameSync(tmp, join(this.root, dir));
        inUse.delete(tmp);
        return dir;
      } catch (e) {
        const errno = errnoOf(e);
        if (errno === "ENOTEMPTY" || errno === "EEXIST") continue; // taken by a snapshot left behind
        throw ioError("commit snapshot", tmp, e);
      }
    }
  }

  discard(tmp: string): void {
    rmSync(tmp, { recursive: true, force: true });
    inUse.delete(tmp);
  }

  /**
   * A new empty scratch directory under the root, for work that is not a snapshot (save's
   * decompressed layers): on the same file system as the snapshots and swept with them.
   * The caller removes it with `dropScratch` whatever happens.
   */
  scratch(purpose: "save"): string {
    const dir = join(this.root, `${purpose}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
    inUse.add(dir);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      this.dropScratch(dir);
      throw ioError(`create ${purpose} directory`, dir, e);
    }
    return dir;
  }

  dropScratch(dir: string): void {
    try {
      rmSync(dir, { recursive: true, force: true });
    } finally {
      inUse.delete(dir);
    }
  }

  remove(dir: string): void {
    try {
      rmSync(join(this.root, dir), { recursive: true, force: true });
    } catch (e) {
      throw ioError(`remove snapshot ${dir}`, join(this.root, dir), e);
    }
  }

  /** Directory names present on disk (committed ones only). */
  dirs(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root).filter((n) => /^\d+$/.test(n));
  }

  /** Removes temporary snapshots an interrupted unpack left; call when no unpack runs. */
  sweep(): void {
    if (!existsSync(this.root)) return;
    for (const n of readdirSync(this.root)) if (n.startsWith("tmp-") && !inUse.has(join(this.root, n))) rmSync(join(this.root, n), { recursive: true, force: true });
  }

  /**
   * Removes the temporary snapshots and scratch directories of processes that are gone; safe at
   * any time. Best effort: what cannot be removed now is tried again at the next open. Returns the
   * names removed.
   */
  sweepStale(): string[] {
    const removed: string[] = [];
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return removed; // no store yet
    }
    for (const n of names) {
      const m = TEMPORARY.exec(n);
      const path = join(this.root, n);
      if (!m || inUse.has(path)) continue;
      const pid = Number(m[2]);
      // ours but not in use: left by an earlier process that had our pid
      if (pid !== process.pid && pidAlive(pid)) continue;
      try {
        rmSync(path, { recursive: true, force: true });
        removed.push(n);
      } catch {
        // left for the next open
      }
    }
    return removed;
  }

  /** A new writable layer for a container, under <root>/active/<key>. */
  prepareActive(key: string): ActiveSnapshot {
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw invalid("image", "IMAGE_SNAPSHOT_KEY_INVALID", `create container layer ${JSON.stringify(key)}: the key must be letters, digits, "_", "." or "-"`);
    const base = join(this.root, "active", key);
    const upper = join(base, "fs");
    const work = join(base, "work");
    try {
      mkdirSync(upper, { recursive: true, mode: 0o755 });
      mkdirSync(work, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw ioError(`create container layer ${key}`, base, e);
    }
    return { upper, work };
  }

  removeActive(key: string): void {
    rmSync(join(this.root, "active", key), { recursive: true, force: true });
  }

  /**
   * The mount of a stack of snapshot dirs (topmost first), with `active` as upper/work when given.
   * Without an upper dir, one layer is a read-only bind mount (overlay needs two lowers then).
   */
  overlayMount(dirs: readonly string[], active?: ActiveSnapshot): OverlayMount {
    if (dirs.length === 0 && !active) throw new Error("overlayMount: no layers and no upper dir");
    if (dirs.length === 1 && !active) return { type: "bind", source: this.fsPath(dirs[0]!), data: "", readonly: true };
    const rw = active ? `,upperdir=${active.upper},workdir=${active.work}` : "";
    // An image without layers still needs a lowerdir: an empty one.
    const lowers = dirs.length ? dirs : [this.emptyDir()];
    const absolute = `lowerdir=${lowers.map((d) => (d.startsWith("/") ? d : this.fsPath(d))).join(":")}${rw}`;
    const upper = active ? { upper: active.upper } : {};
    if (absolute.length <= MAX_OPTIONS) return { type: "overlay", source: "overlay", data: absolute, readonly: !active, ...upper };
    const relative = `lowerdir=${lowers.map((d) => `${d}/fs`).join(":")}${rw}`;
    if (relative.length > MAX_OPTIONS) {
      throw invalid("image", "IMAGE_TOO_MANY_LAYERS", `mount ${dirs.length} layers: the overlay options take ${relative.length} bytes, more than the kernel's ${MAX_OPTIONS}`, "flatten the image (fewer layers)");
    }
    return { type: "overlay", source: "overlay", cwd: this.root, data: relative, readonly: !active, ...upper };
  }

  private emptyDir(): string {
    const dir = join(this.root, "empty");
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  private highest(): number {
    let max = 0;
    for (const d of this.dirs()) max = Math.max(max, Number(d));
    return max;
  }
}
