// The chain of steps of one operation with their times since the process started, so that a
// slow or failing call shows which layer to look at (`--debug` prints it).

const marks: { what: string; at: number }[] = [];

export function mark(what: string): void {
  marks.push({ what, at: performance.now() });
}

/** "start-up 6.1ms → config read 6.9ms (+0.8) → ..." */
export function traceLine(): string {
  let last = 0;
  return marks
    .map(({ what, at }) => {
      const s = `${what} ${at.toFixed(1)}ms (+${(at - last).toFixed(1)})`;
      last = at;
      return s;
    })
    .join(" → ");
}
