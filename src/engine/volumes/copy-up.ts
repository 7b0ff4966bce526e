// docker's copy-up: a volume that is new and empty, mounted where the image has content, is
// filled with that content on first use (files, directories, symlinks, device nodes and fifos,
// with their modes, owners, times and the xattrs the volume's filesystem takes; hard links stay
// links), and its root
// takes the owner and mode of the image's directory. The image is read as overlayfs would merge
// its layers (whiteouts and opaque directories honoured) from the layer dirs, never through a
// symlink: every source is lstat'ed, and every destination is new in a directory made here.
import { copyFileSync, lchownSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, chmodSync, chownSync, type Stats } from "node:fs";
import { join } from "node:path";
import { isOpaque, isWhiteout } from "../../common/overlay-lookup.ts";
import { lgetxattr, llistxattr, lsetxattr, mknod, S_IFBLK, S_IFCHR, S_IFIFO, utimensat } from "../../common/sys.ts";

const lstatOr = (p: string): Stats | undefined => {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
};

/**
 * The directories that make up `rel` in the merged view of `lowers` (topmost first): none when the
 * path is absent, whited out or not a directory in the image.
 */
export function mergedDirs(lowers: readonly string[], rel: string): string[] {
  const out: string[] = [];
  const parts = rel.split("/").filter(Boolean);
  for (const lower of lowers) {
    let here = lower;
    let hidden = false;
    for (let i = 0; i < parts.length; i++) {
      here = join(here, parts[i]!);
      const st = lstatOr(here);
      if (!st) break;
      if (!st.isDirectory()) return out; // a file, symlink or whiteout here hides the layers below
      if (i === parts.length - 1) out.push(here);
      if (isOpaque(here)) hidden = true;
    }
    if (hidden) return out;
  }
  return out;
}

/** The merged entries of one directory given by its layers (topmost first): name → its topmost source. */
function mergedEntries(dirs: readonly string[]): Map<string, { path: string; st: Stats; below: string[] }> {
  const out = new Map<string, { path: string; st: Stats; below: string[] }>();
  const hidden = new Set<string>();
  dirs.forEach((dir, i) => {
    for (const name of readdirSync(dir)) {
      if (hidden.has(name) || out.has(name)) continue;
      const path = join(dir, name);
      const st = lstatSync(path);
      if (isWhiteout(st)) hidden.add(name);
      else out.set(name, { path, st, below: dirs.slice(i + 1) });
    }
  });
  return out;
}

/** A directory entry's layers: its topmost source, then the same name below while those are directories. */
function childDirs(top: string, below: readonly string[], name: string): string[] {
  const out = [top];
  if (isOpaque(top)) return out;
  for (const dir of below) {
    const p = join(dir, name);
    const st = lstatOr(p);
    if (!st) continue;
    if (!st.isDirectory()) break;
    out.push(p);
    if (isOpaque(p)) break;
  }
  return out;
}

function copyXattrs(from: string, to: string): void {
  let names: string[];
  try {
    names = llistxattr(from);
  } catch {
    return;
  }
  for (const n of names) {
    if (n.startsWith("trusted.overlay.")) continue;
    const v = lgetxattr(from, n);
    if (!v) continue;
    try {
      lsetxattr(to, n, v);
    } catch {} // a filesystem that takes no such xattr (a tmpfs and trusted.*): "where possible"
  }
}

/** Files with more than one link, by device and inode: where the first was copied to (hard links stay links). */
type Links = Map<string, string>;

function copyEntry(src: string, st: Stats, dst: string, layers: string[] | undefined, links: Links): void {
  if (st.isDirectory()) {
    mkdirSync(dst);
    for (const [name, e] of mergedEntries(layers!)) copyEntry(e.path, e.st, join(dst, name), e.st.isDirectory() ? childDirs(e.path, e.below, name) : undefined, links);
  } else if (st.isFile() && st.nlink > 1 && links.has(`${st.dev}:${st.ino}`)) {
    linkSync(links.get(`${st.dev}:${st.ino}`)!, dst);
    return;
  } else if (st.isFile()) {
    copyFileSync(src, dst);
    if (st.nlink > 1) links.set(`${st.dev}:${st.ino}`, dst);
  } else if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
  else if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
    const type = st.isCharacterDevice() ? S_IFCHR : st.isBlockDevice() ? S_IFBLK : S_IFIFO;
    mknod(dst, type | (st.mode & 0o7777), (st.rdev >>> 8) & 0xfff, (st.rdev & 0xff) | ((st.rdev >>> 12) & 0xfff00));
  } else return; // a socket is no content
  lchownSync(dst, st.uid, st.gid);
  if (!st.isSymbolicLink()) chmodSync(dst, st.mode & 0o7777); // after chown, which clears set-id bits
  const time = (ms: number) => ({ sec: Math.floor(ms / 1000), nsec: Math.round((ms % 1000) * 1e6) });
  utimensat(dst, time(st.atimeMs), time(st.mtimeMs), { follow: false });
  copyXattrs(src, dst);
}

/**
 * Fills `dest` (the volume's directory) with the image's content at `containerPath`, if `dest` is
 * empty and the image has a directory there; returns whether anything was copied.
 */
export function copyUp(lowers: readonly string[], containerPath: string, dest: string): boolean {
  if (readdirSync(dest).length > 0) return false;
  const dirs = mergedDirs(lowers, containerPath.replace(/^\/+/, ""));
  if (!dirs.length) return false;
  const links: Links = new Map();
  for (const [name, e] of mergedEntries(dirs)) copyEntry(e.path, e.st, join(dest, name), e.st.isDirectory() ? childDirs(e.path, e.below, name) : undefined, links);
  const root = lstatSync(dirs[0]!);
  chownSync(dest, root.uid, root.gid);
  chmodSync(dest, root.mode & 0o7777);
  return true;
}
