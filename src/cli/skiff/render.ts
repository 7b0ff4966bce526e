// Renders rows with docker's --format rules: "table …" (a header, tab-aligned), "json" (one JSON
// object per line), or any other template (one line per row, no header).
import { compileTemplate } from "./template.ts";
import { tabwrite } from "./tabwriter.ts";

export function renderRows<T extends object>(rows: T[], format: string, headers: Record<string, string>): string {
  if (format === "json") format = "{{json .}}";
  const isTable = format.startsWith("table");
  const body = isTable ? format.slice(5).trimStart() || "" : format;
  const tpl = compileTemplate(body);
  const lines = rows.map((r) => tpl.execute(r) + "\n");
  if (!isTable) return lines.join("");
  return tabwrite(tpl.execute(headers) + "\n" + lines.join(""));
}
