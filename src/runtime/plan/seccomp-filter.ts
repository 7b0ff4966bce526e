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

/** linux.seccomp → the filter for the process steps. */
export function seccompFilter(raw: Record<string, unknown> | undefined): SeccompFilter | undefined {
  if (!raw) return undefined;
  const compiled = compileSeccomp(raw, { arch: hostArch() });
  if (compiled.skipped.length) log.debug(`seccomp: skipped syscalls this kernel family does not know: ${compiled.skipped.join(", ")}`);
  return { filter: compiled.filter, flags: compiled.flags, ...(compiled.notify ? { listenerPath: compiled.listenerPath!, listenerMetadata: compiled.listenerMetadata } : {}) };
}
