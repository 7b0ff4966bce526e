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

export async function listImages({ client, flags, args }: CommandContext): Promise<number> {
  const filters: Record<string, string[]> = {};
  for (const f of strs(flags.filter)) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw invalid("cli", "CLI_FILTER_INVALID", `parse filter "${f}": expected KEY=VALUE`, "e.g. --filter dangling=true");
    (filters[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  if (args[0]) (filters.reference ??= []).push(args[0]);
  const images = await client.listImages({ all: !!flags.all, digests: !!flags.digests, filters });
  const quiet = !!flags.quiet;
  const format = str(flags.format);
  // as docker: digests are shown with --digests or when the format asks for them
  let rows = imageRows(images, { noTrunc: !!flags["no-trunc"], digests: !!flags.digests || !!format?.includes(".Digest") });
  if (quiet) rows = rows.filter((r, i) => rows.findIndex((o) => o.ID === r.ID) === i);
  writeOut(renderRows(rows, imagesFormat({ quiet, digests: !!flags.digests, format }), IMAGE_HEADERS));
  return 0;
}
