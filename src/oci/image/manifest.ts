// Image manifests (OCI image manifest, Docker schema 2) and indexes (OCI image index, Docker
// manifest list), parsed from the bytes a registry or layout serves. Schema 1 is refused: it has
// no content-addressed config, and registries stopped serving it.
import { invalid } from "../../common/errors.ts";
import { describeJsonProblem, parseJsonText } from "../../common/json-text.ts";
import { Checker } from "../check.ts";
import { checkDescriptor, type Descriptor } from "./descriptor.ts";
import { isConfigType, isIndexType, isLayerType, isManifestType, isSchema1Type, MEDIA } from "./media-types.ts";

export interface ImageManifest {
  kind: "manifest";
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations: Record<string, string>;
}

export interface ImageIndex {
  kind: "index";
  mediaType: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations: Record<string, string>;
}

export type AnyManifest = ImageManifest | ImageIndex;

const CODE = "IMAGE_MANIFEST_INVALID";

/** containerd's limit: a manifest is a small JSON document, anything larger is refused unread. */
export const MAX_MANIFEST_BYTES = 4 << 20;

/**
 * Parses a manifest or index. The media type comes from the document's own `mediaType`, else the
 * `contentType` the transport reported, else the document's shape (OCI allows omitting it).
 */
export function parseManifest(bytes: Uint8Array | string, contentType?: string, where = "manifest"): AnyManifest {
  const parsed = parseJsonText(bytes, { maxBytes: MAX_MANIFEST_BYTES, maxDepth: 32 });
  if (!parsed.ok) throw invalid("image", CODE, `parse ${where}: ${describeJsonProblem(parsed.problem)}`, "the registry or layout served something other than a manifest");
  const raw = parsed.value;
  const c = new Checker("image", CODE, where);
  const o = c.obj(raw, where);
  const declared = c.optStr(o.mediaType, "mediaType");
  const header = contentType?.split(";")[0]!.trim();
  const mediaType = declared || (header && header !== "application/json" && header !== "text/plain" ? header : undefined) || guessType(o);
  if (o.schemaVersion === 1 || isSchema1Type(mediaType)) {
    throw invalid("image", "IMAGE_MANIFEST_SCHEMA1", `read ${where}: Docker image manifest schema 1 is not supported`, "schema 1 was deprecated in 2019; push the image again with a current docker, buildah or skopeo (they write schema 2 or OCI)", { mediaType });
  }
  if (!isManifestType(mediaType) && !isIndexType(mediaType)) {
    throw invalid("image", "IMAGE_UNKNOWN_MEDIA_TYPE", `read ${where}: unknown media type ${JSON.stringify(mediaType)}`, "expected an OCI image manifest or index, or a Docker schema 2 manifest or manifest list", { mediaType });
  }
  if (o.schemaVersion !== 2) c.fail("schemaVersion", "2", o.schemaVersion);
  const annotations = c.strMap(o.annotations, "annotations");
  const subject = o.subject === undefined || o.subject === null ? undefined : checkDescriptor(c, o.subject, "subject");
  if (isIndexType(mediaType)) {
    if (o.manifests === undefined || o.manifests === null) c.fail("manifests", "an array", o.manifests);
    return { kind: "index", mediaType, manifests: c.arr(o.manifests, "manifests", (x, p) => checkDescriptor(c, x, p)), subject, annotations };
  }
  const config = checkDescriptor(c, o.config, "config");
  if (!isConfigType(config.mediaType)) {
    throw invalid("image", "IMAGE_UNKNOWN_MEDIA_TYPE", `read ${where}: config has media type ${JSON.stringify(config.mediaType)}, which is not a container image config`, "this is an OCI artifact, not a container image", { mediaType: config.mediaType });
  }
  // (null is no list of layers: an image with none says [])
  if (o.layers === undefined || o.layers === null) c.fail("layers", "an array", o.layers);
  const layers = c.arr(o.layers, "layers", (x, p) => checkDescriptor(c, x, p));
  layers.forEach((l, i) => {
    if (!isLayerType(l.mediaType)) {
      throw invalid("image", "IMAGE_UNKNOWN_MEDIA_TYPE", `read ${where}: layers[${i}] has unknown media type ${JSON.stringify(l.mediaType)}`, "layers must be OCI or Docker tar layers (uncompressed, gzip or zstd)", { mediaType: l.mediaType });
    }
  });
  const artifactType = c.optStr(o.artifactType, "artifactType");
  return { kind: "manifest", mediaType, config, layers, subject, annotations, ...(artifactType ? { artifactType } : {}) };
}

/** OCI lets `mediaType` be omitted; the fields then say which document it is. */
function guessType(o: Record<string, unknown>): string {
  if (o.schemaVersion === 1) return MEDIA.dockerSchema1;
  if (Array.isArray(o.manifests)) return MEDIA.ociIndex;
  if (o.config !== undefined && Array.isArray(o.layers)) return MEDIA.ociManifest;
  return "(none)";
}
