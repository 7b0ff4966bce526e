// Bind propagation as dockerd sets it (-v SRC:DST:rshared, --mount bind-propagation=…): the bind
// gets the mode (rprivate when none is given), a shared one makes the container's root shared and
// a slave one rslave (unless already shared), and, at start, a shared bind needs its source's mount
// (the host mount its path is on, from /proc/self/mountinfo) to be shared, a slave one shared or
// slave, refused in dockerd's words otherwise. Pure but for the file read by the caller.
import { realpathSync } from "node:fs";

export const PROPAGATIONS = ["private", "rprivate", "shared", "rshared", "slave", "rslave"];

const isShared = (p: string | undefined) => p === "shared" || p === "rshared";
const isSlave = (p: string | undefined) => p === "slave" || p === "rslave";

/** linux.rootfsPropagation for these binds' modes, as dockerd: shared, rslave, or none (the default). */
export function rootPropagationFor(propagations: readonly (string | undefined)[]): string | undefined {
  if (propagations.some(isShared)) return "shared";
  if (propagations.some(isSlave)) return "rslave";
  return undefined;
}

/** mountinfo's octal escapes (\040 for a space) undone. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The mount `path` (real, absolute) is on: the longest mount point that holds it, and its optional fields (shared:N, master:N). */
export function sourceMount(mountinfo: string, path: string): { mountPoint: string; optional: string[] } | undefined {
  let best: { mountPoint: string; optional: string[] } | undefined;
  for (const line of mountinfo.split("\n")) {
    const f = line.split(" ");
    const dash = f.indexOf("-");
    if (f.length < 7 || dash < 6) continue;
    const mp = unescape(f[4]!);
    if (path !== mp && !path.startsWith(mp === "/" ? "/" : `${mp}/`)) continue;
    // the later of two mounts on one point is the one on top
    if (!best || mp.length >= best.mountPoint.length) best = { mountPoint: mp, optional: f.slice(6, dash) };
  }
  return best;
}

/** dockerd's refusal of a bind's propagation given the mounts of the host, or undefined. */
export function propagationProblem(propagation: string | undefined, source: string, mountinfo: string, real: (p: string) => string = realpathSync): string | undefined {
  if (!isShared(propagation) && !isSlave(propagation)) return undefined;
  let path: string;
  try {
    path = real(source);
  } catch {
    path = source;
  }
  const m = sourceMount(mountinfo, path);
  if (!m) return `could not find the mount of ${source}`;
  const shared = m.optional.some((o) => o.startsWith("shared:"));
  if (isShared(propagation) && !shared) return `path ${source} is mounted on ${m.mountPoint} but it is not a shared mount`;
  if (isSlave(propagation) && !shared && !m.optional.some((o) => o.startsWith("master:"))) return `path ${source} is mounted on ${m.mountPoint} but it is not a shared or slave mount`;
  return undefined;
}
