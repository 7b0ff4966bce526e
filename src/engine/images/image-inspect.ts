// The Docker Engine API's image shapes (GET /images/json, GET /images/{name}/json), built from
// the metadata record, the image config blob and the image's references. Pure.
import { familiarName } from "../../oci/image/reference.ts";
import type { ImageRecord } from "./image-metadata.ts";
import type { ImageInspect, ImageSummary } from "./service.ts";

export interface InspectInput {
  record: ImageRecord;
  /** The parsed JSON of the image config blob. */
  config: Record<string, unknown>;
  refs: { tags: string[]; digests: string[] };
  /** Snapshot fs dirs, topmost first. */
  layerDirs: string[];
}

/** The fields of docker's container.Config that its JSON always has (the others are omitempty). */
const CONFIG_DEFAULTS: Record<string, unknown> = {
  Hostname: "", Domainname: "", User: "", AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: false, OpenStdin: false, StdinOnce: false,
  Env: null, Cmd: null, Image: "", Volumes: null, WorkingDir: "", Entrypoint: null, OnBuild: null, Labels: null,
};

const object = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function toInspect({ record, config, refs, layerDirs }: InspectInput): ImageInspect {
  const rootfs = (config.rootfs ?? {}) as { diff_ids?: string[] };
  const data: Record<string, string> = {};
  if (layerDirs.length) {
    data.UpperDir = layerDirs[0]!;
    if (layerDirs.length > 1) data.LowerDir = layerDirs.slice(1).join(":");
  }
  return {
    Id: record.id,
    RepoTags: refs.tags.map(familiarName),
    RepoDigests: refs.digests.map(familiarName),
    Parent: "",
    Comment: typeof config.comment === "string" ? config.comment : "",
    Created: record.created,
    Container: typeof config.container === "string" ? config.container : "",
    // as dockerd at API 1.41: the config of the container the image was committed from (zero for others)
    ContainerConfig: { ...CONFIG_DEFAULTS, ...object(config.container_config) },
    DockerVersion: typeof config.docker_version === "string" ? config.docker_version : "",
    Author: typeof config.author === "string" ? config.author : "",
    Config: { ...CONFIG_DEFAULTS, ...object(config.config) },
    Architecture: typeof config.architecture === "string" ? config.architecture : "",
    ...(typeof config.variant === "string" && config.variant ? { Variant: config.variant } : {}),
    Os: typeof config.os === "string" ? config.os : "",
    ...(typeof config["os.version"] === "string" && config["os.version"] ? { OsVersion: config["os.version"] } : {}),
    Size: record.size,
    VirtualSize: record.size,
    GraphDriver: { Name: "overlay2", Data: data },
    RootFS: { Type: "layers", Layers: rootfs.diff_ids ?? [] },
    Metadata: { LastTagTime: record.lastTagTime },
  };
}

export function toSummary({ record, config, refs }: Omit<InspectInput, "layerDirs">): ImageSummary {
  const labels = ((config.config ?? {}) as { Labels?: Record<string, string> | null }).Labels ?? null;
  const created = Math.floor(Date.parse(record.created) / 1000);
  return {
    Id: record.id,
    ParentId: "",
    RepoTags: refs.tags.map(familiarName),
    RepoDigests: refs.digests.map(familiarName),
    Created: Number.isFinite(created) ? created : 0,
    Size: record.size,
    SharedSize: -1,
    VirtualSize: record.size,
    Labels: labels,
    Containers: -1,
  };
}
