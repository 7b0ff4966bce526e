// docker's prune prompt: the question and " [y/N] ", then one read of stdin (node:fs on first use:
// see common/lazy-node.ts).
import { nodeFs } from "../../common/lazy-node.ts";
import { writeOut } from "../../common/stdio.ts";

/** Asks `question`; true only for y or yes (any case) on stdin. No stdin is a no. */
export function confirm(question: string): boolean {
  writeOut(`${question} [y/N] `);
  const buf = Buffer.alloc(64);
  let n = 0;
  try {
    n = nodeFs().readSync(0, buf, 0, buf.length, null);
  } catch {} // no stdin: no
  return /^y(es)?$/i.test(buf.subarray(0, n).toString().trim());
}
