// The chain of steps of one operation with their times, so that a slow or failing call shows which
// layer to look at (`--debug` prints it). A program doing one thing (skiff-oci) keeps one chain; a
// daemon doing many at once gives each request its own (trace-scope.ts), and then `mark` adds to
// the chain of the request it is called for.

export interface TraceStep {
  what: string;
  /** performance.now() when it happened. */
  at: number;
}

const marks: TraceStep[] = [];
let scoped: (() => TraceStep[] | undefined) | undefined;

/** A step of the current operation's chain. Once operations have chains of their own
 * (setTraceScope), a step outside any is dropped: the program's one chain would otherwise grow by
 * every step of every untraced request for as long as a daemon runs. */
export function mark(what: string): void {
  (scoped ? scoped() : marks)?.push({ what, at: performance.now() });
}

/** Called by trace-scope.ts: where the current operation's steps go (undefined: nowhere). */
export function setTraceScope(current: () => TraceStep[] | undefined): void {
  scoped = current;
}

/** "start-up 6.1ms → config read 6.9ms (+0.8) → ..." */
export function traceLine(steps: readonly TraceStep[] = marks, origin = 0): string {
  let last = origin;
  return steps
    .map(({ what, at }) => {
      const s = `${what} ${(at - origin).toFixed(1)}ms (+${(at - last).toFixed(1)})`;
      last = at;
      return s;
    })
    .join(" → ");
}
