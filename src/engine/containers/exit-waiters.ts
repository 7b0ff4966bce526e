// Waiters for a container's next exit (or removal): each gets the exit once it is recorded; an
// abort signal takes a waiter back (a client that went away).

export type Exit = { exitCode: number; error?: string };

export class ExitWaiters {
  private readonly waiters = new Map<string, Set<(e: Exit) => void>>();

  /** Resolves with the container's next exit told to notify(). */
  next(id: string, signal?: AbortSignal): Promise<Exit> {
    return new Promise((resolve, reject) => {
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      const done = (e: Exit) => resolve(e);
      set.add(done);
      signal?.addEventListener("abort", () => {
        set!.delete(done);
        reject(signal.reason);
      });
    });
  }

  notify(id: string, e: Exit): void {
    const set = this.waiters.get(id);
    this.waiters.delete(id);
    for (const w of set ?? []) w(e);
  }
}
