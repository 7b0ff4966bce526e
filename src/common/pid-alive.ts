// Whether a process is alive: what a process that is gone left behind (files named by its pid) may be swept.
import { errnoOf } from "./errno.ts";

/** Whether `pid` names a live process (EPERM: it exists, under another user). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoOf(e) === "EPERM";
  }
}
