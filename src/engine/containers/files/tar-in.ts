// Extracts a tar into a directory of a container (PUT /containers/{id}/archive), inside that
// directory whatever the tar or the container holds.
//
// How nothing escapes (dockerd refuses the same "breakouts"):
// - The destination is resolved once, in the container's root (openat2 RESOLVE_IN_ROOT), to a
//   descriptor; everything else is resolved under that descriptor with RESOLVE_BENEATH.
// - An entry's name is taken relative to the destination: a leading "/" is dropped and ".." may
//   not climb above the destination (refused, as dockerd's "is outside of").
// - Its parent directory is resolved beneath the destination: a relative symlink on the way that
//   stays below it is followed, one that leaves it (absolute, or climbing out) is refused, whether
//   the container had it or an earlier entry made it. Missing parents are made one by one.
// - The entry itself is one component under that descriptor: created O_EXCL|O_NOFOLLOW, a
//   symlink is made and never followed, what stands in the way is removed through descriptors
//   (no path text re-resolved, so a swap meanwhile cannot redirect the removal).
// - A hardlink's target is resolved the same way, beneath the destination, and linked without
//   following it.
// Ownership: the tar's uid/gid, or `owner` for every entry (root unless docker's copyUIDGID).
// Directory times are set once everything is written, as tar does.
import { closeSync, constants, fchmodSync, fchownSync, linkSync, lchownSync, lstatSync, mkdirSync, openSync, readdirSync, rmdirSync, symlinkSync, unlinkSync, writeSync } from "node:fs";
import { posix } from "node:path";
import * as sys from "../../../common/sys.ts";
import { errnoOf } from "../../../common/errno.ts";
import { conflict, invalidArg } from "../errors.ts";
import { SkiffError } from "../../../common/errors.ts";
import { readTar, setEntryXattrs, type TarEntry } from "../../archive/index.ts";
import { fdPath, isMountRoot, O_CLOEXEC, O_PATH, openat2 } from "./scoped-open.ts";

export interface ExtractOptions {
  /** The destination, absolute in the container and resolved already (symlinks followed in scope). */
  dest: string;
  /** Refuse to replace a directory with a non-directory and the other way round (docker's noOverwriteDirNonDir). */
  noOverwriteDirNonDir: boolean;
  /** Every entry owned by this uid/gid instead of the tar's. */
  owner?: { uid: number; gid: number };
}

const breakout = (name: string, dest: string, why: string) =>
  invalidArg("ENGINE_ARCHIVE_BREAKOUT", `extract archive: entry ${JSON.stringify(name.slice(0, 200))} is outside of ${JSON.stringify(dest)}${why}`, "the archive names a path that leads out of the directory it is extracted into; nothing after it was extracted", { entry: name });

/** The entry's path relative to the destination ("" for the destination itself), or a refusal. */
export function entryPath(dest: string, name: string): string {
  const rel = posix.normalize(`./${name.replace(/^\/+/, "")}`).replace(/\/+$/, "") || ".";
  if (rel === ".." || rel.startsWith("../") || name.includes("\0")) throw breakout(name, dest, "");
  return rel === "." ? "" : rel;
}

export async function extractTar(rootFd: number, input: AsyncIterable<Uint8Array>, o: ExtractOptions): Promise<number> {
  const destFd = openat2(rootFd, o.dest, O_PATH | constants.O_DIRECTORY);
  try {
    return await extractUnder(destFd, input, o);
  } finally {
    closeSync(destFd);
  }
}

