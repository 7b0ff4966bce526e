// Performs planned cgroup writes in order: the thin shell where a kernel refusal becomes a
// SkiffError naming the file and the value ("write "100000 50000" to /sys/fs/cgroup/x/cpu.max: EINVAL").
// It stops at the first failure; removing the half-made cgroup is the caller's (manager.ts).
import { closeSync, constants, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { SkiffError, type ErrorKind } from "../../common/errors.ts";
import { errnoOf, errnoText } from "../../common/errno.ts";
import type { CgroupWrite } from "./write.ts";

export interface ApplyOptions {
  /** Writes `value` to `path` in one write(2); a test double may throw errors with a `code`. */
  writeFile?: (path: string, value: string) => void;
}

/** Opens without O_CREAT: on cgroupfs a missing file means a missing controller or knob, and on
 * a plain directory (a wrong path) creating it would hide the mistake. O_TRUNC as runc opens. */
function writeCgroupFile(path: string, value: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC);
  try {
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
}

/** `dir` is the container's cgroup directory (v2), or gives it per controller (v1 hierarchies). */
export function applyWrites(dir: string | ((controller: string) => string), writes: readonly CgroupWrite[], options: ApplyOptions = {}): void {
  const writeFile = options.writeFile ?? writeCgroupFile;
  const dirFor = typeof dir === "string" ? () => dir : dir;
  const attempt = (w: CgroupWrite): void => {
    const path = join(dirFor(w.controller), w.file);
    try {
      writeFile(path, w.value);
    } catch (e) {
      const code = errnoOf(e);
      if (code === "ENOENT" && w.fallback) return attempt(w.fallback);
      if (code === "ENOENT" && w.optional) return;
      throw writeError(w, path, e);
    }
  };
  // Writes refused with EINVAL that may succeed once a later value is in place (see CgroupWrite).
  let pending: CgroupWrite[] = [];
  for (const w of writes) {
    try {
      attempt(w);
    } catch (e) {
      if (!(w.retryOnEinval && (e as SkiffError).details.errno === "EINVAL")) throw e;
      pending.push(w);
      continue;
    }
    if (w.retryOnEinval) continue;
    for (const p of pending) attempt(p);
    pending = [];
  }
  for (const p of pending) attempt(p);
}

const KIND: Record<string, ErrorKind> = { EINVAL: "invalid_argument", ERANGE: "invalid_argument", ENOENT: "failed_precondition", EPERM: "failed_precondition", EACCES: "failed_precondition", EROFS: "failed_precondition", EBUSY: "conflict" };

function writeError(w: CgroupWrite, path: string, cause: unknown): SkiffError {
  const errno = errnoOf(cause) ?? "EIO";
  const from = w.field ? ` (${w.field})` : "";
  const hint: Record<string, string> = {
    EINVAL: `the kernel refused the value${from}: check it against the file's range and the parent cgroup's limits`,
    ERANGE: `the value is out of the kernel's range${from}`,
    ENOENT: `the kernel offers no ${w.file} here: is the ${w.controller} controller enabled for this cgroup, and does this kernel have the file?`,
    EBUSY: `the cgroup is in use in a way the new value conflicts with (a memory limit below current usage?)${from}`,
    EPERM: "not permitted: is the cgroup delegated to this user?",
    EACCES: "not permitted: is the cgroup delegated to this user?",
    EROFS: "the cgroup filesystem is mounted read-only",
  };
  return new SkiffError({
    layer: "runtime",
    code: "RUNTIME_CGROUP_WRITE_FAILED",
    kind: KIND[errno] ?? "internal",
    message: `write ${JSON.stringify(w.value)} to ${path}: ${errno}`,
    hint: hint[errno] ?? errnoText(errno),
    cause,
    details: { path, errno, value: w.value, field: w.field },
  });
}
