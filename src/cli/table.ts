// Column-aligned text tables, as Go's tabwriter prints them for runc and docker.
export function formatTable(header: string[], rows: string[][], gap = 3): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + gap))).join("") + "\n").join("");
}
