// A process's start time from /proc/PID/stat: what tells a live process from one that is gone (or
// a zombie, which some parents never reap), and a pid reused since from the process it named.
// Through sys.ts (no node:fs: skiff-oci's short commands read it).
import { readTextIfOpens } from "./sys.ts";

/** Start time of a process in clock ticks since boot, or 0 if it does not exist or is a zombie. */
export function processStartTime(pid: number): number {
  if (!(pid > 0)) return 0;
  try {
    const stat = readTextIfOpens(`/proc/${pid}/stat`);
    if (stat === undefined) return 0; // gone (and reaped)
    // the fields after the ")" that ends the command name: the state first, starttime 20th
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return 0;
    return Number(fields[19]) || 0;
  } catch {
    return 0;
  }
}
