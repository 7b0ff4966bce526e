// HOME for a process whose env has none, from the /etc/passwd the container will see (as runc
// reads it inside the container): a bind mount over /etc/passwd or /etc wins over the rootfs, and a
// masked one (linux.maskedPaths, applied after the mounts) reads empty.
import { lstatSync, readFileSync, readlinkSync } from "node:fs";
import { isAbsolute, join, posix } from "node:path";
import type { Mount } from "../oci/runtime-config.ts";

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

function passwdFile(rootfs: string, mounts: readonly Mount[], bundle: string, masked: readonly string[]): string | undefined {
  if (masked.some((p) => ["/etc/passwd", "/etc", "/"].includes(posix.normalize(posix.join("/", p)).replace(/(.)\/$/, "$1")))) return undefined;
  for (const m of [...mounts].reverse()) {
    const dest = posix.normalize(posix.join("/", m.destination));
    if (dest !== "/etc/passwd" && dest !== "/etc" && dest !== "/") continue;
    const bind = m.type === "bind" || m.options.includes("bind") || m.options.includes("rbind");
    if (!bind || !m.source) return undefined;
    const source = isAbsolute(m.source) ? m.source : join(bundle, m.source);
    return dest === "/etc/passwd" ? source : join(source, dest === "/" ? "etc/passwd" : "passwd");
  }
  return resolveInRoot(rootfs, "etc/passwd");
}

export function homeOf(rootfs: string, uid: number, mounts: readonly Mount[] = [], bundle = "/", masked: readonly string[] = []): string {
  const file = passwdFile(rootfs, mounts, bundle, masked);
  if (!file) return "/";
  try {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const f = line.split(":");
      if (f.length >= 6 && f[2] !== "" && Number(f[2]) === uid) return f[5] || "/";
    }
  } catch {}
  return "/";
}
