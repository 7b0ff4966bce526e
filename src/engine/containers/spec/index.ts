// The container spec builder: a container's options and its image's config → config.json.
export { buildContainerSpec, containerEnv, OCI_VERSION, type OciSpec } from "./oci-spec.ts";
export type { BindMount, ContainerOptions, DeviceMapping, HostDevice, SeccompOption, SpecHost, TmpfsMount, Ulimit } from "./options.ts";
export type { VolumeMount, VolumesFrom } from "./volume-options.ts";
export { parseDeviceSpec } from "./devices.ts";
export { readHostFacts, type HostFacts } from "./host.ts";
export { probeBlkioSupport, type BlkioOptions, type BlkioSupport } from "./blkio.ts";
export { DEFAULT_CAPABILITIES } from "./capabilities.ts";
export { DEFAULT_SHM_SIZE, INIT_DESTINATION, MASKED_PATHS, READONLY_PATHS } from "./mounts.ts";
