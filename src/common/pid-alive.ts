// Whether a process is alive: what a process that is gone left behind (files named by its pid) may be swept.
import { processStartTime } from "./proc-stat.ts";

/** Whether `pid` names a live process, under any user. A zombie is not alive: a daemon killed
 *  with -9 stays one until its parent reaps it, which some never do (a trial saw a killed skiffd's
 *  staging files outlive the next start that way). */
export function pidAlive(pid: number): boolean {
  return pid === process.pid || processStartTime(pid) > 0;
}
