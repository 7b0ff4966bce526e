// Volumes as docker's wire types (API 1.41): the Volume of /volumes (inspect, list, create), and a
// container's volume parts of inspect (Mounts of type volume, the named volumes among
// HostConfig.Binds, Config.Volumes, HostConfig.VolumesFrom), in dockerd's shapes.
import { configVolumePaths, type ContainerRecord } from "../../engine/containers/index.ts";
import type { VolumeView } from "../../engine/volumes/index.ts";

/** dockerd's nil map: no labels or options (docker's CLI sends {} for none) are null, not {}. */
const orNull = (m: Record<string, string> | null): Record<string, string> | null => (m && Object.keys(m).length ? m : null);

export function volumeJson(v: VolumeView): Record<string, unknown> {
  return { CreatedAt: v.created, Driver: v.driver, Labels: orNull(v.labels), Mountpoint: v.mountpoint, Name: v.name, Options: orNull(v.options), Scope: "local" };
}

/** A bind's mode words as -v gives them: "ro", "rshared", "ro,rslave" or "". */
const bindMode = (b: { readOnly: boolean; propagation?: string }) => [...(b.readOnly ? ["ro"] : []), ...(b.propagation ? [b.propagation] : [])].join(",");

/** inspect's Mounts: the binds (rprivate unless given), then the volumes (Mode as given, no propagation), as dockerd lists them. */
export function mountsJson(r: ContainerRecord): Record<string, unknown>[] {
  return [
    ...(r.options.binds ?? []).map((b) => ({ Type: "bind", Source: b.source, Destination: b.destination, Mode: bindMode(b), RW: !b.readOnly, Propagation: b.propagation ?? "rprivate" })),
    ...(r.options.volumes ?? []).map((v) => ({ Type: "volume", Name: v.name, Source: v.source ?? "", Destination: v.destination, Driver: "local", Mode: v.mode, RW: !v.readOnly, Propagation: "" })),
    // --mount type=tmpfs (not --tmpfs), as dockerd lists it
    ...(r.options.tmpfs ?? []).filter((t) => t.fromMounts).map((t) => ({ Type: "tmpfs", Source: "", Destination: t.destination, Mode: "", RW: !t.options.split(",").includes("ro"), Propagation: "" })),
  ];
}

/** HostConfig.Binds: the -v host binds and the -v NAME:/ctr volumes, as the client gave them (--mount's are in HostConfig.Mounts). */
export function bindsJson(r: ContainerRecord): string[] | null {
  const out = [
    ...(r.options.binds ?? []).filter((b) => !b.fromMounts).map((b) => `${b.source}:${b.destination}${bindMode(b) ? `:${bindMode(b)}` : ""}`),
    ...(r.options.volumes ?? []).filter((v) => v.origin === "binds" && !v.anonymous).map((v) => `${v.name}:${v.destination}${v.mode && v.mode !== "z" ? `:${v.mode}` : ""}`),
  ];
  return out.length ? out : null;
}

/** Config.Volumes: the image's VOLUMEs and the client's -v /ctr. */
export function configVolumesJson(r: ContainerRecord): Record<string, Record<string, never>> | null {
  const paths = configVolumePaths(r);
  return paths.length ? Object.fromEntries(paths.map((p) => [p, {}])) : null;
}

export const volumesFromJson = (r: ContainerRecord): string[] | null => (r.options.volumesFrom?.length ? r.options.volumesFrom.map((f) => (f.mode ? `${f.container}:${f.mode}` : f.container)) : null);
