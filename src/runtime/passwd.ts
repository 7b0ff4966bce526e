// HOME for a process whose env has none, from the /etc/passwd the container will see (as runc
// reads it inside the container): a bind mount over /etc/passwd or /etc wins over the rootfs, and a
// masked one (linux.maskedPaths, applied after the mounts) reads empty.
import { closeSync, constants, lstatSync, openSync, readFileSync, readlinkSync } from "node:fs";
import { isAbsolute, join, posix } from "node:path";
import type { Mount } from "../oci/runtime-config.ts";
import { lookupLower } from "../common/overlay-lookup.ts";
import type { RootfsMount } from "./plan/build.ts";

/** The host path of `rel` inside `root`, following symlinks as if root were "/". */
export function resolveInRoot(root: string, rel: string): string {
  const done: string[] = [];
  let todo = rel.split("/").filter(Boolean);
  for (let links = 0; todo.length; ) {
    const name = todo.shift()!;
    if (name === ".") continue;
    if (name === "..") {
      done.pop();
      continue;
    }
    const path = join(root, ...done, name);
    let target: string | undefined;
    try {
      if (lstatSync(path).isSymbolicLink()) target = readlinkSync(path);
    } catch {}
    if (target === undefined) {
      done.push(name);
      continue;
    }
    if (++links > 40) break;
    if (target.startsWith("/")) done.length = 0;
    todo = [...target.split("/").filter(Boolean), ...todo];
  }
  return join(root, ...done);
}

/** The layers of the engine's rootfs mount, topmost first: the upper dir, then the lowers (a bind: its source). */
export function mountLayers(m: RootfsMount): string[] {
  if (m.data === "bind" || m.fstype === "none" || m.fstype === "bind") return [m.source];
  const opts = new Map(m.data.split(",").map((o) => [o.slice(0, o.indexOf("=")), o.slice(o.indexOf("=") + 1)] as const));
  const dirs = [...(opts.get("upperdir") ? [opts.get("upperdir")!] : []), ...(opts.get("lowerdir") ?? "").split(":").filter(Boolean)];
  return dirs.map((d) => (isAbsolute(d) || !m.cwd ? d : join(m.cwd, d)));
}

/**
 * The host path of `rel` as an overlay of `layers` (topmost first) shows it (common/overlay-lookup's
 * merge, each component looked up in turn), its symlinks followed within the merged tree as if it
 * were "/"; undefined when absent, whited out or past 40 links.
 */
export function overlayPath(layers: readonly string[], rel: string, links = 0): string | undefined {
  const parts = rel.split("/").filter((p) => p && p !== ".");
  for (let i = 0; i < parts.length; i++) {
    const hit = lookupLower(layers, parts.slice(0, i + 1).join("/"));
    if (!hit) return undefined;
    if (hit.stat.isSymbolicLink()) {
      if (links >= 40) return undefined;
      const target = readlinkSync(hit.path);
      const base = target.startsWith("/") ? [] : parts.slice(0, i);
      return overlayPath(layers, posix.normalize(posix.join("/", ...base, target, ...parts.slice(i + 1))), links + 1);
    }
    if (i === parts.length - 1) return hit.path;
    if (!hit.stat.isDirectory()) return undefined;
  }
  return undefined;
}

/** Where the container's /etc/passwd is on the host, and whether it is the container's own file
 *  (which it may swap for a symlink: not followed) rather than a bind's source. */
function passwdFile(rootfs: string, mounts: readonly Mount[], bundle: string, masked: readonly string[], rootfsMount?: RootfsMount): { path: string; own: boolean } | undefined {
  if (masked.some((p) => ["/etc/passwd", "/etc", "/"].includes(posix.normalize(posix.join("/", p)).replace(/(.)\/$/, "$1")))) return undefined;
  for (const m of [...mounts].reverse()) {
    const dest = posix.normalize(posix.join("/", m.destination));
    if (dest !== "/etc/passwd" && dest !== "/etc" && dest !== "/") continue;
    const bind = m.type === "bind" || m.options.includes("bind") || m.options.includes("rbind");
    if (!bind || !m.source) return undefined;
    const source = isAbsolute(m.source) ? m.source : join(bundle, m.source);
    return { path: dest === "/etc/passwd" ? source : join(source, dest === "/" ? "etc/passwd" : "passwd"), own: false };
  }
  // (the engine's rootfs is mounted inside the container's namespace only: read its layers)
  const path = rootfsMount ? overlayPath(mountLayers(rootfsMount), "etc/passwd") : resolveInRoot(rootfs, "etc/passwd");
  return path === undefined ? undefined : { path, own: true };
}

export function homeOf(rootfs: string, uid: number, mounts: readonly Mount[] = [], bundle = "/", masked: readonly string[] = [], rootfsMount?: RootfsMount): string {
  const file = passwdFile(rootfs, mounts, bundle, masked, rootfsMount);
  if (!file) return "/";
  try {
    // (not following a symlink put there since it was resolved: the container may change its files)
    // (and never waiting on a FIFO planted there)
    const fd = openSync(file.path, constants.O_RDONLY | constants.O_NONBLOCK | (file.own ? constants.O_NOFOLLOW : 0));
    let text: string;
    try {
      text = readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
    for (const line of text.split("\n")) {
      const f = line.split(":");
      if (f.length >= 6 && f[2] !== "" && Number(f[2]) === uid) return f[5] || "/";
    }
  } catch {}
  return "/";
}