async function extractUnder(destFd: number, input: AsyncIterable<Uint8Array>, o: ExtractOptions): Promise<number> {
  const dirTimes: { rel: string; mtime: sys.Timespec }[] = [];
  let count = 0;
  for await (const e of readTar(input, { what: "archive", code: "ENGINE_ARCHIVE", hints: { invalid: "send a tar archive (docker cp makes one)", truncated: "the archive was cut short: send it whole" } })) {
    const rel = entryPath(o.dest, e.name);
    if (rel === "") {
      if (e.type === "dir") dirTimes.push({ rel, mtime: e.mtime });
      continue; // the destination itself exists already
    }
    try {
      const parent = guarded(e.name, o.dest, () => openParent(destFd, posix.dirname(rel)));
      try {
        await writeEntry(destFd, parent, posix.basename(rel), e, o);
      } finally {
        closeSync(parent);
      }
    } catch (err) {
      throw entryFailed(e.name, err);
    }
    if (e.type === "dir") dirTimes.push({ rel, mtime: e.mtime });
    count++;
  }
  for (const d of dirTimes.reverse()) {
    try {
      const fd = openat2(destFd, d.rel || ".", O_PATH | constants.O_DIRECTORY | constants.O_NOFOLLOW, { under: true });
      try {
        sys.utimensat(fdPath(fd), d.mtime, d.mtime, { follow: true });
      } finally {
        closeSync(fd);
      }
    } catch {
      // removed or replaced meanwhile: its time does not matter
    }
  }
  return count;
}

/** A system error on an entry, named with it (EROFS passes: the caller words it). */
function entryFailed(name: string, err: unknown): unknown {
  const errno = errnoOf(err);
  if (!errno || errno === "EROFS" || !/^E[A-Z]+$/.test(errno) || err instanceof SkiffError) return err;
  const clientSide = ["ENOENT", "ENOTDIR", "EEXIST", "EISDIR", "ENOTEMPTY", "EINVAL", "ENAMETOOLONG"].includes(errno);
  return new SkiffError({ layer: "engine", code: "ENGINE_ARCHIVE_EXTRACT_FAILED", kind: clientSide ? "invalid_argument" : "internal", message: `extract archive: entry ${JSON.stringify(name.slice(0, 200))}: ${(err as Error).message}`, hint: clientSide ? "the archive does not fit what the container has at that path (a symlink to a missing directory, a file where a directory is needed)" : "check the daemon's data root (space, permissions)", cause: err, details: { entry: name, errno } });
}

/** `fn`'s EXDEV (a symlink out of the destination) and ELOOP as the breakout they are. */
function guarded<T>(name: string, dest: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (errnoOf(e) === "EXDEV" || errnoOf(e) === "ELOOP") throw breakout(name, dest, " (through a symlink)");
    throw e;
  }
}

/** The directory `rel` under the destination, made when missing (0755, root), as dockerd makes an entry's parents. */
function openParent(destFd: number, rel: string): number {
  if (rel === "." || rel === "") return openat2(destFd, ".", O_PATH | constants.O_DIRECTORY, { under: true });
  try {
    return openat2(destFd, rel, O_PATH | constants.O_DIRECTORY, { under: true });
  } catch (e) {
    if (errnoOf(e) !== "ENOENT") throw e;
  }
  const up = openParent(destFd, posix.dirname(rel));
  try {
    try {
      mkdirSync(fdPath(up, posix.basename(rel)), 0o755);
    } catch (e) {
      if (errnoOf(e) !== "EEXIST") throw e;
    }
    return openat2(up, posix.basename(rel), O_PATH | constants.O_DIRECTORY, { under: true });
  } finally {
    closeSync(up);
  }
}

