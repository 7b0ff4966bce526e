// Public surface of the OCI image types: digests, descriptors, manifests, configs, platforms, references.
export { checkDigest, Digester, digestBytes, isDigest, parseDigest, type Digest, type DigestAlgorithm, type ParsedDigest } from "./digest.ts";
export { checkDescriptor, type Descriptor } from "./descriptor.ts";
export { checkLayersMatchConfig, parseImageConfig, type ContainerDefaults, type HistoryEntry, type ImageConfig } from "./image-config.ts";
export { parseManifest, type AnyManifest, type ImageIndex, type ImageManifest } from "./manifest.ts";
export { isConfigType, isIndexType, isLayerType, isManifestType, layerCompression, MANIFEST_ACCEPT, MEDIA, type Compression } from "./media-types.ts";
export { compatiblePlatforms, formatPlatform, hostPlatform, normalizePlatform, parsePlatform, samePlatform, type Platform } from "./platform.ts";
export { DOCKER_HUB, familiarReference, formatReference, isLoopbackDomain, parseReference, repositoryOf, type ImageReference } from "./reference.ts";
export { selectManifest, type SelectOptions } from "./select-manifest.ts";
