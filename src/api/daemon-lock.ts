// One daemon per data root: a lock file holding the owner's pid, created exclusively. A lock whose
// pid is no longer alive is stale (the daemon was killed) and is taken over.
import { openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { SkiffError } from "../common/errors.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

export interface DaemonLock {
  path: string;
  release(): void;
}

export function acquireDaemonLock(path: string, dataRoot: string): DaemonLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { path, release: () => rmSync(path, { force: true }) };
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw e;
    }
    let pid = NaN;
    try {
      pid = Number.parseInt(readFileSync(path, "utf8"), 10);
    } catch {}
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
      throw new SkiffError({
        layer: "api",
        kind: "failed_precondition",
        code: "API_DAEMON_RUNNING",
        message: `start skiffd on data root "${dataRoot}": another skiffd (pid ${pid}) is using it`,
        hint: `stop it first (kill ${pid}) or pass another --data-root`,
        details: { path },
      });
    rmSync(path, { force: true });
  }
  throw new SkiffError({ layer: "api", kind: "conflict", code: "API_DAEMON_LOCK_RACE", message: `lock "${path}": another daemon took it while starting`, hint: "try again" });
}
