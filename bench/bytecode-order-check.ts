// Whether build/bytecode-order still describes a command's run. scripts/build lays the bytecode out
// by those recordings; code changed since (a function's hash changes with its text) goes after the
// recorded code, so a stale recording costs start-up without failing anything: 34 commits after
// one, `skiff-oci state` ran 2% of its entries from outside the recording and its short-verb budget
// (issue 9) lost 1-2 ms. The benchmarks print this check so that a measurement says when its build
// was laid out by an old recording.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const REPO = join(import.meta.dir, "..");

/** The entries ("F 1a2b…", one per line after the version) of an order file. */
function entries(text: string): string[] {
  return text.split("\n").filter((l) => /^[A-Z] [0-9a-f]+$/.test(l));
}

/**
 * Records `argv` once (BUN_BYTECODE_ORDER_OUT) and says how much of what it ran is missing from
 * the committed recording `name` (build/bytecode-order/NAME.order); undefined when either is not
 * there (a build without recordings, a Bun that writes none).
 */
export function orderStaleness(name: string, argv: string[], env: Record<string, string> = {}): { missing: number; total: number } | undefined {
  let committed: Set<string>;
  try {
    committed = new Set(entries(readFileSync(join(REPO, "build/bytecode-order", `${name}.order`), "utf8")));
  } catch {
    return undefined;
  }
  const dir = mkdtempSync("/tmp/skiff-order-check-");
  try {
    const out = join(dir, "run.order");
    spawnSync(argv[0]!, argv.slice(1), { env: { ...process.env, ...env, BUN_BYTECODE_ORDER_OUT: out }, stdio: "ignore" });
    let ran: string[];
    try {
      ran = entries(readFileSync(out, "utf8"));
    } catch {
      return undefined;
    }
    if (!ran.length) return undefined;
    return { missing: ran.filter((e) => !committed.has(e)).length, total: ran.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One line for a benchmark's report: the share missing, and what to do when it is not small. */
export function orderNote(what: string, s: ReturnType<typeof orderStaleness>): string {
  if (!s) return `(bytecode order of ${what}: not checked: no recording, or this Bun writes none)`;
  const share = (100 * s.missing) / s.total;
  const line = `bytecode order of ${what}: ${s.missing} of ${s.total} entries run outside build/bytecode-order (${share.toFixed(1)}%)`;
  return share > 0.5 ? `${line}: stale, start-up measured here is slower than it need be; record again: sudo scripts/record-bytecode-order` : line;
}
