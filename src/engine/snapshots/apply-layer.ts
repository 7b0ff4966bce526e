// Applies a layer's tar entries to an overlayfs upper directory (a fresh, empty snapshot), given
// the snapshot's lower directories (topmost first). The result, mounted as upper over those
// lowers, is the image's filesystem after this layer.
//
// Two phases, so that a layer can unpack while its parents are still being built:
// 1. The entries are written into the upper dir without looking at any lower: `layerWriter` is a
//    TarParser sink (synchronous: no await per entry), `writeEntries` the same over readTar.
//    What this layer made is tracked in memory (the dir is fresh and ours): no lstat per entry.
// 2. `merge(lowers)` then settles what depends on the lowers: directories this layer only implied
//    (an entry under them) take the lower's mode, owner, xattrs and times, as overlayfs copy-up
//    would, and are refused when the lower has a symlink there; hardlinks to lower files get
//    their content. Directory times are set last.
//
// Decisions:
// - Whiteouts become overlayfs's own markers: ".wh.NAME" a char device 0:0 at NAME,
//   ".wh..wh..opq" the xattr trusted.overlay.opaque=y on its directory. A whiteout of something
//   this layer itself created does not remove it (the OCI spec: whiteouts apply to lower layers);
//   on a directory of this layer it makes the directory opaque. A directory created where a
//   whiteout stands replaces it and becomes opaque, as rm -r then mkdir does on an overlay mount.
// - Nothing is written through a symlink: every ancestor of an entry must be a real directory of
//   this layer or, when this layer only implies it, not a symlink in the lowers' merged view
//   (IMAGE_LAYER_UNSAFE_PATH). Files are created O_EXCL|O_NOFOLLOW.
// - A hardlink's target must be inside the layer tree: in the upper dir or in the lowers' merged
//   view. A lower target is stood for by an empty placeholder at its own path, linked at once;
//   merge fills that inode with the lower file (or, for a symlink or device, recreates the names),
//   and links the lower file's other visible names too, so the whole hardlink group shares one
//   inode in the merged view (as umoci's single-tree unpack does; copy-up alone would split it).
// - xattrs trusted.overlay.* from a tar are dropped: they would forge overlayfs metadata.
import { chmodSync, closeSync, fchmodSync, fchownSync, ftruncateSync, linkSync, lchownSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, rmSync, symlinkSync, unlinkSync, writeSync, constants, type Stats } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../../common/errors.ts";
import * as sys from "../../common/sys.ts";
import { ioError } from "../content/index.ts";
import { lookupLower, OPAQUE_XATTR, type LowerHit } from "../../common/overlay-lookup.ts";
import { ancestors, baseOf, cleanEntryPath, parentOf, quoted, setEntryXattrs, type TarHeader, type TarSink, type TarEntry } from "../archive/index.ts";

export interface ApplyOptions {
  /** The upper directory to fill; must exist and be empty. */
  target: string;
  /** Lower directories of the snapshot, topmost first; a promise when the parents are still being built. */
  lowers?: readonly string[] | Promise<readonly string[]>;
}

export interface ApplyStats {
  entries: number;
  bytes: number;
}

/** A layer written into its upper dir, not yet merged with its lowers. */
export interface WrittenLayer {
  readonly stats: ApplyStats;
  /** Settles what depends on the lower dirs (topmost first); the snapshot is complete after it. */
  merge(lowers: readonly string[]): void;
}

const WH = ".wh.";
/** Linux's PATH_MAX, with the terminating NUL. */
const PATH_MAX = 4096;
const OPQ = ".wh..wh..opq";
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Both phases: writes the entries, awaits the lowers, merges. */
export async function applyLayer(entries: AsyncIterable<TarEntry>, opts: ApplyOptions): Promise<ApplyStats> {
  const written = await writeEntries(entries, opts.target);
  written.merge(await (opts.lowers ?? []));
  return written.stats;
}

/** A layer being written: feed it a TarParser's events; abort() on failure closes what is open. */
export interface LayerWriter extends TarSink, WrittenLayer {
  abort(): void;
}

/** A writer for the upper dir `target`, which must exist and be empty. */
export function layerWriter(target: string): LayerWriter {
  return new Applier(target);
}

