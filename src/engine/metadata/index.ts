// Public surface of the engine's one metadata database (<dataRoot>/metadata.db, schema versions):
// each concern keeps its own tables' code beside itself (images/image-metadata.ts, containers/store.ts).
export { MetadataDb } from "./database.ts";
