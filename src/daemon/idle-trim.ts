// Gives memory back once the daemon has gone quiet. JavaScriptCore collects when its heap grows,
// not when the process falls idle, and mimalloc keeps freed pages for reuse: after a pull or a
// burst of requests skiffd held tens of megabytes it no longer used until the next busy moment
// (bench/containers.ts, "daemon memory"). So once no request has ended for `delayMs`, one full
// collection runs, then Bun.shrink() has the heap give its now free pages back to the kernel (the
// collection alone left ~6.5 MiB of them: anonymous memory 20 s after the benchmark's work, 23.5
// MiB with the collection alone, 16.9 MiB with the shrink too). The collection takes a few
// milliseconds, the shrink a fraction of one; both run at most once per quiet spell.

export interface IdleTrim {
  /** A request ended: the quiet spell starts again from now. */
  touch(): void;
  stop(): void;
}

export function idleTrim(opts: { delayMs?: number; trim?: () => void } = {}): IdleTrim {
  const delay = opts.delayMs ?? 3000;
  const trim = opts.trim ?? (() => (Bun.gc(true), Bun.shrink()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    touch() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        trim();
      }, delay);
      timer.unref?.();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
