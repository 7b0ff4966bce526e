// Whether a process is alive: what a process that is gone left behind (files named by its pid) may be swept.
import { readFileSync } from "node:fs";
import { errnoOf } from "./errno.ts";

/** Whether `pid` names a live process (EPERM: it exists, under another user). A zombie is not
 *  alive: a daemon killed with -9 stays one until its parent reaps it, which some never do (a
 *  trial saw a killed skiffd's staging files outlive the next start that way). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return errnoOf(e) === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat[stat.lastIndexOf(")") + 2];
    return state !== "Z" && state !== "X";
  } catch {
    return false; // gone between the two looks
  }
}
