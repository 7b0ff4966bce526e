// The mounts at or below a directory of ours, found in this mount namespace and taken away. A
// directory about to be removed or mounted on again must have none: a mount left under it makes
// the removal fail (EBUSY) or, worse, fail silently (see unmountUnder), and a second overlay mounted
// over a first one on the same upper and work dirs is undefined behaviour in overlayfs, the first
// outliving everything once the second is unmounted.
import { readFileSync, realpathSync } from "node:fs";
import { MNT_DETACH, umount } from "./sys.ts";

/** The mount points at or below `dir`, in mount order (/proc/self/mountinfo, octal escapes undone);
 *  a point mounted on twice is listed twice. */
export function mountsUnder(dir: string): string[] {
  const text = readFileSync("/proc/self/mountinfo", "utf8");
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const point = line.split(" ")[4];
    if (!point) continue;
    const p = point.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (p === dir || p.startsWith(`${dir}/`)) out.push(p);
  }
  return out;
}

/**
 * Detaches every mount at or below `dir`, the last made first (a stack on one point comes off one
 * mount per call), until none is left; returns the points detached. A mount that will not go is
 * an error: the caller must not go on as if the directory were free.
 *
 * Why this matters before rmSync: Bun's rmSync(dir, { recursive, force }) walking into an overlay
 * whose upper or work dir is gone meets ENOENT, which `force` swallows; it then returns as if it
 * had removed everything, having removed nothing.
 */
export function unmountUnder(path: string): string[] {
  let dir = path;
  try {
    dir = realpathSync(path); // mountinfo names points by their real path
  } catch {}
  const done: string[] = [];
  for (let round = 0; round < 8; round++) {
    const points = mountsUnder(dir);
    if (!points.length) return done;
    for (const p of points.reverse()) {
      try {
        umount(p, MNT_DETACH);
        done.push(p);
      } catch (e) {
        if ((e as { code?: string }).code !== "EINVAL") throw e; // EINVAL: gone with its parent
      }
    }
  }
  const left = mountsUnder(dir);
  if (left.length) throw Object.assign(new Error(`mounts stay under ${dir}: ${left.join(", ")}`), { code: "EBUSY", path: dir });
  return done;
}
