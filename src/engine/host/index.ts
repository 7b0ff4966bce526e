// Public surface of the host checks (skiff doctor): what the kernel and the host offer the engine
// and the runtime, read under a root prefix, each finding in plain words with what its absence breaks.
export { checkHost, type DoctorOptions } from "./doctor.ts";
export { report, type CheckStatus, type DoctorReport, type HostCheck } from "./check.ts";
export { hostReader, type DiskSpace, type HostReader } from "./host-reader.ts";
