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
import { TarParser, type TarHeader } from "../../common/tar/tar-parser.ts";
import { tarEntry, tarPadding, type TarWriteEntry } from "../../common/tar/tar-writer.ts";
import * as sys from "../../common/sys.ts";

const CHUNK = 1 << 20;

/** Where packing puts the tar: bytes as they are, and `size` bytes of an open file's content. */
interface TarOut {
  bytes(b: Uint8Array): void;
  file(fd: number, size: number): void;
}

/** The tar of the host path as pieces (held in memory: for small trees and tests). */
export async function* packHost(path: string, base: string, o: { contents: boolean; keepOwner: boolean }): AsyncGenerator<Uint8Array> {
  const pieces: Uint8Array[] = [];
  pack(path, base, o, {
    bytes: (b) => pieces.push(b),
    file: (fd, size) => {
      const buf = Buffer.alloc(size);
      for (let at = 0; at < size; ) {
        const n = readSync(fd, buf, at, size - at, null);
        if (n === 0) break; // a file that shrank: zeros up to the size announced
        at += n;
      }
      pieces.push(buf);
    },
  });
  yield* pieces;
}

/**
 * The tar of the host path, streamed: filled into one buffer of 1 MiB (file contents read straight
 * into it) and handed to `send` as buf[from, to) each time it is full, with `room` bytes free before
 * `from` and 2 after `to` (for a chunk's framing: api/unix-exchange.ts). No allocation per file or
 * per chunk; the buffer is reused once `send` returns.
 */
export function packHostTo(path: string, base: string, o: { contents: boolean; keepOwner: boolean }, room: number, send: (buf: Uint8Array, from: number, to: number) => void): void {
  const buf = Buffer.allocUnsafe(room + CHUNK + 2);
  const limit = room + CHUNK;
  let at = room;
  const flush = () => {
    if (at > room) send(buf, room, at);
    at = room;
  };
  pack(path, base, o, {
    bytes: (b) => {
      for (let off = 0; off < b.byteLength; ) {
        if (at === limit) flush();
        const n = Math.min(b.byteLength - off, limit - at);
        buf.set(n === b.byteLength ? b : b.subarray(off, off + n), at);
        at += n;
        off += n;
      }
    },
    file: (fd, size) => {
      for (let left = size; left > 0; ) {
        if (at === limit) flush();
        const want = Math.min(left, limit - at);
        let n = readSync(fd, buf, at, want, null);
        if (n === 0) {
          buf.fill(0, at, at + want); // a file that shrank: zeros up to the size announced
          n = want;
        }
        at += n;
        left -= n;
      }
    },
  });
  flush();
}

function pack(path: string, base: string, o: { contents: boolean; keepOwner: boolean }, out: TarOut): void {
  const st = lstatSync(path);
  const links = new Map<string, string>();
  if (st.isDirectory()) {
    const prefix = o.contents ? "" : `${base}/`;
    out.bytes(tarEntry(entry(o.contents ? "./" : `${base}/`, st, "", o.keepOwner)));
    packDir(path, prefix, o.keepOwner, links, out);
  } else packOne(path, base, st, o.keepOwner, links, out);
  out.bytes(new Uint8Array(1024));
}

function packDir(dir: string, prefix: string, keepOwner: boolean, links: Map<string, string>, out: TarOut): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) {
      out.bytes(tarEntry(entry(`${prefix}${name}/`, st, "", keepOwner)));
      packDir(p, `${prefix}${name}/`, keepOwner, links, out);
    } else packOne(p, `${prefix}${name}`, st, keepOwner, links, out);
  }
}

