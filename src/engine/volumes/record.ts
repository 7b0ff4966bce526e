// A volume as the engine keeps it (the API maps it to docker's Volume).
export interface VolumeRecord {
  name: string;
  /** Only "local" is served. */
  driver: "local";
  /** RFC 3339, seconds (dockerd's CreatedAt). */
  created: string;
  /** null when created without (dockerd answers null then, {} for a volume a container made). */
  labels: Record<string, string> | null;
  options: Record<string, string> | null;
  /** Made for a container without a name given (-v /path, an image's VOLUME): prune and rm -v take these. */
  anonymous: boolean;
}
