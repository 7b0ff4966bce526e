// The pending restarts of containers whose restart policy brings them back (restart-policy.ts
// decides; the supervisor records the exit and starts them again): per container, the back-off
// reached so far and the timer of the next start. Timers do not hold the daemon's event loop open.
import { nextRestartDelay } from "./restart-policy.ts";

export class RestartTimers {
  private readonly delays = new Map<string, number>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** Runs `start` after the container's next back-off delay (given how long it ran); returns the delay. */
  schedule(id: string, ranMs: number, start: () => void): number {
    this.cancel(id);
    const delay = nextRestartDelay(this.delays.get(id) ?? 0, ranMs);
    this.delays.set(id, delay);
    const t = setTimeout(() => {
      this.timers.delete(id);
      start();
    }, delay);
    t.unref?.();
    this.timers.set(id, t);
    return delay;
  }

  pending(id: string): boolean {
    return this.timers.has(id);
  }

  /** The pending start, if any, does not happen. */
  cancel(id: string): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
  }

  /** A start by the user (or the container's removal): no pending start, the back-off from the beginning. */
  reset(id: string): void {
    this.cancel(id);
    this.delays.delete(id);
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
