// Public surface of the registry client (OCI distribution spec): pull, push, auth, credentials.
export { Authorizer, basicAuthorization, chooseScheme, parseTokenResponse, repositoryScope, tokenRequest, type AuthScheme, type Token } from "./auth.ts";
export { DEFAULT_RETRY, type RetryPolicy } from "./backoff.ts";
export { blobStream, fetchBlobBytes, pullBlob, type BlobStreamOptions, type PullBlobOptions } from "./blob-fetch.ts";
export { hasBlob, pushBlob, type OnPushProgress, type PushBlobOptions, type PushBlobResult, type PushProgress } from "./blob-push.ts";
export { parseChallenges, type Challenge } from "./challenge.ts";
export { registryHostOf, type Credentials } from "./credentials.ts";
export { getManifest, headManifest, MAX_MANIFEST_BYTES, putManifest, type FetchedManifest } from "./manifests.ts";
export { mapLimit } from "./map-limit.ts";
export type { BlobProgress, BlobStatus, OnProgress } from "./progress.ts";
export { pullImage, resolveImage, type PullImageOptions, type ResolvedImage, type ResolveOptions } from "./pull-image.ts";
export { pushImage, type PushImageOptions } from "./push-image.ts";
export { RegistryClient, type RegistryClientOptions } from "./registry-client.ts";
export { isRetryable } from "./registry-error.ts";
export { splitSearchTerm, type SearchResult } from "./search.ts";
export { endpointsFor, isInsecureRegistry, type Endpoint } from "./registry-url.ts";
export { DEFAULT_TIMEOUTS, RegistryTransport, type RegistryRequest, type RegistryTimeouts, type TransportOptions } from "./transport.ts";
