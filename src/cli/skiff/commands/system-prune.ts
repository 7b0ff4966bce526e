// skiff system prune [-a] [--volumes] [-f] [--filter]: docker's prompt, then what docker's CLI
// asks for in its order: stopped containers, unused networks, unused
// anonymous volumes with --volumes, dangling images (every unused one with -a), each section's deletions
// printed as docker prints them, and "Total reclaimed space" summed over all.
import { writeOut } from "../../../common/stdio.ts";
import { humanSize } from "../../../api/units.ts";
import { strs, type CommandContext } from "../command.ts";
import { confirm } from "../confirm.ts";
import { parseFilterFlags } from "./images.ts";

/** docker 28's warning, word for word. Volumes as docker 23+ prunes them (and as skiff volume
 *  prune does): the anonymous ones only, though API 1.41's volume prune takes every unused one. */
export function pruneWarning(o: { all: boolean; volumes: boolean; filters: Record<string, string[]> }): string {
  const warnings = ["all stopped containers", "all networks not used by at least one container"];
  if (o.volumes) warnings.push("all anonymous volumes not used by at least one container");
  warnings.push(o.all ? "all images without at least one container associated to them" : "all dangling images");
  warnings.push(o.all ? "all build cache" : "unused build cache");
  const filters = Object.entries(o.filters).flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`));
  return `WARNING! This will remove:\n${warnings.map((w) => `  - ${w}\n`).join("")}\n${filters.length ? `  Items to be pruned will be filtered with:\n${filters.map((f) => `  - ${f}\n`).join("")}\n` : ""}Are you sure you want to continue?`;
}

export async function systemPrune({ client, flags }: CommandContext): Promise<number> {
  const all = !!flags.all;
  const volumes = !!flags.volumes;
  const filters = parseFilterFlags(strs(flags.filter), "until=24h");
  if (!flags.force && !confirm(pruneWarning({ all, volumes, filters }))) return 0;
  const post = async <T>(path: string, f: Record<string, string[]>) => (await (await client.request("POST", path, { query: { filters: Object.keys(f).length ? JSON.stringify(f) : undefined } })).json()) as T;
  let reclaimed = 0;
  const containers = await post<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>("/containers/prune", filters);
  reclaimed += containers.SpaceReclaimed ?? 0;
  if (containers.ContainersDeleted?.length) writeOut(`Deleted Containers:\n${containers.ContainersDeleted.map((id) => `${id}\n`).join("")}\n`);
  const networks = await post<{ NetworksDeleted: string[] | null }>("/networks/prune", filters);
  if (networks.NetworksDeleted?.length) writeOut(`Deleted Networks:\n${networks.NetworksDeleted.map((n) => `${n}\n`).join("")}\n`);
  if (volumes) {
    const v = await post<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>("/volumes/prune", { ...filters, all: ["false"] });
    reclaimed += v.SpaceReclaimed ?? 0;
    if (v.VolumesDeleted?.length) writeOut(`Deleted Volumes:\n${v.VolumesDeleted.map((n) => `${n}\n`).join("")}\n`);
  }
  const images = await post<{ ImagesDeleted: { Untagged?: string; Deleted?: string }[] | null; SpaceReclaimed: number }>("/images/prune", { ...filters, dangling: [String(!all)] });
  reclaimed += images.SpaceReclaimed ?? 0;
  if (images.ImagesDeleted?.length) writeOut(`Deleted Images:\n${images.ImagesDeleted.map((d) => (d.Untagged ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted}\n`)).join("")}\n`);
  writeOut(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  return 0;
}
