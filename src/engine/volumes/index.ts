// The volume engine's public surface: the service and its records. Other folders import this file only.
export { VolumeService, type VolumeCreateRequest, type VolumeServiceOptions, type VolumeView } from "./service.ts";
export type { VolumeRecord } from "./record.ts";
export { checkVolumeName } from "./names.ts";
