// Applies a layer's tar entries to an overlayfs upper directory (a fresh snapshot), given the
// snapshot's lower directories (topmost first). The result, mounted as upper over those lowers,
// is the image's filesystem after this layer.
//
// Decisions:
// - Whiteouts become overlayfs's own markers: ".wh.NAME" a char device 0:0 at NAME,
//   ".wh..wh..opq" the xattr trusted.overlay.opaque=y on its directory. A whiteout of something
//   this layer itself created does not remove it (the OCI spec: whiteouts apply to lower layers);
//   on a directory of this layer it makes the directory opaque. A directory created where a
//   whiteout stands replaces it and becomes opaque, as rm -r then mkdir does on an overlay mount.
// - Nothing is written through a symlink: every ancestor of an entry must be a real directory in
//   the upper dir or, when missing there, in the lowers' merged view (it is then created in the
//   upper dir with the lower's mode, owner and times, as overlayfs copy-up would). A symlink
//   ancestor is refused (IMAGE_LAYER_UNSAFE_PATH). Files are created O_EXCL|O_NOFOLLOW.
// - A hardlink's target must be inside the layer tree: in the upper dir or in the lowers' merged
//   view. A lower target is first copied up to its own path (with its other visible names), then
//   linked, so the whole hardlink group shares one inode in the merged view.
// - xattrs trusted.overlay.* from a tar are dropped: they would forge overlayfs metadata.
// - Directory mtimes are set last, after their content.
import { chmodSync, closeSync, copyFileSync, fchmodSync, fchownSync, linkSync, lchownSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeSync, constants, type Stats } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../../common/errors.ts";
import { errnoOf } from "../../common/errno.ts";
import * as sys from "../../common/sys.ts";
import { ioError } from "./io-error.ts";
import { isWhiteout, lookupLower, OPAQUE_XATTR } from "./lower-dirs.ts";
import { ancestors, baseOf, cleanEntryPath, parentOf } from "./safe-path.ts";
import type { TarEntry } from "./tar-reader.ts";

export interface ApplyOptions {
  /** The upper directory to fill; must exist. */
  target: string;
  /** Lower directories of the snapshot, topmost first. */
  lowers?: readonly string[];
}

export interface ApplyStats {
  entries: number;
  bytes: number;
}

const WH = ".wh.";
const OPQ = ".wh..wh..opq";
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export async function applyLayer(entries: AsyncIterable<TarEntry>, opts: ApplyOptions): Promise<ApplyStats> {
  return new Applier(opts.target, opts.lowers ?? []).run(entries);
}

const unsafe = (message: string, entry: string) =>
  new SkiffError({ layer: "image", code: "IMAGE_LAYER_UNSAFE_PATH", kind: "invalid_argument", message, hint: "the layer tries to write outside its directory; it is refused and nothing is committed", details: { entry } });
const malformed = (message: string, entry: string) =>
  new SkiffError({ layer: "image", code: "IMAGE_LAYER_INVALID", kind: "invalid_argument", message, details: { entry } });

const lstatOrUndefined = (path: string): Stats | undefined => {
  try {
    return lstatSync(path);
  } catch (e) {
    if (errnoOf(e) === "ENOENT") return undefined;
    throw e;
  }
};

class Applier {
  /** Relative paths known to be real directories in the upper dir. */
  private readonly dirs = new Set<string>([""]);
  /** Directory times to set at the end, by relative path. */
  private readonly dirTimes = new Map<string, { atime: sys.Timespec; mtime: sys.Timespec }>();
  private readonly stats: ApplyStats = { entries: 0, bytes: 0 };
  private readonly inodeMaps = new Map<string, Map<number, string[]>>();

  constructor(
    private readonly root: string,
    private readonly lowers: readonly string[],
  ) {}

  async run(entries: AsyncIterable<TarEntry>): Promise<ApplyStats> {
    for await (const e of entries) {
      const rel = cleanEntryPath(e.name);
      this.stats.entries++;
      try {
        await this.apply(e, rel);
      } catch (err) {
        throw ioError(`unpack ${JSON.stringify(e.name)}`, join(this.root, rel), err, "IMAGE_UNPACK_FAILED");
      }
    }
    for (const [rel, t] of this.dirTimes) sys.utimensat(join(this.root, rel), t.atime, t.mtime);
    return this.stats;
  }