export async function writeEntries(entries: AsyncIterable<TarEntry>, target: string): Promise<WrittenLayer> {
  const w = new Applier(target);
  try {
    for await (const e of entries) {
      w.entry(e);
      for await (const part of e.body()) w.data(part);
      w.end();
    }
  } catch (err) {
    w.abort();
    throw err;
  }
  return w;
}

const throughSymlink = (entry: string, link: string, target: string, lower: boolean) =>
  new SkiffError({
    layer: "image",
    code: "IMAGE_LAYER_UNSAFE_PATH",
    kind: "invalid_argument",
    message: `unpack layer: entry ${quoted(entry)} goes through symlink ${quoted(link)}${lower ? " of a lower layer" : ""} (-> ${quoted(target)})`,
    hint: "a layer must name the real path of what it writes: skiff never writes through a symlink, which could point anywhere; the layer is refused and nothing is committed",
    details: { entry, symlink: link, target },
  });
const malformed = (message: string, entry: string) =>
  new SkiffError({
    layer: "image",
    code: "IMAGE_LAYER_INVALID",
    kind: "invalid_argument",
    message,
    hint: "the layer's tar describes a filesystem that cannot exist; nothing is committed: rebuild the image with a standard tool",
    details: { entry },
  });

/** What this layer has at a path of its upper dir. A char device 0:0 is overlayfs's whiteout. */
type Node = "dir" | "file" | "symlink" | "whiteout" | "special";

/** A lower file that hardlinks of this layer point to, stood for by a placeholder inode. */
interface CopyUp {
  target: string;
  entry: string;
  linkname: string;
  /** The names of the placeholder's inode that this layer has not replaced since. */
  names: Set<string>;
}

class Applier implements LayerWriter {
  readonly stats: ApplyStats = { entries: 0, bytes: 0 };
  private readonly nodes = new Map<string, Node>([["", "dir"]]);
  /** Directories made only because entries lie under them: the entry that implied them, and whether a dir entry came later. */
  private readonly implied = new Map<string, { entry: string; explicit: boolean }>();
  private readonly opaque = new Set<string>();
  /** Directory times to set at the end, by relative path. */
  private readonly dirTimes = new Map<string, { atime: sys.Timespec; mtime: sys.Timespec }>();
  private readonly copyUps: CopyUp[] = [];
  private readonly placeholders = new Map<string, CopyUp>();
  private readonly inodeMaps = new Map<string, Map<number, string[]>>();
  /** The regular file being written: its open fd between entry() and end(). */
  private current: { h: TarHeader; path: string; fd: number } | undefined;
  private name = "";
  private merged = false;

  constructor(private readonly root: string) {
    const present = readdirSync(root);
    if (present.length) throw new Error(`applyLayer: ${root} is not empty (${present[0]})`);
  }

  entry(h: TarHeader): void {
    this.name = h.name;
    const rel = cleanEntryPath(h.name);
    this.stats.entries++;
    const path = join(this.root, rel);
    // every call takes the whole path: past PATH_MAX it would fail ENAMETOOLONG, said as an I/O error
    if (Buffer.byteLength(path) >= PATH_MAX) throw malformed(`unpack layer: entry ${quoted(h.name)} is ${Buffer.byteLength(rel)} bytes long, too long a path for Linux (${PATH_MAX} bytes with the snapshot's own)`, h.name);
    this.guard(path, () => this.apply(h, rel));
  }

  data(part: Uint8Array): void {
    const c = this.current;
    if (!c) return;
    this.guard(c.path, () => {
      for (let off = 0; off < part.byteLength; ) off += writeSync(c.fd, part, off);
      this.stats.bytes += part.byteLength;
    });
  }

