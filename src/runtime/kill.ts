// SIGKILL to a set of processes, and the wait until the kernel has let go of them.
import { processStartTime } from "./state-store.ts";

/** Kills the pids and waits (up to `ms`) until each is gone or a zombie. A pid namespace's init
 * stays alive until every process of its namespace is reaped, and a detached `exec` process is
 * reaped by the host's init, which may take a second: hence the generous default. */
export async function killAndWait(pids: readonly number[], ms = 5000): Promise<void> {
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, "SIGKILL");
      return true;
    } catch {
      return false;
    }
  });
  const end = performance.now() + ms;
  // (asleep, not spinning: the daemon runs other containers' work meanwhile)
  for (let i = 0; alive.some((pid) => processStartTime(pid)) && performance.now() < end; i++) await Bun.sleep(i < 20 ? 1 : 10);
}
