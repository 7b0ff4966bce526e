// Which of a container's mounts (binds, volumes, tmpfs) holds a path, for the copies that need to
// know: a write under a read-only one is refused in dockerd's words ("mounted volume is marked
// read-only", and "container rootfs is marked read-only" outside any mount of a --read-only
// container); and a stopped container has none of them mounted, so its bind mounts are reached
// at their host source and its volumes at theirs (mounted for the copy when they have driver
// options), as dockerd mounts them for cp. Pure.
import { posix } from "node:path";
import type { ContainerRecord } from "../record.ts";

export interface MountAt {
  kind: "bind" | "volume" | "tmpfs";
  destination: string;
  /** A bind's host path. */
  source?: string;
  /** A volume's name. */
  name?: string;
  readOnly: boolean;
  /** The path below the mount's destination ("/" for the destination itself). */
  rest: string;
}

/** The innermost mount of `r` that holds the absolute, cleaned `path`. */
export function mountAt(r: ContainerRecord, path: string): MountAt | undefined {
  const o = r.options;
  const all: Omit<MountAt, "rest">[] = [
    ...(o.binds ?? []).map((b) => ({ kind: "bind" as const, destination: b.destination, source: b.source, readOnly: b.readOnly })),
    ...(o.volumes ?? []).map((v) => ({ kind: "volume" as const, destination: v.destination, name: v.name, readOnly: v.readOnly })),
    ...(o.tmpfs ?? []).map((t) => ({ kind: "tmpfs" as const, destination: t.destination, readOnly: false })),
  ];
  let best: MountAt | undefined;
  for (const m of all) {
    const d = posix.normalize(m.destination).replace(/(.)\/+$/, "$1");
    if (path !== d && !path.startsWith(d === "/" ? "/" : `${d}/`)) continue;
    if (best && best.destination.length >= d.length) continue;
    best = { ...m, destination: d, rest: path === d ? "/" : path.slice(d.length) };
  }
  return best;
}

/** dockerd's refusal of a copy into `dest` of `r`, or undefined when it may be written. */
export function writeRefusal(r: ContainerRecord, dest: string): string | undefined {
  const m = mountAt(r, dest);
  if (m) return m.readOnly ? "mounted volume is marked read-only" : undefined;
  return r.options.readOnly ? "container rootfs is marked read-only" : undefined;
}
