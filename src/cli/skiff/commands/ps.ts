// skiff ps (container ls): GET /containers/json?all=&limit=&size=&filters= and docker 28's table,
// -q, --no-trunc, --format (table, json, raw or a template; a template that uses .Size asks for
// sizes unless --size=false), -n and -l.
import { writeErr, writeOut } from "../../../common/stdio.ts";
import { ContainerClient } from "../../../api/client-containers.ts";
import { str, strs, type CommandContext } from "../command.ts";
import { renderRows } from "../render.ts";
import { compileTemplate } from "../template.ts";
import { CONTAINER_HEADERS, containerRows, DEFAULT_PS_FORMAT } from "../container-rows.ts";
import { int64 } from "../container-values.ts";
import { parseFilterFlags } from "./images.ts";
import { cliSettings } from "../cli-settings.ts";

const RAW_FORMAT = "container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\nstate: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n";

/** docker's NewContainerFormat. */
export function psFormat(source: string, quiet: boolean, size: boolean): string {
  if (source === "" || source === "table") return quiet ? "{{.ID}}" : `${DEFAULT_PS_FORMAT}${size ? "\t{{.Size}}" : ""}`;
  if (source === "raw") return quiet ? "container_id: {{.ID}}" : `${RAW_FORMAT}${size ? "size: {{.Size}}\n" : ""}`;
  return quiet ? "{{.ID}}" : source;
}

export async function listContainers({ client, flags }: CommandContext): Promise<number> {
  const quiet = !!flags.quiet;
  const given = str(flags.format) ?? "";
  if (given && quiet) writeErr("WARNING: Ignoring custom format, because both --format and --quiet are set.\n");
  // without --format, the config's psFormat, as docker's
  const format = given || (cliSettings().psFormat ?? "");
  const last = str(flags.last) === undefined ? -1 : int64(str(flags.last)!, "-n, --last");
  const filters = parseFilterFlags(strs(flags.filter), "status=exited");
  // a bad template is refused before the request, as docker does
  if (format && format !== "table" && format !== "raw" && format !== "json") compileTemplate(format.replace(/^table\s?/, ""));
  // sizes cost the daemon a walk of each container's layer: asked for only when shown
  let size = !!flags.size;
  // (as docker's, which runs the template on a recorder: {{json .}} reads every field, Size too)
  if (!quiet && !size && flags.size === undefined && (/\.Size\b/.test(format) || /\bjson\s+\.\s*-?}}/.test(format))) size = true;
  const list = await new ContainerClient(client).list({ all: !!flags.all, limit: flags.latest && last === -1 ? 1 : last, size, filters });
  const rows = containerRows(list, { trunc: !flags["no-trunc"] });
  writeOut(renderRows(rows, psFormat(format, quiet, size), CONTAINER_HEADERS));
  return 0;
}
