// Retry policy for registry traffic: bounded tries, exponential back-off with jitter (so parallel
// layer downloads do not retry in lockstep), and the registry's Retry-After honoured up to the cap.

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  tries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** About 8-15 s of waits in all: a registry restarting or a proxy hiccup is ridden out (docker waits
 * longer, 5+10+15+20 s, on downloads); a registry refusing connections at the probe fails at once. */
export const DEFAULT_RETRY: RetryPolicy = { tries: 5, baseDelayMs: 1000, maxDelayMs: 8000 };

/** Statuses that say "try again": 408, 429, and 5xx except those that will never change (501, 505). */
export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);

/**
 * The wait before retry number `failures` (1 after the first failure): base·2^(failures-1), the
 * upper half jittered, capped; a Retry-After (seconds or HTTP date) replaces it, also capped.
 */
export function backoffDelay(failures: number, policy: RetryPolicy, retryAfter?: string | null, now = Date.now()): number {
  if (retryAfter) {
    const secs = /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(secs)) return Math.max(0, Math.min(secs, policy.maxDelayMs));
  }
  const d = Math.min(policy.baseDelayMs * 2 ** Math.max(0, failures - 1), policy.maxDelayMs);
  return d / 2 + Math.random() * (d / 2);
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