  /** Owner, mode and times through the open file (chown clears setuid/setgid, so the mode goes after it), then xattrs. */
  end(): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    this.guard(c.path, () => {
      try {
        fchownSync(c.fd, c.h.uid, c.h.gid);
        fchmodSync(c.fd, c.h.mode);
        sys.futimens(c.fd, c.h.atime ?? c.h.mtime, c.h.mtime);
      } finally {
        closeSync(c.fd);
      }
      setEntryXattrs(c.path, c.h.xattrs);
    });
  }

  abort(): void {
    if (this.current) closeSync(this.current.fd);
    this.current = undefined;
  }

  /** Runs one step of the current entry; errno failures become IMAGE_UNPACK_FAILED naming the entry. */
  private guard(path: string, work: () => void): void {
    try {
      work();
    } catch (err) {
      throw ioError(`unpack ${quoted(this.name)}`, path, err, "IMAGE_UNPACK_FAILED");
    }
  }

  merge(lowers: readonly string[]): void {
    if (this.merged) throw new Error("applyLayer: merge called twice");
    this.merged = true;
    let at = "";
    try {
      for (const c of this.copyUps) {
        at = c.target;
        this.copyUp(c, lowers);
      }
      for (const [rel, imp] of this.implied) {
        at = rel;
        if (this.hiddenByUpper(rel)) continue;
        const hit = lookupLower(lowers, rel);
        if (hit?.stat.isSymbolicLink()) throw throughSymlink(imp.entry, rel, readlinkSync(hit.path), true);
        if (imp.explicit || !hit?.stat.isDirectory()) continue;
        const path = join(this.root, rel);
        copyMetadata(hit.path, hit.stat, path);
        this.dirTimes.set(rel, timesOf(hit.path));
      }
      for (const [rel, t] of this.dirTimes) {
        at = rel;
        sys.utimensat(join(this.root, rel), t.atime, t.mtime);
      }
    } catch (err) {
      throw ioError(`unpack layer over its lower layers, at ${quoted(at)}`, join(this.root, at), err, "IMAGE_UNPACK_FAILED");
    }
  }

  private apply(e: TarHeader, rel: string): void {
    const base = baseOf(rel);
    if (base.startsWith(WH)) return this.whiteout(e, rel, base);
    if (rel === "") {
      if (e.type !== "dir") throw malformed(`unpack layer: the root entry ${quoted(e.name)} is a ${e.type}, not a directory`, e.name);
      return this.finish(e, rel);
    }
    this.ensureParents(rel, e.name);
    const path = join(this.root, rel);
    const old = this.nodes.get(rel);
    let opaque = false;
    if (old) {
      if (e.type === "dir" && old === "dir") {
        const imp = this.implied.get(rel);
        if (imp) imp.explicit = true;
        return this.finish(e, rel);
      }
      opaque = old === "whiteout";
      this.remove(rel, old);
    }
    switch (e.type) {
      case "dir":
        mkdirSync(path, 0o700);
        this.nodes.set(rel, "dir");
        if (opaque) this.makeOpaque(rel);
        break;
      case "file":
        this.current = { h: e, path, fd: openSync(path, CREATE, 0o600) };
        this.nodes.set(rel, "file");
        return;
      case "symlink":
        // the kernel refuses an empty target (ENOENT): say what is wrong with the entry instead
        if (e.linkname === "") throw malformed(`unpack layer: symlink ${quoted(e.name)} has an empty target`, e.name);
        symlinkSync(e.linkname, path);
        this.nodes.set(rel, "symlink");
        break;
      case "hardlink":
        return this.hardlink(e, rel, path);
      case "char":
      case "block":
      case "fifo": {
        const kind = e.type === "char" ? sys.S_IFCHR : e.type === "block" ? sys.S_IFBLK : sys.S_IFIFO;
        sys.mknod(path, kind | 0o600, e.devmajor, e.devminor);
        this.nodes.set(rel, e.type === "char" && e.devmajor === 0 && e.devminor === 0 ? "whiteout" : "special");
        break;
      }
    }
    this.finish(e, rel);
  }

  /** Owner, mode, xattrs, times: in this order, since chown clears setuid bits and capabilities. */
  private finish(e: TarHeader, rel: string): void {
    const path = join(this.root, rel);
    lchownSync(path, e.uid, e.gid);
    if (e.type !== "symlink") chmodSync(path, e.mode);
    setEntryXattrs(path, e.xattrs);
    const times = { atime: e.atime ?? e.mtime, mtime: e.mtime };
    if (e.type === "dir") this.dirTimes.set(rel, times);
    else sys.utimensat(path, times.atime, times.mtime);
  }

  private whiteout(e: TarHeader, rel: string, base: string): void {
    const dir = parentOf(rel);
    if (dir) this.ensureParents(rel, e.name);
    if (base === OPQ) return this.makeOpaque(dir);
    if (base.startsWith(`${WH}${WH}`)) return; // aufs metadata (.wh..wh.plnk and the like)
    const name = base.slice(WH.length);
    const victim = cleanEntryPath(dir ? `${dir}/${name}` : name, "whiteout");
    if (!name || name === "." || victim === dir) throw malformed(`unpack layer: whiteout ${quoted(e.name)} names nothing`, e.name);
    const old = this.nodes.get(victim);
    if (old === "dir") this.makeOpaque(victim);
    else if (!old) {
      sys.mknod(join(this.root, victim), sys.S_IFCHR, 0, 0);
      this.nodes.set(victim, "whiteout");
    }
  }

  private makeOpaque(rel: string): void {
    sys.lsetxattr(join(this.root, rel), OPAQUE_XATTR, "y");
    this.opaque.add(rel);
  }

  private hardlink(e: TarHeader, rel: string, path: string): void {
    const targetRel = cleanEntryPath(e.linkname, `hardlink ${quoted(e.name)} target`);
    if (targetRel === "" || targetRel === rel) throw malformed(`unpack layer: hardlink ${quoted(e.name)} points to ${quoted(e.linkname)}`, e.name);
    if (targetRel.startsWith(`${rel}/`)) throw malformed(`unpack layer: hardlink ${quoted(e.name)} points to ${quoted(e.linkname)}, which is under itself`, e.name);
    this.ensureParents(targetRel, e.linkname);
    const targetPath = join(this.root, targetRel);
    const here = this.nodes.get(targetRel);
    if (here === "dir") throw malformed(`unpack layer: hardlink ${quoted(e.name)} points to directory ${quoted(e.linkname)}`, e.name);
    if (here === "whiteout") throw missingTarget(e.name, e.linkname);
    if (!here) {
      // In the lowers, or nowhere: merge tells. Until then an empty file holds the inode.
      closeSync(openSync(targetPath, CREATE, 0o600));
      this.nodes.set(targetRel, "file");
      const c: CopyUp = { target: targetRel, entry: e.name, linkname: e.linkname, names: new Set([targetRel]) };
      this.copyUps.push(c);
      this.placeholders.set(targetRel, c);
    }
    linkSync(targetPath, path);
    this.nodes.set(rel, this.nodes.get(targetRel)!);
    const c = this.placeholders.get(targetRel);
    if (c) {
      c.names.add(rel);
      this.placeholders.set(rel, c);
    }
  }

  /** Fills a placeholder's inode with the lower file its hardlinks point to. */
  private copyUp(c: CopyUp, lowers: readonly string[]): void {
    const hit = lookupLower(lowers, c.target);
    if (!hit) throw missingTarget(c.entry, c.linkname);
    if (hit.stat.isDirectory()) throw malformed(`unpack layer: hardlink ${quoted(c.entry)} points to directory ${quoted(c.linkname)}`, c.entry);
    const names = [...c.names];
    if (!names.length) return; // every name was replaced later in the layer
    const first = join(this.root, names[0]!);
    if (hit.stat.isFile()) {
      copyContent(hit.path, first);
      copyMetadata(hit.path, hit.stat, first);
    } else {
      for (const n of names) unlinkSync(join(this.root, n));
      copyObject(hit.path, hit.stat, first);
      for (const n of names.slice(1)) linkSync(first, join(this.root, n));
      for (const n of names) this.nodes.set(n, hit.stat.isSymbolicLink() ? "symlink" : "special");
    }
    if (hit.stat.nlink > 1) this.copyUpLinkGroup(hit, first, lowers, c.target);
  }

  /**
   * The lower file's other names join the copy, so the merged view keeps one hardlink group. Only
   * names the merged view would still show from that lower, and that this layer left alone, are linked.
   */
  private copyUpLinkGroup(hit: LowerHit, first: string, lowers: readonly string[], targetRel: string): void {
    const lower = lowers.find((l) => hit.path.startsWith(`${l}/`))!;
    for (const rel of this.inodes(lower).get(hit.stat.ino) ?? []) {
      if (rel === targetRel || this.nodes.has(rel) || this.hiddenByUpper(rel)) continue;
      if (ancestors(rel).some((a) => this.nodes.has(a) && this.nodes.get(a) !== "dir")) continue;
      if (lookupLower(lowers, rel)?.path !== join(lower, rel)) continue;
      this.ensureParents(rel, rel);
      linkSync(first, join(this.root, rel));
      this.nodes.set(rel, "file"); // the walk only collects regular files
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

  /** Whether an opaque directory of this layer hides the lowers at `rel`. */
  private hiddenByUpper(rel: string): boolean {
    if (this.opaque.has("")) return true;
    return ancestors(rel).some((a) => this.opaque.has(a));
  }

  /**
   * Makes every ancestor of `rel` a real directory in the upper dir, never through a symlink of
   * this layer. Missing ones are created 0755 root and settled against the lowers by merge.
   */
  private ensureParents(rel: string, name: string): void {
    for (const a of ancestors(rel)) {
      const node = this.nodes.get(a);
      if (node === "dir") continue;
      if (node === "symlink") throw throughSymlink(name, a, readlinkSync(join(this.root, a)), false);
      if (node && node !== "whiteout") throw malformed(`unpack layer: entry ${quoted(name)} is under ${quoted(a)}, which this layer made a ${node === "file" ? "file" : "special file"}`, name);
      const path = join(this.root, a);
      if (node === "whiteout") unlinkSync(path);
      mkdirSync(path, 0o755);
      this.nodes.set(a, "dir");
      if (node === "whiteout") this.makeOpaque(a); // it replaces a whited-out lower object
      else this.implied.set(a, { entry: name, explicit: false });
    }
  }

  private remove(rel: string, old: Node): void {
    const path = join(this.root, rel);
    if (old !== "dir") {
      unlinkSync(path);
      this.forget(rel);
      return;
    }
    rmSync(path, { recursive: true, force: true });
    const under = `${rel}/`;
    for (const k of [...this.nodes.keys()]) if (k === rel || k.startsWith(under)) this.forget(k);
  }

  private forget(rel: string): void {
    this.nodes.delete(rel);
    this.implied.delete(rel);
    this.opaque.delete(rel);
    this.dirTimes.delete(rel);
    const c = this.placeholders.get(rel);
    if (c) {
      c.names.delete(rel);
      this.placeholders.delete(rel);
    }
  }
}

const missingTarget = (entry: string, linkname: string) =>
  malformed(`unpack layer: hardlink ${quoted(entry)} points to ${quoted(linkname)}, which is not in this layer or below it`, entry);

/** Overwrites the file at `to` (keeping its inode, hence its other names) with the content of `from`. */
function copyContent(from: string, to: string): void {
  const src = openSync(from, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const dst = openSync(to, constants.O_WRONLY | constants.O_NOFOLLOW);
    try {
      ftruncateSync(dst, 0);
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let n = readSync(src, buf); n > 0; n = readSync(src, buf)) {
        for (let off = 0; off < n; ) off += writeSync(dst, buf, off, n - off);
      }
    } finally {
      closeSync(dst);
    }
  } finally {
    closeSync(src);
  }
}