async function writeEntry(destFd: number, parent: number, base: string, e: TarEntry, o: ExtractOptions): Promise<void> {
  const at = fdPath(parent, base);
  const uid = o.owner?.uid ?? e.uid;
  const gid = o.owner?.gid ?? e.gid;
  let existing: ReturnType<typeof lstatSync> | undefined;
  let throughMount = false;
  try {
    existing = lstatSync(at);
  } catch {
    existing = undefined;
  }
  if (existing) {
    const dirs = [existing.isDirectory(), e.type === "dir"];
    if (o.noOverwriteDirNonDir && dirs[0] !== dirs[1])
      throw invalidArg(
        "ENGINE_ARCHIVE_OVERWRITE",
        dirs[0] ? `cannot overwrite directory "${base}" with non-directory "${e.name}"` : `cannot overwrite non-directory "${base}" with directory "${e.name}"`,
        "remove what is in the way first, or copy to another path",
        { entry: e.name },
      );
    // a file onto a file that is a mount (the container's /etc/hosts, a -v FILE:FILE) is written
    // through, as a write in the container would be; removed, the mount would leave the container
    throughMount = e.type === "file" && existing.isFile() && isMountRoot(parent, base);
    if (!(dirs[0] && dirs[1]) && !throughMount) removeAt(parent, base, existing.isDirectory());
  }
  switch (e.type) {
    case "dir": {
      if (!existing?.isDirectory()) mkdirSync(at, 0o700);
      const fd = openat2(parent, base, constants.O_RDONLY | constants.O_DIRECTORY, { beneath: true });
      try {
        fchownSync(fd, uid, gid);
        fchmodSync(fd, e.mode & 0o7777);
      } finally {
        closeSync(fd);
      }
      return;
    }
    case "file": {
      const fd = throughMount
        ? openat2(parent, base, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW, { beneath: true })
        : openSync(at, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | O_CLOEXEC, 0o600);
      try {
        for await (const part of e.body()) for (let off = 0; off < part.byteLength; ) off += writeSync(fd, part, off);
        fchownSync(fd, uid, gid);
        setEntryXattrs(at, e.xattrs); // (`at`: one component under a descriptor, never followed)
        fchmodSync(fd, e.mode & 0o7777); // after chown, which clears setuid
        sys.futimens(fd, e.atime ?? e.mtime, e.mtime);
      } finally {
        closeSync(fd);
      }
      return;
    }
    case "symlink":
      symlinkSync(e.linkname, at);
      lchownSync(at, uid, gid);
      sys.utimensat(at, e.mtime, e.mtime);
      return;
    case "hardlink": {
      const target = entryPath(o.dest, e.linkname);
      if (!target) throw breakout(e.linkname, o.dest, " (a hardlink to the destination itself)");
      const tparent = guarded(e.linkname, o.dest, () => openat2(destFd, posix.dirname(target), O_PATH | constants.O_DIRECTORY, { under: true }));
      try {
        linkSync(fdPath(tparent, posix.basename(target)), at);
      } finally {
        closeSync(tparent);
      }
      return;
    }
    case "char":
    case "block":
    case "fifo": {
      const type = e.type === "char" ? sys.S_IFCHR : e.type === "block" ? sys.S_IFBLK : sys.S_IFIFO;
      sys.mknod(at, type | (e.mode & 0o7777), e.devmajor, e.devminor);
      lchownSync(at, uid, gid);
      sys.utimensat(at, e.mtime, e.mtime);
      return;
    }
  }
}

const mountInTheWay = (base: string) =>
  conflict("ENGINE_ARCHIVE_MOUNT_POINT", `extract archive: cannot replace ${JSON.stringify(base)}: a mount is there in the container (EBUSY)`, "a bind mount, volume or tmpfs is in the way: copy into the mounted directory, or a file onto a mounted file", { entry: base });

/** Removes what is at `base` under `dir`, a directory through descriptors only; a mount in the
 *  way (there, or below it in a directory) is refused, never unlinked. */
export function removeAt(dir: number, base: string, isDir: boolean): void {
  if (isMountRoot(dir, base)) throw mountInTheWay(base);
  if (!isDir) return unlinkSync(fdPath(dir, base));
  let fd: number;
  try {
    fd = openat2(dir, base, O_PATH | constants.O_DIRECTORY, { beneath: true });
  } catch (e) {
    if (errnoOf(e) === "ELOOP" || errnoOf(e) === "ENOTDIR") return unlinkSync(fdPath(dir, base)); // swapped for a non-directory meanwhile
    throw e;
  }
  try {
    for (const name of readdirSync(fdPath(fd))) removeAt(fd, name, lstatSync(fdPath(fd, name)).isDirectory());
  } finally {
    closeSync(fd);
  }
  rmdirSync(fdPath(dir, base));
}
