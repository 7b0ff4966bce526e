// A tar of what a path in a container holds (GET /containers/{id}/archive, export), read through
// descriptors under the container's root so that no symlink in it is ever followed: each directory
// is opened from its parent's descriptor with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS (a directory a
// container process swaps for a symlink meanwhile is skipped, not followed), each file with
// O_NOFOLLOW|O_NONBLOCK (a FIFO put in a file's place cannot block the daemon).
//
// Names, as dockerd's archive writes them (compared with Debian's dockerd): the object itself is
// `rebase` ("etc", "etc/" for a directory) and what it holds "etc/passwd"; with `rebase` "." the
// directory is "./" and its entries "./passwd"; with "/" (the container's root) "/" and "/bin/";
// with "" (export) the root has no entry of its own and its entries no prefix.
// A file is stored once and its other names (same inode) as hardlinks to it. Sockets are left
// out, as docker leaves them. With `overlay` (commit), an upper dir's whiteouts (char 0:0) become
// ".wh.NAME" entries and its opaque directories a ".wh..wh..opq" entry, as OCI layers have them. A file that changes size while read is cut or zero-filled to the
// size its header announced, so the archive stays well-formed.
import { closeSync, constants, lstatSync, openSync, readdirSync, readlinkSync, readSync, statfsSync, type Stats } from "node:fs";
import { tarEntry, tarPadding, tarTrailer, type TarWriteEntry } from "../../archive/index.ts";
import { fdPath, O_CLOEXEC, O_PATH, openat2, statAt } from "./scoped-open.ts";
import { isOpaque } from "../../snapshots/index.ts";
import * as sys from "../../../common/sys.ts";
import { isInitPlaceholder } from "./init-paths.ts";
import { batches } from "../../../common/coalesce.ts";

const CHUNK = 1 << 20;

interface Walk {
  links: Map<string, string>;
  /** An overlayfs upper dir read as an OCI layer (commit): whiteouts become ".wh." entries. */
  overlay: boolean;
}

/** Whether a directory under `dir` is empty. */
function emptyDir(dir: number, name: string): boolean {
  try {
    return readdirSync(fdPath(dir, name)).length === 0;
  } catch {
    return false;
  }
}

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE = ".wh..wh..opq";

/** Chunks go out in batches of this much or more (or alone when one is as big). */
const BATCH = 256 << 10;

/**
 * The tar of the object at `path` (a single-component path under an O_PATH descriptor, see
 * Resolved.path), in chunks of 256 KiB or more. The walk itself is synchronous (its I/O is) and
 * hands its pieces (headers, bodies, paddings) on without a promise each: a commit of 10,000
 * small files spent most of its time passing three pieces a file through nested async
 * generators. The event loop gets a turn between batches.
 */
export async function* tarOut(path: { parent: number; base: string }, rebase: string, opts: { overlay?: boolean } = {}): AsyncGenerator<Uint8Array> {
  const pieces = tarPieces(path, rebase, opts);
  try {
    for (const batch of batches(pieces, BATCH)) yield batch;
  } finally {
    pieces.return(undefined); // closes the directories still open when the reader stopped early
  }
}

function* tarPieces(path: { parent: number; base: string }, rebase: string, opts: { overlay?: boolean }): Generator<Uint8Array> {
  const walk: Walk = { links: new Map(), overlay: opts.overlay ?? false };
  const st = statAt(path.parent, path.base);
  const rootName = rebase;
  if (st.isDirectory()) {
    const dir = openat2(path.parent, path.base || ".", O_PATH | constants.O_DIRECTORY, { beneath: true });
    // "etc" → "etc/", "etc/passwd"; "." → "./", "./passwd"; "/" → "/", "/bin/"; "" → "bin/"
    const prefix = rootName === "" ? "" : rootName.endsWith("/") ? rootName : `${rootName}/`;
    try {
      if (rootName !== "") yield tarEntry(header(prefix, st, ""));
      yield* tarDir(dir, prefix, walk);
    } finally {
      closeSync(dir);
    }
  } else if (path.base) {
    yield* tarObject(path.parent, path.base, rootName || path.base, st, walk);
  }
  yield tarTrailer();
}