function packOne(path: string, name: string, st: Stats, keepOwner: boolean, links: Map<string, string>, out: TarOut): void {
  if (st.isSocket()) return;
  if (st.isSymbolicLink()) return out.bytes(tarEntry(entry(name, st, readlinkSync(path), keepOwner)));
  if (!st.isFile()) return out.bytes(tarEntry(entry(name, st, "", keepOwner)));
  if (st.nlink > 1) {
    const first = links.get(`${st.dev}:${st.ino}`);
    if (first !== undefined) return out.bytes(tarEntry({ ...entry(name, st, "", keepOwner), type: "hardlink", linkname: first }));
    links.set(`${st.dev}:${st.ino}`, name);
  }
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    out.bytes(tarEntry({ ...entry(name, st, "", keepOwner), size: st.size }));
    out.file(fd, st.size);
    out.bytes(tarPadding(st.size));
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
  const x = hostExtractor(dest, rename, opts);
  try {
    for await (const chunk of tar) {
      x.push(chunk);
      if (x.done) break;
    }
    x.finish();
  } finally {
    x.abort();
  }
}

export interface HostExtractor {
  /** The next bytes of the tar, extracted synchronously (the chunk may be reused once this returns). */
  push(chunk: Uint8Array): void;
  /** Whether the tar's end marker was seen. */
  readonly done: boolean;
  /** The tar has ended: an error if it was cut short; then the directories' times are set. */
  finish(): void;
  /** Closes the file being written, if any (after an error). */
  abort(): void;
}

/** extractHost as a push sink, for a tar read in a loop of the caller's (cp reads the daemon's response synchronously). */
export function hostExtractor(dest: string, rename?: { from: string; to: string }, opts: { rootRelative?: boolean } = {}): HostExtractor {
  const dirTimes: { path: string; mtime: sys.Timespec }[] = [];
  /** The regular file being written, and its header. */
  let open: { fd: number; h: TarHeader } | undefined;
  const parser = new TarParser(
    {
      entry: (h) => {
        const fd = entry(h);
        if (fd !== undefined) open = { fd, h };
      },
      data: (part) => {
        for (let off = 0; off < part.byteLength; ) off += writeSync(open!.fd, part, off);
      },
      end: () => {
        if (!open) return;
        const { fd, h } = open;
        open = undefined;
        try {
          fchmodSync(fd, h.mode & 0o7777);
          sys.futimens(fd, h.mtime, h.mtime);
        } finally {
          closeSync(fd);
        }
      },
    },
    { what: "archive", code: "CLI_CP_ARCHIVE", hints: { invalid: "the daemon sent something other than a tar", truncated: "the copy was cut short" } },
  );
  /** Makes what the header names; a regular file's open fd for its content. */
  const entry = (e: TarHeader): number | undefined => {
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
      return undefined;
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
        return undefined;
      case "file":
        return openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      case "symlink":
        symlinkSync(e.linkname, target);
        sys.utimensat(target, e.mtime, e.mtime);
        return undefined;
      case "hardlink": {
        const lrel = posix.normalize(`./${e.linkname}`);
        if (lrel === ".." || lrel.startsWith("../") || e.linkname.startsWith("/")) throw refuse(`copy: the archive links to ${JSON.stringify(e.linkname)}, outside of ${dest}`, "nothing outside the destination is linked");
        checkAncestors(dest, lrel);
        linkSync(join(dest, lrel), target);
        return undefined;
      }
      default:
        sys.mknod(target, (e.type === "char" ? sys.S_IFCHR : e.type === "block" ? sys.S_IFBLK : sys.S_IFIFO) | (e.mode & 0o7777), e.devmajor, e.devminor);
        return undefined;
    }
  };
  const abort = () => {
    if (open) closeSync(open.fd);
    open = undefined;
  };
  return {
    push: (chunk) => {
      try {
        parser.push(chunk);
      } catch (e) {
        abort();
        throw e;
      }
    },
    get done() {
      return parser.done;
    },
    finish: () => {
      parser.finish();
      for (const d of dirTimes.reverse()) sys.utimensat(d.path, d.mtime, d.mtime);
    },
    abort,
  };
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
