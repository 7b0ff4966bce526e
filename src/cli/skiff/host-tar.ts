// skiff cp's side on the host, as docker's CLI does it: a tar of a host path to send into a
// container, and a tar from a container extracted into a host directory.
//
// Packing: the path itself is the first entry, named `base`; a directory's content follows as
// base/… (with `contents`, as for "DIR/.", the entries are named as under the directory, without
// a prefix). Symlinks inside are stored as links, never followed. uid/gid are the host's with
// `keepOwner` (cp -a), 0 otherwise (docker: "files copied to a container are created with UID:GID
// of the root user").
// Extracting: names are relative to the destination directory; an absolute name (but for the
// container's root, which docker's daemon sends as "/…") or a ".." that climbs above it is refused, nothing is written through a symlink (every ancestor of an entry
// must be a real directory), and files are created O_EXCL|O_NOFOLLOW after what stands in the way
// is removed. Owners are not set (the invoking user's, as docker's cp), modes and times are.
import { closeSync, constants, fchmodSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, rmSync, symlinkSync, linkSync, writeSync, chmodSync, type Stats } from "node:fs";
import { join, posix } from "node:path";
import { SkiffError } from "../../common/errors.ts";
import { readTar } from "../../common/tar/tar-reader.ts";
import { tarEntry, tarPadding, type TarWriteEntry } from "../../common/tar/tar-writer.ts";
import * as sys from "../../common/sys.ts";
import { batches } from "../../common/coalesce.ts";

const CHUNK = 1 << 20;

/** The tar of the host path, in batches of 256 KiB or more (the walk is synchronous: one await a batch, not a promise per header and body). */
export async function* packHost(path: string, base: string, o: { contents: boolean; keepOwner: boolean }): AsyncGenerator<Uint8Array> {
  for (const batch of batches(packPieces(path, base, o))) yield batch;
}

function* packPieces(path: string, base: string, o: { contents: boolean; keepOwner: boolean }): Generator<Uint8Array> {
  const st = lstatSync(path);
  const links = new Map<string, string>();
  if (st.isDirectory()) {
    const prefix = o.contents ? "" : `${base}/`;
    yield tarEntry(entry(o.contents ? "./" : `${base}/`, st, "", o.keepOwner));
    yield* packDir(path, prefix, o.keepOwner, links);
  } else yield* packOne(path, base, st, o.keepOwner, links);
  yield new Uint8Array(1024);
}

function* packDir(dir: string, prefix: string, keepOwner: boolean, links: Map<string, string>): Generator<Uint8Array> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) {
      yield tarEntry(entry(`${prefix}${name}/`, st, "", keepOwner));
      yield* packDir(p, `${prefix}${name}/`, keepOwner, links);
    } else yield* packOne(p, `${prefix}${name}`, st, keepOwner, links);
  }
}

function* packOne(path: string, name: string, st: Stats, keepOwner: boolean, links: Map<string, string>): Generator<Uint8Array> {
  if (st.isSocket()) return;
  if (st.isSymbolicLink()) return yield tarEntry(entry(name, st, readlinkSync(path), keepOwner));
  if (!st.isFile()) return yield tarEntry(entry(name, st, "", keepOwner));
  if (st.nlink > 1) {
    const first = links.get(`${st.dev}:${st.ino}`);
    if (first !== undefined) return yield tarEntry({ ...entry(name, st, "", keepOwner), type: "hardlink", linkname: first });
    links.set(`${st.dev}:${st.ino}`, name);
  }
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    yield tarEntry({ ...entry(name, st, "", keepOwner), size: st.size });
    for (let left = st.size; left > 0; ) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
      let n = readSync(fd, buf, 0, buf.byteLength, null);
      if (n === 0) n = buf.fill(0).byteLength; // a file that shrank: zeros up to the size announced
      left -= n;
      yield buf.subarray(0, n);
    }
    yield tarPadding(st.size);
  } finally {
    closeSync(fd);
  }
}

function entry(name: string, st: Stats, linkname: string, keepOwner: boolean): TarWriteEntry {
  const type: TarWriteEntry["type"] = st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : st.isFIFO() ? "fifo" : st.isCharacterDevice() ? "char" : st.isBlockDevice() ? "block" : "file";
  const dev = type === "char" || type === "block" ? { devmajor: (st.rdev >> 8) & 0xfff, devminor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00) } : {};
  return { name, type, mode: st.mode & 0o7777, uid: keepOwner ? st.uid : 0, gid: keepOwner ? st.gid : 0, mtime: { sec: Math.floor(st.mtimeMs / 1000), nsec: 0 }, linkname, ...dev };
}

