// Public surface of the seccomp compiler: OCI `linux.seccomp` → classic BPF for the plan's `seccomp` step.
export { compileSeccomp, type CompiledSeccomp, type CompileOptions } from "./compile.ts";
export { hostArch, type SeccompArch, syscallNumber } from "./arches.ts";
export { ACTIONS, OPERATORS, readSeccompProfile, type SeccompProfile } from "./profile.ts";
