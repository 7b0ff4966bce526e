// What a container's Config holds beyond its image's, as dockerd reports it (inspect's
// Config.ExposedPorts and Config.Volumes) and commits it into a new image: the ports it exposes and
// the volume paths its config names.
import type { ContainerRecord } from "./record.ts";

/** The ports the container exposes: the image's and --expose's, and those -p publishes. */
export function exposedPorts(r: ContainerRecord): string[] {
  return [...new Set([...r.imageConfig.ExposedPorts, ...(r.options.exposedPorts ?? []), ...Object.keys(r.options.portBindings ?? {})])];
}

/** The volume paths of the container's Config: the image's VOLUMEs and the anonymous volumes named by a path alone (-v /data). */
export function configVolumePaths(r: ContainerRecord): string[] {
  return [...new Set([...r.imageConfig.Volumes, ...(r.options.volumes ?? []).filter((v) => v.origin === "config" || (v.origin === "binds" && v.anonymous)).map((v) => v.destination)])];
}
