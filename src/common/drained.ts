// Waiting for a writable stream to take more: its 'drain', or its 'close' if it ends first.
import { once } from "node:events";
import type { EventEmitter } from "node:events";

/** Resolves on 'drain' or 'close'. The listener of the event that did not come is removed: a
 * plain race of two once() calls leaves one behind per wait, and they pile up per chunk. */
export async function drained(stream: EventEmitter): Promise<void> {
  const ac = new AbortController();
  try {
    await Promise.race([once(stream, "drain", { signal: ac.signal }), once(stream, "close", { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
}
