// The media types an engine meets in the OCI image spec and Docker's schema 2, and what each means.
import { invalid } from "../../common/errors.ts";

export const MEDIA = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  ociForeignLayer: "application/vnd.oci.image.layer.nondistributable.v1.tar",
  ociForeignLayerGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  ociForeignLayerZstd: "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerForeignLayerGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
} as const;

export type Compression = "none" | "gzip" | "zstd";

const LAYERS: Record<string, Compression> = {
  [MEDIA.ociLayer]: "none",
  [MEDIA.ociLayerGzip]: "gzip",
  [MEDIA.ociLayerZstd]: "zstd",
  [MEDIA.ociForeignLayer]: "none",
  [MEDIA.ociForeignLayerGzip]: "gzip",
  [MEDIA.ociForeignLayerZstd]: "zstd",
  [MEDIA.dockerLayer]: "none",
  [MEDIA.dockerLayerGzip]: "gzip",
  [MEDIA.dockerForeignLayerGzip]: "gzip",
};

export const isManifestType = (t: string) => t === MEDIA.ociManifest || t === MEDIA.dockerManifest;
export const isIndexType = (t: string) => t === MEDIA.ociIndex || t === MEDIA.dockerManifestList;
export const isConfigType = (t: string) => t === MEDIA.ociConfig || t === MEDIA.dockerConfig;
export const isLayerType = (t: string) => t in LAYERS;
export const isSchema1Type = (t: string) => t === MEDIA.dockerSchema1 || t === MEDIA.dockerSchema1Signed;

/** The compression a layer media type declares; throws IMAGE_UNKNOWN_MEDIA_TYPE for anything else. */
export function layerCompression(mediaType: string): Compression {
  const c = LAYERS[mediaType];
  if (c === undefined) {
    throw invalid("image", "IMAGE_UNKNOWN_MEDIA_TYPE", `read layer: unknown media type ${JSON.stringify(mediaType)}`, "layers must be OCI or Docker tar layers (uncompressed, gzip or zstd)", { mediaType });
  }
  return c;
}

/** The Accept header a registry client sends for manifests, most preferred first. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerManifestList, MEDIA.ociManifest, MEDIA.dockerManifest].join(", ");
