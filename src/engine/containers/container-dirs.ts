// Removal of a container's directories (its state dir under the exec root, its log dir under the
// data root): whatever is still mounted under one goes first, and the removal is checked, so that
// a record is deleted only once its files are gone (never a directory that no record names).
import { existsSync, rmSync } from "node:fs";
import { SkiffError } from "../../common/errors.ts";
import { unmountUnder } from "../../common/mounts.ts";

/**
 * Removes `dir` and everything under it, or throws saying what stays. A mount under a state dir
 * is a leftover by now (a CLI runtime's rootfs that a create cut short by a killed daemon left on
 * the host): it is detached, never walked into. The check after rmSync is needed: Bun's rmSync
 * with `force` returns without an error when it meets ENOENT below the top (an overlay whose upper
 * dir is gone answers so), having removed nothing.
 */
export function removeContainerDir(dir: string, what: string): void {
  try {
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    throw failed(dir, what, e);
  }
  if (existsSync(dir)) throw failed(dir, what, undefined);
}

function failed(dir: string, what: string, e: unknown): SkiffError {
  const errno = (e as { code?: string } | undefined)?.code;
  return new SkiffError({
    layer: "engine",
    code: "ENGINE_CONTAINER_FILES_STAY",
    kind: "internal",
    message: `remove the container's ${what} ${dir}: ${e instanceof Error ? e.message : "it is still there after its removal"}`,
    hint: `see what holds it (grep ${dir} /proc/self/mountinfo; fuser -m ${dir}); the container stays listed until its removal succeeds (skiff rm again)`,
    cause: e,
    details: { path: dir, ...(errno ? { errno } : {}) },
  });
}
