// skiff volume create, ls, inspect, rm and prune: docker's flags, output and exit codes. prune
// asks as docker 23+ does (anonymous volumes only, all with -a), sending the daemon its `all`
// filter; docker's own CLIs, speaking API 1.41, get dockerd 20.10's prune of every unused volume.
import { invalid } from "../../../common/errors.ts";
import { writeOut } from "../../../common/stdio.ts";
import { VolumeClient, type VolumeJson } from "../../../api/client-volumes.ts";
import { humanSize } from "../../../api/units.ts";
import { str, strs, type CommandContext } from "../command.ts";
import { confirm } from "../confirm.ts";
import { renderRows, withLabel, withLabelHeader } from "../render.ts";
import { inspectEach, removeEach } from "./each-named.ts";
import { parseFilterFlags } from "./images.ts";

/** "k=v" flags (--label, --opt) as a map; a bare key is "" (docker's ListOpts → map). */
function keyValues(values: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (flag === "--opt" && eq <= 0) throw invalid("cli", "CLI_OPT_INVALID", `invalid argument "${v}" for "-o, --opt" flag: invalid key value pair format in driver options`, "give --opt KEY=VALUE (type=tmpfs, device=tmpfs, o=size=100m)");
    out[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? "" : v.slice(eq + 1);
  }
  return out;
}

export async function createVolume({ client, flags, args }: CommandContext): Promise<number> {
  const name = args[0] ?? str(flags.name);
  if (args[0] && str(flags.name) && str(flags.name) !== args[0]) throw invalid("cli", "CLI_VOLUME_NAME_CONFLICT", `conflicting options: either specify --name or provide positional arg, not both`, "name the volume once");
  const v = await new VolumeClient(client).create({ Name: name ?? "", Driver: str(flags.driver) ?? "local", DriverOpts: keyValues(strs(flags.opt), "--opt"), Labels: keyValues(strs(flags.label), "--label") });
  writeOut(`${v.Name}\n`);
  return 0;
}

/** A row of volume ls, as docker's CLI formats a volume (what it does not know is "N/A"). */
function row(v: VolumeJson) {
  const labels = Object.entries(v.Labels ?? {}).map(([k, x]) => `${k}=${x}`).sort().join(",");
  return withLabel({ Availability: "N/A", Driver: v.Driver, Group: "N/A", Labels: labels, Links: "N/A", Mountpoint: v.Mountpoint, Name: v.Name, Scope: v.Scope, Size: "N/A", Status: "N/A" }, v.Labels);
}

const HEADERS = withLabelHeader({ Availability: "AVAILABILITY", Driver: "DRIVER", Group: "GROUP", Labels: "LABELS", Links: "LINKS", Mountpoint: "MOUNTPOINT", Name: "VOLUME NAME", Scope: "SCOPE", Size: "SIZE", Status: "STATUS" });

export async function listVolumes({ client, flags }: CommandContext): Promise<number> {
  const volumes = (await new VolumeClient(client).list(parseFilterFlags(strs(flags.filter), "dangling=true"))).sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  // "table" alone is the default table, as in docker's formatter (and -q still names only)
  const given = str(flags.format);
  const format = given === "table" ? undefined : given;
  if (flags.quiet && !format) {
    writeOut(volumes.map((v) => `${v.Name}\n`).join(""));
    return 0;
  }
  writeOut(renderRows(volumes.map(row), format || "table {{.Driver}}\t{{.Name}}", HEADERS));
  return 0;
}

export const inspectVolumes = ({ client, flags, args }: CommandContext): Promise<number> => {
  const api = new VolumeClient(client);
  return inspectEach(args, (name): Promise<VolumeJson> => api.inspect(name), str(flags.format));
};

export const removeVolumes = ({ client, flags, args }: CommandContext): Promise<number> => {
  const api = new VolumeClient(client);
  return removeEach(args, (name) => api.remove(name, !!flags.force));
};

export async function pruneVolumes({ client, flags }: CommandContext): Promise<number> {
  const filters = parseFilterFlags(strs(flags.filter), "label=KEY");
  if (filters.all) throw invalid("cli", "CLI_FILTER_INVALID", 'conflicting options: cannot specify both --all and --filter all=1', "use --all (or -a)");
  filters.all = [flags.all ? "true" : "false"];
  const warning = flags.all ? "WARNING! This will remove all local volumes not used by at least one container." : "WARNING! This will remove anonymous local volumes not used by at least one container.";
  if (!flags.force && !confirm(`${warning}\nAre you sure you want to continue?`)) return 0;
  const res = await new VolumeClient(client).prune(filters);
  const deleted = res.VolumesDeleted ?? [];
  if (deleted.length) writeOut(`Deleted Volumes:\n${deleted.map((d) => `${d}\n`).join("")}\n`);
  writeOut(`Total reclaimed space: ${humanSize(res.SpaceReclaimed)}\n`); // units.HumanSize, as docker
  return 0;
}
