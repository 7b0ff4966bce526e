// setTimeout for any delay. JavaScript timers hold at most 2^31 - 1 ms (24.8 days): a longer one
// fires after 1 ms with a warning, so `events --until` a month ahead ended at once. A longer wait
// is made of steps that each fit.

const MAX_STEP = 2 ** 31 - 1;

/** Calls `fn` once `ms` have passed (at once for 0 or less, never for Infinity); returns the cancel. */
export function longTimeout(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cancelled = false;
  const end = Date.now() + ms;
  const arm = () => {
    if (cancelled) return;
    const left = end - Date.now();
    if (left <= MAX_STEP) timer = setTimeout(fn, Math.max(0, left));
    else timer = setTimeout(arm, MAX_STEP);
  };
  if (ms !== Infinity) arm();
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
