// Bounded parallelism for layer transfers: at most `limit` tasks run at once, results keep the
// input's order. On the first failure no further task starts, the running ones are told through
// their AbortSignal, and once they have settled that first error is thrown (so no download is
// left writing behind the caller's back).

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number, signal: AbortSignal) => Promise<R>): Promise<R[]> {
  if (!(limit >= 1)) throw new Error(`mapLimit: limit must be at least 1, got ${limit}`);
  const results = new Array<R>(items.length);
  const abort = new AbortController();
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i, abort.signal);
      } catch (e) {
        if (!failed) {
          failed = true;
          firstError = e;
          abort.abort(e);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw firstError;
  return results;
}