/** A lower symlink, device or fifo recreated in the upper dir with its metadata. */
function copyObject(from: string, st: Stats, to: string): void {
  if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
    const kind = st.isCharacterDevice() ? sys.S_IFCHR : st.isBlockDevice() ? sys.S_IFBLK : sys.S_IFIFO;
    sys.mknod(to, kind | 0o600, Math.floor(st.rdev / 256) & 0xfff, (st.rdev & 0xff) | ((st.rdev >>> 12) & 0xfff00));
  } else throw malformed(`unpack layer: cannot copy up ${quoted(from)}`, from);
  copyMetadata(from, st, to);
}

/** Owner, mode, xattrs and times of a lower object onto its upper copy, as overlayfs copy-up does. */
function copyMetadata(from: string, st: Stats, to: string): void {
  lchownSync(to, st.uid, st.gid);
  if (!st.isSymbolicLink()) chmodSync(to, st.mode & 0o7777);
  for (const name of sys.llistxattr(from)) {
    if (name.startsWith("trusted.overlay.")) continue;
    const v = sys.lgetxattr(from, name);
    if (v) sys.lsetxattr(to, name, v);
  }
  if (!st.isDirectory()) {
    const t = timesOf(from);
    sys.utimensat(to, t.atime, t.mtime);
  }
}

/** Times with nanoseconds (a number-valued lstat keeps only milliseconds). */
function timesOf(path: string): { atime: sys.Timespec; mtime: sys.Timespec } {
  const st = lstatSync(path, { bigint: true });
  const ts = (ns: bigint) => ({ sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) });
  return { atime: ts(st.atimeNs), mtime: ts(st.mtimeNs) };
}
