// Go's text/tabwriter as docker configures it for tables (minwidth 10, padding 3): tab-separated
// cells padded to the widest cell of their column; the last cell of a line is not padded.
export function tabwrite(text: string, minWidth = 10, padding = 3): string {
  const lines = text.split("\n");
  const trailing = lines[lines.length - 1] === "" ? lines.pop() : undefined;
  const rows = lines.map((l) => l.split("\t"));
  const widths: number[] = [];
  for (const r of rows) r.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, Math.max(c.length + padding, minWidth))));
  const out = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(""));
  return out.join("\n") + (trailing === undefined ? "" : "\n");
}
