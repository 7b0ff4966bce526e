// Writing to stdout and stderr without process.stdout/process.stderr, whose first use costs
// Bun milliseconds of stream set-up (measured: ~2-10 ms against ~0.05 ms for write(2)) on every
// runtime call. Synchronous, and patient with a non-blocking pipe.
import { writeSync } from "node:fs";

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
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