  private async apply(e: TarEntry, rel: string): Promise<void> {
    const base = baseOf(rel);
    if (base.startsWith(WH)) return this.whiteout(e, rel, base);
    if (rel === "") {
      if (e.type !== "dir") throw malformed(`unpack layer: the root entry ${JSON.stringify(e.name)} is a ${e.type}, not a directory`, e.name);
      return this.finish(e, rel);
    }
    this.ensureParents(rel, e.name);
    const path = join(this.root, rel);
    const old = lstatOrUndefined(path);
    let opaque = false;
    if (old) {
      if (e.type === "dir" && old.isDirectory()) return this.finish(e, rel);
      opaque = isWhiteout(old);
      this.remove(rel, old);
    }
    switch (e.type) {
      case "dir":
        mkdirSync(path, 0o700);
        this.dirs.add(rel);
        if (opaque) sys.lsetxattr(path, OPAQUE_XATTR, "y");
        break;
      case "file":
        await this.writeFile(e, path);
        break;
      case "symlink":
        symlinkSync(e.linkname, path);
        break;
      case "hardlink":
        return this.hardlink(e, rel, path);
      case "char":
      case "block":
      case "fifo": {
        const kind = e.type === "char" ? sys.S_IFCHR : e.type === "block" ? sys.S_IFBLK : sys.S_IFIFO;
        sys.mknod(path, kind | 0o600, e.devmajor, e.devminor);
        break;
      }
    }
    this.finish(e, rel);
  }

  private async writeFile(e: TarEntry, path: string): Promise<void> {
    const fd = openSync(path, CREATE, 0o600);
    try {
      for await (const chunk of e.body()) {
        for (let off = 0; off < chunk.byteLength; ) off += writeSync(fd, chunk, off);
        this.stats.bytes += chunk.byteLength;
      }
      // chown clears setuid/setgid, so the mode goes after it.
      fchownSync(fd, e.uid, e.gid);
      fchmodSync(fd, e.mode);
    } finally {
      closeSync(fd);
    }
  }

  /** Owner, mode, xattrs, times: in this order, since chown clears setuid bits and capabilities. */
  private finish(e: TarEntry, rel: string): void {
    const path = join(this.root, rel);
    if (e.type !== "file") {
      lchownSync(path, e.uid, e.gid);
      if (e.type !== "symlink") chmodSync(path, e.mode);
    }
    for (const [name, value] of e.xattrs) {
      if (name.startsWith("trusted.overlay.")) continue;
      try {
        sys.lsetxattr(path, name, value);
      } catch (err) {
        if (errnoOf(err) !== "EOPNOTSUPP") throw err;
      }
    }
    const times = { atime: e.atime ?? e.mtime, mtime: e.mtime };
    if (e.type === "dir") this.dirTimes.set(rel, times);
    else sys.utimensat(path, times.atime, times.mtime);
  }

  private whiteout(e: TarEntry, rel: string, base: string): void {
    const dir = parentOf(rel);
    if (dir) this.ensureParents(rel, e.name);
    if (base === OPQ) {
      sys.lsetxattr(join(this.root, dir), OPAQUE_XATTR, "y");
      return;
    }
    if (base.startsWith(`${WH}${WH}`)) return; // aufs metadata (.wh..wh.plnk and the like)
    const name = base.slice(WH.length);
    const victim = cleanEntryPath(dir ? `${dir}/${name}` : name, "whiteout");
    if (!name || name === "." || victim === dir) throw malformed(`unpack layer: whiteout ${JSON.stringify(e.name)} names nothing`, e.name);
    const path = join(this.root, victim);
    const old = lstatOrUndefined(path);
    if (old?.isDirectory()) sys.lsetxattr(path, OPAQUE_XATTR, "y");
    else if (!old) sys.mknod(path, sys.S_IFCHR, 0, 0);
  }

  private hardlink(e: TarEntry, rel: string, path: string): void {
    const targetRel = cleanEntryPath(e.linkname, `hardlink ${JSON.stringify(e.name)} target`);
    if (targetRel === "" || targetRel === rel) throw malformed(`unpack layer: hardlink ${JSON.stringify(e.name)} points to ${JSON.stringify(e.linkname)}`, e.name);
    const missing = () => malformed(`unpack layer: hardlink ${JSON.stringify(e.name)} points to ${JSON.stringify(e.linkname)}, which is not in this layer or below it`, e.name);
    this.ensureParents(targetRel, e.linkname);
    const targetPath = join(this.root, targetRel);
    const here = lstatOrUndefined(targetPath);
    if (here && !isWhiteout(here)) {
      if (here.isDirectory()) throw malformed(`unpack layer: hardlink ${JSON.stringify(e.name)} points to directory ${JSON.stringify(e.linkname)}`, e.name);
      linkSync(targetPath, path);
      return;
    }
    if (here) throw missing();
    const hit = lookupLower(this.lowers, targetRel);
    if (!hit) throw missing();
    if (hit.stat.isDirectory()) throw malformed(`unpack layer: hardlink ${JSON.stringify(e.name)} points to directory ${JSON.stringify(e.linkname)}`, e.name);
    copyUp(hit.path, hit.stat, targetPath);
    linkSync(targetPath, path);
    if (hit.stat.nlink > 1) this.copyUpLinkGroup(hit, targetRel);
  }

