// SIGKILL to a set of processes, and the wait until the kernel has let go of them.
import { processStartTime } from "../common/proc-stat.ts";

/** Kills the pids and waits (up to `ms`) until each is gone or a zombie. A pid namespace's init
 * stays alive until every process of its namespace is reaped, and a detached `exec` process is
 * reaped by the host's init, which may take a second: hence the generous default. */
export async function killAndWait(pids: readonly number[], ms = 5000): Promise<void> {
  // (loops, not filter and some: `skiff-oci delete` comes here, and a compiled Bun's first calls
  // of Array's JS builtins cost it ~0.3 ms: issue 9)
  const alive: number[] = [];
  for (const pid of pids) {
    if (!(pid > 0)) continue; // (0 is the caller's process group, -1 every process)
    try {
      process.kill(pid, "SIGKILL");
      alive.push(pid);
    } catch {}
  }
  if (alive.length === 0) return;
  const end = performance.now() + ms;
  // (asleep, not spinning: the daemon runs other containers' work meanwhile)
  for (let i = 0; anyAlive(alive) && performance.now() < end; i++) await Bun.sleep(i < 20 ? 1 : 10);
}

function anyAlive(pids: readonly number[]): boolean {
  for (const pid of pids) if (processStartTime(pid)) return true;
  return false;
}
