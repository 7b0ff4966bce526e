// The volume options of a container (docker run -v NAME:/ctr, -v /ctr, --mount type=volume,
// --volumes-from, and the image's VOLUMEs), as the create body gives them and as the engine keeps
// them once create has made or found each volume (name and source filled).

/** A volume a container mounts. */
export interface VolumeMount {
  /** The volume's name; "" asks create for a new anonymous one (64 hex digits). */
  name: string;
  destination: string;
  readOnly: boolean;
  /** nocopy: the image's content is not copied into a new, empty volume at its first use. */
  noCopy?: boolean;
  /** Made for this container, no name given: rm -v and --rm remove it with the container. */
  anonymous?: boolean;
  /** Where it was asked for: HostConfig.Binds, HostConfig.Mounts, Config.Volumes, the image's config, --volumes-from. */
  origin: "binds" | "mounts" | "config" | "image" | "from";
  /** inspect's Mode: what -v gave after the second colon ("ro", "rw,nocopy"), else "z"; "" for an anonymous -v /ctr or an image's VOLUME. */
  mode: string;
  /** --mount's volume-opt=… and volume-label=…, for a volume that create makes. */
  driverOptions?: Record<string, string>;
  labels?: Record<string, string>;
  /** The host path of the volume's content (its _data), filled at create. */
  source?: string;
}

/** `--volumes-from CONTAINER[:ro|rw]`: the other container's volumes and binds, read-only or read-write as given, else as they are there. */
export interface VolumesFrom {
  container: string;
  mode: "" | "ro" | "rw";
}