function* tarDir(dir: number, prefix: string, walk: Walk): Generator<Uint8Array> {
  let names: string[];
  try {
    names = readdirSync(fdPath(dir)).sort();
  } catch {
    return; // removed meanwhile
  }
  for (const name of names) {
    let st: Stats;
    try {
      st = lstatSync(fdPath(dir, name));
    } catch {
      continue; // removed meanwhile
    }
    if (walk.overlay && isInitPlaceholder(`${prefix}${name}`, st, () => emptyDir(dir, name))) continue;
    if (st.isDirectory()) {
      let child: number;
      try {
        child = openat2(dir, name, O_PATH | constants.O_DIRECTORY, { beneath: true });
      } catch {
        continue; // replaced by something else (a symlink) meanwhile: not followed
      }
      try {
        yield tarEntry(header(`${prefix}${name}/`, st, ""));
        if (isKernelFs(child)) continue; // /proc, /sys, /dev of a running container: the mount point only
        // an opaque directory hides the lowers' content: the OCI marker goes first in it
        if (walk.overlay && isOpaque(fdPath(dir, name))) yield tarEntry({ name: `${prefix}${name}/${OPAQUE}`, type: "file", mode: 0, mtime: { sec: 0, nsec: 0 } });
        yield* tarDir(child, `${prefix}${name}/`, walk);
      } finally {
        closeSync(child);
      }
    } else yield* tarObject(dir, name, `${prefix}${name}`, st, walk);
  }
}

/**
 * The file systems whose content is none of an archive's business: the kernel's (proc, sysfs,
 * devpts, mqueue, cgroup, securityfs …) and tmpfs (/dev, /dev/shm, --tmpfs). A running container
 * is read through its own mount namespace, which has them; dockerd archives the container's
 * rootfs with its volumes and without these, so their mount points go in empty, as there.
 */
const KERNEL_FS = new Set([0x9fa0, 0x62656572, 0x1cd1, 0x19800202, 0x27e0eb, 0x63677270, 0x73636673, 0x64626720, 0x74726163, 0x01021994, 0x42494e4d, 0xcafe4a11, 0x6e736673, 0x858458f6]);

function isKernelFs(dir: number): boolean {
  try {
    return KERNEL_FS.has(Number(statfsSync(fdPath(dir)).type));
  } catch {
    return true; // unreadable: not descended into
  }
}

function* tarObject(dir: number, name: string, entryName: string, st: Stats, walk: Walk): Generator<Uint8Array> {
  if (st.isSocket()) return;
  if (walk.overlay && st.isCharacterDevice() && st.rdev === 0) {
    const at = entryName.lastIndexOf("/") + 1;
    yield tarEntry({ name: `${entryName.slice(0, at)}${WHITEOUT_PREFIX}${entryName.slice(at)}`, type: "file", mode: 0, mtime: { sec: 0, nsec: 0 } });
    return;
  }
  if (st.isSymbolicLink()) {
    yield tarEntry(header(entryName, st, readlinkSync(fdPath(dir, name))));
    return;
  }
  if (!st.isFile()) {
    yield tarEntry(header(entryName, st, ""));
    return;
  }
  if (st.nlink > 1) {
    const key = `${st.dev}:${st.ino}`;
    const first = walk.links.get(key);
    if (first !== undefined) {
      yield tarEntry({ ...header(entryName, st, ""), type: "hardlink", linkname: first });
      return;
    }
    walk.links.set(key, entryName);
  }
  let fd: number;
  try {
    fd = openSync(fdPath(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | O_CLOEXEC);
  } catch {
    return; // replaced or removed meanwhile
  }
  try {
    // a file's capabilities (ping's cap_net_raw) travel with it, as in dockerd's archives
    let caps: Buffer | undefined;
    try {
      caps = sys.lgetxattr(fdPath(dir, name), "security.capability");
    } catch {
      caps = undefined; // a file system without xattrs
    }
    yield tarEntry({ ...header(entryName, st, ""), size: st.size, ...(caps ? { xattrs: new Map([["security.capability", caps]]) } : {}) });
    let left = st.size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
      let n = 0;
      try {
        n = readSync(fd, buf, 0, buf.byteLength, null);
      } catch {
        n = 0;
      }
      if (n === 0) {
        buf.fill(0); // the file shrank: zeros up to the announced size
        n = buf.byteLength;
      }
      left -= n;
      yield n === buf.byteLength ? buf : buf.subarray(0, n);
    }
    yield tarPadding(st.size);
  } finally {
    closeSync(fd);
  }
}

function header(name: string, st: Stats, linkname: string): TarWriteEntry {
  const type: TarWriteEntry["type"] = st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : st.isFIFO() ? "fifo" : st.isCharacterDevice() ? "char" : st.isBlockDevice() ? "block" : "file";
  const device = type === "char" || type === "block";
  return {
    name,
    type,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtime: { sec: Math.floor(st.mtimeMs / 1000), nsec: 0 },
    linkname,
    ...(device ? { devmajor: Math.floor(st.rdev / 256) & 0xfff, devminor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00) } : {}),
  };
}
