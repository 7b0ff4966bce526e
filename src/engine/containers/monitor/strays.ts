// Monitors still working in a state dir that is about to be reused or removed: one whose start
// was cut short (the daemon killed while it started the container: it waits for a pid file that
// never comes), or one that has recorded its container's exit and lingers for its last client.
// Left alone, such a monitor ends later and removes its socket by name: by then the socket of the
// next start's monitor. Every monitor runs in its state dir (or an exec dir under it), so they are
// found by their working directory and executable, whoever started them.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename, resolve } from "node:path";

const safe = <T>(f: () => T, fallback: T): T => {
  try {
    return f();
  } catch {
    return fallback;
  }
};

/** The pids of skiff-monitor processes working in `dir` or below it. */
export function monitorsIn(dir: string): number[] {
  const root = resolve(dir);
  const out: number[] = [];
  for (const p of safe(() => readdirSync("/proc"), [] as string[])) {
    if (!/^\d+$/.test(p)) continue;
    const cwd = safe(() => readlinkSync(`/proc/${p}/cwd`), "");
    if (cwd !== root && !cwd.startsWith(`${root}/`)) continue;
    if (basename(safe(() => readlinkSync(`/proc/${p}/exe`), "")) === "skiff-monitor") out.push(Number(p));
  }
  return out;
}

/** SIGKILL to every monitor in `dir` (or below), then waits (1 s at most) until they are gone:
 *  nothing of theirs (the socket's removal) comes after. What they ran is the runtime's to end. */
export async function endMonitorsIn(dir: string): Promise<void> {
  const pids = monitorsIn(dir);
  for (const pid of pids) safe(() => process.kill(pid, "SIGKILL"), undefined);
  const alive = (pid: number) => safe(() => !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8")), false);
  for (let i = 0; i < 100 && pids.some(alive); i++) await Bun.sleep(10);
}
