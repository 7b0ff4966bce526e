// The container engine's public surface: the service, its records and events, and the options a
// container is created with (docker run's, parsed). Other folders import this file only.
export { ContainerService, type ContainerServiceOptions, type CreateRequest } from "./service.ts";
export type { ContainerImages } from "./images-port.ts";
export { ContainerEvents, type ContainerEvent } from "./events.ts";
export type { ContainerRecord, ContainerRunState, ContainerStatus } from "./record.ts";
export type { ExecConfig, ExecRecord } from "./execs.ts";
export type { LogEntry } from "./logs.ts";
export type { NetCounters, StatsSample } from "./stats-sample.ts";
export type { BlkioSupport, ContainerOptions, VolumeMount, VolumesFrom } from "./spec/index.ts";
export { MASKED_PATHS, READONLY_PATHS } from "./spec/index.ts";
export { PROPAGATIONS } from "./spec/bind-propagation.ts";
export type { ContainerUpdate } from "./update.ts";
export type { HealthConfig, ContainerHealth } from "./health-state.ts";
export { mergedHealthcheck } from "./health-state.ts";
export { configVolumePaths, exposedPorts } from "./container-config.ts";
export type { RestartPolicy, RestartPolicyName } from "./restart-policy.ts";
