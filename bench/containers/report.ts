// Printing for bench/containers.ts: aligned tables, ratios, sizes and the target checks.
import { loadavg } from "node:os";

/** Prints rows as columns (the first row is the header), first column left-aligned. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  for (const [i, r] of rows.entries()) {
    console.log("  " + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("   "));
    if (i === 0) console.log("  " + widths.map((w) => "-".repeat(w)).join("   "));
  }
}

export const ms = (s: number) => (Number.isFinite(s) ? `${(s * 1000).toFixed(0)} ms` : "-");
export const secs = (s: number) => (Number.isFinite(s) ? `${s.toFixed(2)} s` : "-");
export const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "-");
export const mib = (bytes: number) => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`);

const checks: string[] = [];

/** Prints a target check (✓/✗, or "?" when it could not be measured) and keeps it for the summary. */
export function target(what: string, ok: boolean | undefined, detail: string): void {
  const line = `${ok === undefined ? "?" : ok ? "✓" : "✗"} ${what}: ${detail}`;
  checks.push(line);
  console.log(`  ${line}`);
}

export const allTargets = (): string[] => [...checks];

/** A peer left out of a section, with the reason. */
export function leftOut(who: string, why: unknown): void {
  const text = why instanceof Error ? why.message : String(why);
  console.log(`  (${who} left out: ${text.trim().split("\n").slice(0, 3).join(" | ").slice(0, 400)})`);
}

/** The machine's load, for a section's heading: the peers share it, absolute times do not. */
export const loadNote = () => ` [load ${loadavg()
  .map((l) => l.toFixed(1))
  .join(" ")}]`;
