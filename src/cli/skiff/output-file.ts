// Where `save -o FILE` and `export -o FILE` write. A new or regular FILE is written beside itself
// (FILE.tmp-<pid>) and renamed into place once whole, so that a failure leaves no half file. A FILE
// that exists and is anything else (a character device such as /dev/null, a FIFO, a terminal) is
// written in place: a rename would replace the node itself, and `skiff save -o /dev/null IMAGE`
// run as root had turned the host's /dev/null into a regular file that collected what every
// program then wrote to it (and fed it to every container's stdin).
import { statSync } from "node:fs";

export interface OutputPlan {
  /** The path to open for writing. */
  path: string;
  /** True when `path` is FILE itself: no rename, no removal on failure, no fsync (a device refuses it). */
  inPlace: boolean;
  /** FILE is a directory (the caller refuses it in its own words). */
  isDir: boolean;
}

export function outputPlan(output: string): OutputPlan {
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(output);
  } catch {
    // not there yet: the usual case
  }
  if (st?.isDirectory()) return { path: output, inPlace: true, isDir: true };
  if (st && !st.isFile()) return { path: output, inPlace: true, isDir: false };
  return { path: `${output}.tmp-${process.pid}`, inPlace: false, isDir: false };
}
