// Files replaced whole: written to a temp file beside the target, then renamed over it, so a
// reader sees the old file or the new one, never half of one. `durable` adds an fsync before the
// rename, for what must survive a crash of the machine (credentials, the store's metadata);
// runtime state under /run, pid files and the like skip it: it sits on every container's path.
import { nodeFs } from "./lazy-node.ts";

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, durable = true): void {
  const { closeSync, fsyncSync, openSync, renameSync, writeSync } = nodeFs();
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w", mode);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
