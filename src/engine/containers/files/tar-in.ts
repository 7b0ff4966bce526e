// Extracts a tar into a directory of a container (PUT /containers/{id}/archive), inside the
// container's root whatever the tar or the container holds.
//
// How nothing escapes:
// - An entry's name is taken relative to the destination: a leading "/" is dropped and ".." may
//   not climb above the destination (refused, as dockerd's "is outside of" breakout check).
// - Its parent directory is resolved with openat2(RESOLVE_IN_ROOT) from the container's root: a
//   symlink on the way (one the container had, or one an earlier entry made) is followed as the
//   container would see it, never out of the root. Missing parents are made one by one.
// - The entry itself is one component under that descriptor: created O_EXCL|O_NOFOLLOW, a
//   symlink is made and never followed, what stands in the way is removed through descriptors
//   (no path text re-resolved, so a swap meanwhile cannot redirect the removal).
// - A hardlink's target is resolved the same way, inside the root, and linked without following.
// Ownership: the tar's uid/gid, or `owner` for every entry (docker's copyUIDGID with a container
// user). Directory times are set once everything is written, as tar does.
import { closeSync, constants, fchmodSync, fchownSync, linkSync, lchownSync, lstatSync, mkdirSync, openSync, readdirSync, rmdirSync, symlinkSync, unlinkSync, writeSync } from "node:fs";
import { posix } from "node:path";
import * as sys from "../../../common/sys.ts";
import { errnoOf } from "../../../common/errno.ts";
import { invalidArg } from "../errors.ts";
import { readTar, type TarEntry } from "../../archive/index.ts";
import { fdPath, O_CLOEXEC, O_PATH, openat2 } from "./scoped-open.ts";

export interface ExtractOptions {
  /** The destination, absolute in the container and resolved already (symlinks followed in scope). */
  dest: string;
  /** Refuse to replace a directory with a non-directory and the other way round (docker's noOverwriteDirNonDir). */
  noOverwriteDirNonDir: boolean;
  /** Every entry owned by this uid/gid instead of the tar's. */
  owner?: { uid: number; gid: number };
}

/** The entry's path relative to the container root, or a refusal. */
export function entryPath(dest: string, name: string): string {
  const rel = posix.normalize(`./${name.replace(/^\/+/, "")}`);
  if (rel === ".." || rel.startsWith("../") || name.includes("\0"))
    throw invalidArg("ENGINE_ARCHIVE_BREAKOUT", `extract archive: entry ${JSON.stringify(name.slice(0, 200))} is outside of ${JSON.stringify(dest)}`, "the archive names a path above the directory it is extracted into; nothing after it was extracted", { entry: name });
  return posix.join(dest, rel);
}

export async function extractTar(rootFd: number, input: AsyncIterable<Uint8Array>, o: ExtractOptions): Promise<number> {
  const dirTimes: { path: string; mtime: sys.Timespec }[] = [];
  let count = 0;
  for await (const e of readTar(input, { what: "archive", code: "ENGINE_ARCHIVE", hints: { invalid: "send a tar archive (docker cp makes one)", truncated: "the archive was cut short: send it whole" } })) {
    const abs = entryPath(o.dest, e.name);
    if (abs === "/" || abs === o.dest) {
      if (e.type === "dir") dirTimes.push({ path: abs, mtime: e.mtime });
      continue; // the destination itself exists already
    }
    const parent = openParent(rootFd, posix.dirname(abs));
    try {
      await writeEntry(rootFd, parent, posix.basename(abs), e, o);
    } finally {
      closeSync(parent);
    }
    if (e.type === "dir") dirTimes.push({ path: abs, mtime: e.mtime });
    count++;
  }
  for (const d of dirTimes.reverse()) {
    try {
      const fd = openat2(rootFd, d.path, O_PATH | constants.O_DIRECTORY | constants.O_NOFOLLOW);
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

/** The directory `dir` (absolute in the container), made when missing (0755, root), as dockerd makes an entry's parents. */
function openParent(rootFd: number, dir: string): number {
  try {
    return openat2(rootFd, dir, O_PATH | constants.O_DIRECTORY);
  } catch (e) {
    if (errnoOf(e) !== "ENOENT" || dir === "/") throw e;
  }
  const up = openParent(rootFd, posix.dirname(dir));
  try {
    try {
      mkdirSync(fdPath(up, posix.basename(dir)), 0o755);
    } catch (e) {
      if (errnoOf(e) !== "EEXIST") throw e;
    }
    try {
      return openat2(up, posix.basename(dir), O_PATH | constants.O_DIRECTORY, { beneath: true });
    } catch (e) {
      // a symlink whose target does not exist in the container: not followed to make it
      if (errnoOf(e) === "ELOOP") throw invalidArg("ENGINE_ARCHIVE_DANGLING_LINK", `extract archive: ${dir} is a symlink to a directory that does not exist in the container`, "create the directory it points to first, or extract into the real path", { path: dir });
      throw e;
    }
  } finally {
    closeSync(up);
  }
}

async function writeEntry(rootFd: number, parent: number, base: string, e: TarEntry, o: ExtractOptions): Promise<void> {
  const at = fdPath(parent, base);
  const uid = o.owner?.uid ?? e.uid;
  const gid = o.owner?.gid ?? e.gid;
  let existing: ReturnType<typeof lstatSync> | undefined;
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
    if (!(dirs[0] && dirs[1])) removeAt(parent, base, existing.isDirectory());
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
      const fd = openSync(at, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | O_CLOEXEC, 0o600);
      try {
        for await (const part of e.body()) for (let off = 0; off < part.byteLength; ) off += writeSync(fd, part, off);
        fchownSync(fd, uid, gid);
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
      const tparent = openat2(rootFd, posix.dirname(target), O_PATH | constants.O_DIRECTORY);
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

/** Removes what is at `base` under `dir`, a directory through descriptors only. */
export function removeAt(dir: number, base: string, isDir: boolean): void {
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
