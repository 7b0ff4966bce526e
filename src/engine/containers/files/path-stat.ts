// A path in a container as docker's archive endpoints take it, resolved inside the container's
// root (scoped-open.ts), and its stat as the X-Docker-Container-Path-Stat header carries it.
//
// As dockerd's ResolvePath: the path is absolute in the container ("etc" is "/etc"); its directory
// is resolved with every symlink followed in the container's scope, its last component is not
// (a symlink is reported as itself, with its target), unless the path ends in "/" or "/.".
import { lstatSync, readlinkSync, type Stats } from "node:fs";
import { posix } from "node:path";
import { constants } from "node:fs";
import { errnoOf } from "../../../common/errno.ts";
import { fdPath, O_PATH, openat2, statAt, statAtBig, withFd } from "./scoped-open.ts";

/** docker's container.PathStat: mode is Go's os.FileMode; mtime RFC 3339 with nanoseconds. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** A path resolved in a root: its parent directory (an O_PATH fd: the caller closes it) and last component ("" for the root itself). */
export interface Resolved {
  parent: number;
  base: string;
  /** The path as docker shows it: absolute, cleaned, with a trailing "/." or "/" kept. */
  absPath: string;
  /** Where single-component calls reach the object. */
  path: string;
}

/** "/a/b/." stays "/a/b/.", "a//b/" is "/a/b/", ".." cannot climb over "/". */
export function absolutePath(path: string): string {
  const clean = posix.normalize(`/${path}`).replace(/\/+$/, "") || "/";
  if (clean === "/") return "/";
  if (path.endsWith("/.")) return `${clean}/.`;
  if (path.endsWith("/")) return `${clean}/`;
  return clean;
}

/** Resolves `path` under the root `rootFd` (see the header); throws node:fs-shaped errors (ENOENT, ENOTDIR: also for a
 * path ending in "/" or "/." that names a file). */
export function resolvePath(rootFd: number, path: string, opts: { follow?: boolean } = {}): Resolved {
  const absPath = absolutePath(path);
  const followLast = opts.follow || absPath.endsWith("/") || absPath.endsWith("/.");
  const clean = absPath.replace(/\/\.?$/, "") || "/";
  if (followLast || clean === "/") {
    // the whole path, symlinks included, in scope: the object itself is the "parent" and has no base;
    // a trailing "/" or "/." names a directory (ENOTDIR for a file, as the kernel answers "file/")
    const fd = openat2(rootFd, clean, O_PATH | (absPath !== clean && clean !== "/" ? constants.O_DIRECTORY : 0));
    return { parent: fd, base: "", absPath, path: fdPath(fd) };
  }
  const parent = openat2(rootFd, posix.dirname(clean), O_PATH | constants.O_DIRECTORY);
  const base = posix.basename(clean);
  return { parent, base, absPath, path: fdPath(parent, base) };
}

/** Go's os.FileMode bits for a stat's type and permissions. */
export function goFileMode(st: Stats): number {
  let m = st.mode & 0o777;
  if (st.mode & 0o4000) m |= 1 << 23; // setuid
  if (st.mode & 0o2000) m |= 1 << 22; // setgid
  if (st.mode & 0o1000) m |= 1 << 20; // sticky
  if (st.isDirectory()) m |= 1 << 31;
  else if (st.isSymbolicLink()) m |= 1 << 27;
  else if (st.isFIFO()) m |= 1 << 25;
  else if (st.isSocket()) m |= 1 << 24;
  else if (st.isCharacterDevice()) m |= (1 << 26) | (1 << 21);
  else if (st.isBlockDevice()) m |= 1 << 26;
  return m >>> 0;
}

/** Nanosecond RFC 3339 in UTC, as Go marshals a time. */
export function rfc3339Nano(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${new Date(Number(sec) * 1000).toISOString().slice(0, 19)}${frac ? `.${frac}` : ""}Z`;
}

/**
 * The final target of the symlink at `absPath`, as an absolute path in the container, following
 * each link in scope (at most 40, as the kernel); only link texts are read on the way.
 */
export function linkTargetInScope(rootFd: number, absPath: string): string {
  let current = absPath;
  for (let hops = 0; hops < 40; hops++) {
    const dir = posix.dirname(current);
    const base = posix.basename(current);
    let text: string | undefined;
    try {
      text = withFd(openat2(rootFd, dir, O_PATH | constants.O_DIRECTORY), (fd) => (lstatSync(fdPath(fd, base)).isSymbolicLink() ? readlinkSync(fdPath(fd, base)) : undefined));
    } catch (e) {
      if (errnoOf(e) === "ENOENT" || errnoOf(e) === "ENOTDIR") return current;
      throw e;
    }
    if (text === undefined) return current;
    current = posix.normalize(text.startsWith("/") ? text : `${dir}/${text}`);
  }
  return current;
}

/** The stat docker's HEAD and GET archive report for a resolved path. */
export function pathStat(rootFd: number, r: Resolved): { stat: PathStat; st: Stats } {
  const st = statAt(r.parent, r.base);
  const ns = statAtBig(r.parent, r.base).mtimeNs;
  const clean = r.absPath.replace(/\/\.?$/, "") || "/";
  return {
    st,
    stat: {
      name: posix.basename(r.absPath) || "/",
      size: st.size,
      mode: goFileMode(st),
      mtime: rfc3339Nano(ns),
      linkTarget: st.isSymbolicLink() ? linkTargetInScope(rootFd, clean) : "",
    },
  };
}
