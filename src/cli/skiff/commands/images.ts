// skiff images (image ls): docker's table, -q, --no-trunc, --digests, --filter and --format.
import { writeOut } from "../../../common/stdio.ts";
import { invalid } from "../../../common/errors.ts";
import { IMAGE_HEADERS, imageRows } from "../image-rows.ts";
import { renderRows } from "../render.ts";
import { str, strs, type CommandContext } from "../command.ts";

export function imagesFormat(o: { quiet?: boolean; digests?: boolean; format?: string }): string {
  if (o.quiet) return "{{.ID}}";
  if (o.format) return o.format;
  return o.digests
    ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
    : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
}

/** --filter KEY=VALUE flags as docker's CLI reads them (the key trimmed and lowercased, the value trimmed), by key. */
export function parseFilterFlags(values: string[], example = "dangling=true"): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  for (const f of values) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw invalid("cli", "CLI_FILTER_INVALID", `parse filter "${f}": bad format of filter (expected name=value)`, `e.g. --filter ${example}`);
    (filters[f.slice(0, eq).trim().toLowerCase()] ??= []).push(f.slice(eq + 1).trim());
  }
  return filters;
}

export async function listImages({ client, flags, args }: CommandContext): Promise<number> {
  const filters = parseFilterFlags(strs(flags.filter));
  if (args[0]) (filters.reference ??= []).push(args[0]);
  const images = await client.listImages({ all: !!flags.all, digests: !!flags.digests, filters });
  const quiet = !!flags.quiet;
  const format = str(flags.format);
  // as docker: digests are shown with --digests or when the format asks for them
  // -q too: a row (an ID) per tag, as docker's CLI prints them
  const rows = imageRows(images, { noTrunc: !!flags["no-trunc"], digests: !!flags.digests || !!format?.includes(".Digest") });
  writeOut(renderRows(rows, imagesFormat({ quiet, digests: !!flags.digests, format }), IMAGE_HEADERS));
  return 0;
}
