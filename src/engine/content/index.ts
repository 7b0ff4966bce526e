// Public surface of the content store: blobs by digest under <dataRoot>/content, written through
// verified, resumable ingests; its roles (Provider, Ingester) for those that only read or write;
// and the one place where errno failures of the image storage become typed errors.
export { ContentStore, type StagedBlob } from "./content-store.ts";
export { ioError } from "./io-error.ts";
export type { BlobInfo, BlobSource, IngestOptions, Ingester, OpenBlob, Provider } from "./roles.ts";