  /**
   * The lower file's other names join the copy too, so the merged view keeps one hardlink group
   * (as umoci's single-tree unpack does); overlayfs copy-up alone would split it. Only names the
   * merged view still shows, and that this layer has not replaced, are linked.
   */
  private copyUpLinkGroup(hit: { path: string; stat: Stats }, targetRel: string): void {
    const lower = this.lowers.find((l) => hit.path.startsWith(`${l}/`))!;
    const group = this.inodes(lower).get(hit.stat.ino) ?? [];
    for (const rel of group) {
      if (rel === targetRel || lookupLower(this.lowers, rel)?.path !== join(lower, rel)) continue;
      this.ensureParents(rel, rel);
      if (!lstatOrUndefined(join(this.root, rel))) linkSync(join(this.root, targetRel), join(this.root, rel));
    }
  }

  /** Hardlinked files of one lower dir by inode, found once per unpack (cross-layer links are rare). */
  private inodes(lower: string): Map<number, string[]> {
    let map = this.inodeMaps.get(lower);
    if (map) return map;
    map = new Map();
    const walk = (rel: string) => {
      for (const d of readdirSync(join(lower, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${d.name}` : d.name;
        if (d.isDirectory()) walk(r);
        else if (d.isFile()) {
          const st = lstatSync(join(lower, r));
          if (st.nlink > 1) map!.set(st.ino, [...(map!.get(st.ino) ?? []), r]);
        }
      }
    };
    walk("");
    this.inodeMaps.set(lower, map);
    return map;
  }

  /**
   * Makes every ancestor of `rel` a real directory in the upper dir, never following a symlink.
   * Missing ones are created like their counterpart in the lowers (or 0755 root when there is none).
   */
  private ensureParents(rel: string, name: string): void {
    for (const a of ancestors(rel)) {
      if (this.dirs.has(a)) continue;
      const path = join(this.root, a);
      const st = lstatOrUndefined(path);
      if (st?.isDirectory()) {
        this.dirs.add(a);
        continue;
      }
      if (st?.isSymbolicLink()) throw unsafe(`unpack layer: entry ${JSON.stringify(name)} goes through symlink ${JSON.stringify(a)}`, name);
      if (st && !isWhiteout(st)) throw malformed(`unpack layer: entry ${JSON.stringify(name)} is under ${JSON.stringify(a)}, which this layer made a ${st.isFile() ? "file" : "special file"}`, name);
      const hit = st ? undefined : lookupLower(this.lowers, a);
      if (hit?.stat.isSymbolicLink()) throw unsafe(`unpack layer: entry ${JSON.stringify(name)} goes through symlink ${JSON.stringify(a)} of a lower layer`, name);
      if (st) unlinkSync(path);
      mkdirSync(path, 0o755);
      this.dirs.add(a);
      if (st) sys.lsetxattr(path, OPAQUE_XATTR, "y"); // it replaces a whited-out lower object
      if (hit?.stat.isDirectory()) {
        lchownSync(path, hit.stat.uid, hit.stat.gid);
        chmodSync(path, hit.stat.mode & 0o7777);
        copyXattrs(hit.path, path);
        this.dirTimes.set(a, timesOf(hit.path));
      }
    }
  }

  private remove(rel: string, old: Stats): void {
    const path = join(this.root, rel);
    if (old.isDirectory()) {
      rmSync(path, { recursive: true, force: true });
      for (const d of [...this.dirs]) if (d === rel || d.startsWith(`${rel}/`)) this.dirs.delete(d);
      for (const d of [...this.dirTimes.keys()]) if (d === rel || d.startsWith(`${rel}/`)) this.dirTimes.delete(d);
    } else {
      unlinkSync(path);
    }
  }
}

/** A lower object copied into the upper dir with its metadata, as overlayfs copy-up does. */
function copyUp(from: string, st: Stats, to: string): void {
  if (st.isFile()) copyFileSync(from, to, constants.COPYFILE_EXCL);
  else if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
    const kind = st.isCharacterDevice() ? sys.S_IFCHR : st.isBlockDevice() ? sys.S_IFBLK : sys.S_IFIFO;
    sys.mknod(to, kind | 0o600, Math.floor(st.rdev / 256) & 0xfff, (st.rdev & 0xff) | ((st.rdev >>> 12) & 0xfff00));
  } else throw malformed(`unpack layer: cannot copy up ${JSON.stringify(from)}`, from);
  lchownSync(to, st.uid, st.gid);
  if (!st.isSymbolicLink()) chmodSync(to, st.mode & 0o7777);
  copyXattrs(from, to);
  const t = timesOf(from);
  sys.utimensat(to, t.atime, t.mtime);
}

function copyXattrs(from: string, to: string): void {
  for (const name of sys.llistxattr(from)) {
    if (name.startsWith("trusted.overlay.")) continue;
    const v = sys.lgetxattr(from, name);
    if (v) sys.lsetxattr(to, name, v);
  }
}

/** Times with nanoseconds (a number-valued lstat keeps only milliseconds). */
function timesOf(path: string): { atime: sys.Timespec; mtime: sys.Timespec } {
  const st = lstatSync(path, { bigint: true });
  const ts = (ns: bigint) => ({ sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) });
  return { atime: ts(st.atimeNs), mtime: ts(st.mtimeNs) };
}
