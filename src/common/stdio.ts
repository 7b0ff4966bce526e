// Writing to stdout and stderr without process.stdout/process.stderr, whose first use costs
// Bun milliseconds of stream set-up (measured: ~2-10 ms against ~0.05 ms for write(2)) on every
// runtime call. Synchronous, and patient with a non-blocking pipe.
import { writeSync } from "node:fs";

/** Writes all of `data` to fd, waiting out EAGAIN on a non-blocking pipe. */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  for (let off = 0; off < bytes.length; ) {
    try {
      off += writeSync(fd, bytes, off);
    } catch (e) {
      if ((e as { code?: string }).code !== "EAGAIN") throw e;
      Bun.sleepSync(1);
    }
  }
}

export const writeOut = (text: string): void => writeAll(1, text);
export const writeErr = (text: string): void => writeAll(2, text);
