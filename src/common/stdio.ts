// Writing to stdout and stderr without process.stdout/process.stderr, whose first use costs
// Bun milliseconds of stream set-up (measured: ~2-10 ms against ~0.05 ms for write(2)) on every
// runtime call, and without node:fs, whose loading costs skiff-oci's short commands 2-3 ms (see
// sys.ts). Synchronous, and patient with a non-blocking pipe.
import { errnoOf } from "./errno.ts";
import { write } from "./sys.ts";

/** 128 + SIGPIPE: the status a shell shows for a writer a closed pipe killed; skiff and skiff-oci
 *  end with it, quietly, when their reader goes away (Bun ignores SIGPIPE, so they see EPIPE). */
export const EXIT_BROKEN_PIPE = 141;

let encoder: TextEncoder | undefined;

/** Writes all of `data` to fd, waiting out EAGAIN on a non-blocking pipe. */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? (encoder ??= new TextEncoder()).encode(data) : data;
  for (let off = 0; off < bytes.length; ) {
    try {
      off += write(fd, bytes, off);
    } catch (e) {
      if (errnoOf(e) !== "EAGAIN") throw e;
      Bun.sleepSync(1);
    }
  }
}

export const writeOut = (text: string): void => writeAll(1, text);
export const writeErr = (text: string): void => writeAll(2, text);
