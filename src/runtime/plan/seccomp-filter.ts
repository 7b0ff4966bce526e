// linux.seccomp → the filter the process steps load. Kept apart so that a container without a
// profile does not load the compiler and its syscall tables (start-up is part of every call).
import { log } from "../../common/log.ts";
import { compileSeccomp, hostArch } from "../seccomp/index.ts";

export interface SeccompFilter {
  filter: Uint8Array;
  flags: number;
  /** SCMP_ACT_NOTIFY: where the listener fd goes, and the metadata sent with it. */
  listenerPath?: string;
  listenerMetadata?: string;
}

/**
 * Compiled filters by their profile's text: a daemon running the runtime in-process compiles
 * docker's default profile once, not for every container (it took ~50 ms of each start). Small
 * and bounded; a one-shot skiff-oci never hits it.
 */
const compiledByProfile = new Map<string, ReturnType<typeof compileSeccomp>>();
const CACHED_PROFILES = 16;

/** linux.seccomp → the filter for the process steps. */
export function seccompFilter(raw: Record<string, unknown> | undefined): SeccompFilter | undefined {
  if (!raw) return undefined;
  const key = JSON.stringify(raw);
  let compiled = compiledByProfile.get(key);
  if (!compiled) {
    compiled = compileSeccomp(raw, { arch: hostArch() });
    if (compiledByProfile.size >= CACHED_PROFILES) compiledByProfile.delete(compiledByProfile.keys().next().value!);
    compiledByProfile.set(key, compiled);
  }
  if (compiled.skipped.length) log.debug(`seccomp: skipped syscalls this kernel family does not know: ${compiled.skipped.join(", ")}`);
  return { filter: compiled.filter, flags: compiled.flags, ...(compiled.notify ? { listenerPath: compiled.listenerPath!, listenerMetadata: compiled.listenerMetadata } : {}) };
}
