// Polling for the black-box tests: a container's state, a daemon's files, an event show up a
// moment after the command that causes them.

/** Waits until `holds()` is true, asking every `stepMs`, or fails after `ms` saying what was
 *  awaited. The 50 ms step suits a condition that runs a CLI (each call costs more than that);
 *  one that only reads /proc may ask more often. */
export async function until(what: string, holds: () => boolean, ms = 20_000, stepMs = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!holds()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(stepMs);
  }
}