const refuse = (message: string, hint: string) => new SkiffError({ layer: "cli", code: "CLI_CP_UNSAFE_ENTRY", kind: "failed_precondition", message, hint });

/**
 * Extracts `tar` into the existing directory `dest`; the first component of each name is
 * replaced: `rename` maps the source's base name to the destination's (docker's RebaseArchiveEntries).
 */
export async function extractHost(tar: AsyncIterable<Uint8Array>, dest: string, rename?: { from: string; to: string }, opts: { rootRelative?: boolean } = {}): Promise<void> {
  const dirTimes: { path: string; mtime: sys.Timespec }[] = [];
  for await (const e of readTar(tar, { what: "archive", code: "CLI_CP_ARCHIVE", hints: { invalid: "the daemon sent something other than a tar", truncated: "the copy was cut short" } })) {
    // the container's root comes as "/", "/bin/" …: its content, relative to the destination
    let name = opts.rootRelative ? e.name.replace(/^\/+/, "") || "." : e.name;
    if (rename && (name === rename.from || name.startsWith(`${rename.from}/`))) name = rename.to + name.slice(rename.from.length);
    if (e.type === "hardlink" && rename && (e.linkname === rename.from || e.linkname.startsWith(`${rename.from}/`))) e.linkname = rename.to + e.linkname.slice(rename.from.length);
    const rel = posix.normalize(`./${name}`);
    if (name.startsWith("/") || rel === ".." || rel.startsWith("../")) throw refuse(`copy: the archive names ${JSON.stringify(name)}, outside of ${dest}`, "the container's archive is refused: nothing outside the destination is written");
    const target = rel === "." ? dest : join(dest, rel);
    checkAncestors(dest, rel);
    if (rel === ".") {
      if (e.type === "dir") dirTimes.push({ path: dest, mtime: e.mtime });
      continue;
    }
    let existing: Stats | undefined;
    try {
      existing = lstatSync(target);
    } catch {
      existing = undefined;
    }
    if (existing && !(existing.isDirectory() && e.type === "dir")) rmSync(target, { recursive: true, force: true });
    switch (e.type) {
      case "dir":
        if (!existing?.isDirectory()) mkdirSync(target, { mode: 0o700 });
        chmodSync(target, e.mode & 0o7777);
        dirTimes.push({ path: target, mtime: e.mtime });
        break;
      case "file": {
        const fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        try {
          for await (const part of e.body()) for (let off = 0; off < part.byteLength; ) off += writeSync(fd, part, off);
          fchmodSync(fd, e.mode & 0o7777);
          sys.futimens(fd, e.mtime, e.mtime);
        } finally {
          closeSync(fd);
        }
        break;
      }
      case "symlink":
        symlinkSync(e.linkname, target);
        sys.utimensat(target, e.mtime, e.mtime);
        break;
      case "hardlink": {
        const lrel = posix.normalize(`./${e.linkname}`);
        if (lrel === ".." || lrel.startsWith("../") || e.linkname.startsWith("/")) throw refuse(`copy: the archive links to ${JSON.stringify(e.linkname)}, outside of ${dest}`, "nothing outside the destination is linked");
        checkAncestors(dest, lrel);
        linkSync(join(dest, lrel), target);
        break;
      }
      default:
        sys.mknod(target, (e.type === "char" ? sys.S_IFCHR : e.type === "block" ? sys.S_IFBLK : sys.S_IFIFO) | (e.mode & 0o7777), e.devmajor, e.devminor);
    }
  }
  for (const d of dirTimes.reverse()) sys.utimensat(d.path, d.mtime, d.mtime);
}

/** Every ancestor of `rel` under `dest` must be a real directory (or not exist yet: made here). */
function checkAncestors(dest: string, rel: string): void {
  const parts = rel.split("/").slice(0, -1);
  let at = dest;
  for (const p of parts) {
    if (p === ".") continue;
    at = join(at, p);
    let st: Stats;
    try {
      st = lstatSync(at);
    } catch {
      mkdirSync(at, { mode: 0o755 });
      continue;
    }
    if (!st.isDirectory()) throw refuse(`copy: ${at} is not a directory (${st.isSymbolicLink() ? "a symlink" : "a file"}): nothing is written through it`, "remove it, or copy to another destination");
  }
}
