// skiff rmi, tag, image inspect and image prune.
import { isSkiffError } from "../../../common/errors.ts";
import { writeOut } from "../../../common/stdio.ts";
import { humanSize } from "../../../api/units.ts";
import { compileFormat } from "../template.ts";
import { strs, str, type CommandContext } from "../command.ts";
import { confirm } from "../confirm.ts";
import { reportError } from "../report-error.ts";
import { parseFilterFlags } from "./images.ts";
import { goShaped, IMAGE_INSPECT } from "../render.ts";

/** As docker's rmi: each image in turn, the errors told; with -f, images that are not there are
 *  told but no failure (a new-user trial: skiff exited 1 where docker exits 0). */
export async function removeImages({ client, flags, args }: CommandContext): Promise<number> {
  let status = 0;
  let fatal = false;
  for (const name of args) {
    try {
      for (const item of await client.removeImage(name, { force: !!flags.force, noprune: !!flags["no-prune"] })) {
        if (item.Untagged) writeOut(`Untagged: ${item.Untagged}\n`);
        if (item.Deleted) writeOut(`Deleted: ${item.Deleted}\n`);
      }
    } catch (e) {
      status = reportError(e);
      if (!(isSkiffError(e) && e.kind === "not_found")) fatal = true;
    }
  }
  return flags.force && !fatal ? 0 : status;
}

/** "host:5000/a/b:tag" → ["host:5000/a/b", "tag"]; a name without a tag gets "latest". */
export function splitReference(ref: string): [string, string] {
  const at = ref.lastIndexOf(":");
  return at > ref.lastIndexOf("/") ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, "latest"];
}

export async function tagImage({ client, args }: CommandContext): Promise<number> {
  const [repo, tag] = splitReference(args[1]!);
  await client.tagImage(args[0]!, repo, tag);
  return 0;
}

export async function inspectImages({ client, flags, args }: CommandContext): Promise<number> {
  const format = str(flags.format);
  const tpl = format ? compileFormat(format) : undefined;
  const platform = str(flags.platform);
  // with --platform: that platform's image, or an error saying which one it is
  const inspect = async (name: string) =>
    platform ? (await client.request("GET", `/images/${name.split("/").map(encodeURIComponent).join("/").replace(/%3A/gi, ":")}/json`, { query: { platform } })).json() : client.inspectImage(name);
  const found: unknown[] = [];
  let status = 0;
  for (const name of args) {
    try {
      found.push(await inspect(name));
    } catch (e) {
      status = reportError(e);
    }
  }
  // templates see docker's Go struct: every field, its zero value where the JSON has none
  if (tpl) writeOut(found.map((i) => tpl.execute(goShaped(i, IMAGE_INSPECT)) + "\n").join(""));
  else writeOut(JSON.stringify(found, null, 4) + "\n");
  return status;
}

export async function pruneImages({ client, flags }: CommandContext): Promise<number> {
  const all = !!flags.all;
  // checked here, and by the daemon (which refuses an unknown key before removing anything)
  const filters = parseFilterFlags(strs(flags.filter), "until=24h");
  if (!flags.force) {
    const warning = all
      ? "WARNING! This will remove all images without at least one container associated to them."
      : "WARNING! This will remove all dangling images.";
    if (!confirm(`${warning}\nAre you sure you want to continue?`)) return 0;
  }
  const res = await client.pruneImages(all, filters);
  const deleted = res.ImagesDeleted ?? [];
  if (deleted.length) {
    writeOut("Deleted Images:\n");
    for (const d of deleted) writeOut(d.Untagged ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted}\n`);
    writeOut("\n");
  }
  writeOut(`Total reclaimed space: ${humanSize(res.SpaceReclaimed)}\n`); // units.HumanSize, as docker
  return 0;
}
