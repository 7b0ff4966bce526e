// skiff system df [-v] [--format]: GET /system/df as docker's table (TYPE TOTAL ACTIVE SIZE
// RECLAIMABLE), or with -v each image, container, volume and the build cache in docker's
// sections ("Images space usage:" …).
import { writeOut } from "../../../common/stdio.ts";
import { humanSize } from "../../../api/units.ts";
import { str, type CommandContext } from "../command.ts";
import { containerRows } from "../container-rows.ts";
import { DEFAULT_DF_FORMAT, DF_HEADERS, diskUsageRows, type DiskUsage } from "../disk-usage-rows.ts";
import { imageRows } from "../image-rows.ts";
import { renderRows } from "../render.ts";
import { tabwrite } from "../tabwriter.ts";
import { compileFormat } from "../template.ts";

export async function df({ client, flags }: CommandContext): Promise<number> {
  const format = str(flags.format) ?? "";
  if (format && format !== "table" && format !== "json") compileFormat(format.replace(/^table\s?/, ""));
  const du = (await (await client.request("GET", "/system/df")).json()) as DiskUsage;
  if (!flags.verbose) {
    writeOut(renderRows(diskUsageRows(du), !format || format === "table" ? DEFAULT_DF_FORMAT : format, DF_HEADERS));
    return 0;
  }
  if (format && format !== "table") {
    // docker's verbose --format runs the template over the whole document
    writeOut(compileFormat(format === "json" ? "{{json .}}" : format).execute(du as never) + "\n");
    return 0;
  }
  // one row per image, under its first tag, as docker's (a new-user trial: a row per tag)
  const images = imageRows((du.Images ?? []).map((i) => ({ ...i, RepoTags: i.RepoTags?.slice(0, 1) ?? null })), { digests: false }).map((r) => {
    const img = (du.Images ?? []).find((i) => i.Id.replace(/^sha256:/, "").startsWith(r.ID));
    return { ...r, UniqueSize: img ? humanSize(img.Size - Math.max(img.SharedSize, 0)) : r.UniqueSize }; // units.HumanSize, as docker
  });
  const containers = containerRows(du.Containers ?? [], { trunc: true }).map((r, i) => ({ ...r, Size: humanSize((du.Containers ?? [])[i]?.SizeRw ?? 0, 3) }));
  const table = (head: string[], rows: string[][]) => tabwrite([head, ...rows].map((r) => r.join("\t") + "\n").join(""));
  const cacheSize = (du.BuildCache ?? []).reduce((a, c) => a + c.Size, 0);
  writeOut(
    [
      "Images space usage:\n\n" + table(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"], images.map((r) => [r.Repository, r.Tag, r.ID, r.CreatedSince, r.Size, r.SharedSize, r.UniqueSize, r.Containers])),
      "Containers space usage:\n\n" + table(["CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"], containers.map((r) => [r.ID, r.Image, r.Command, r.LocalVolumes, r.Size, r.RunningFor, r.Status, r.Names])),
      "Local Volumes space usage:\n\n" + table(["VOLUME NAME", "LINKS", "SIZE"], (du.Volumes ?? []).map((v) => [v.Name, String(v.UsageData?.RefCount ?? 0), humanSize(Math.max(v.UsageData?.Size ?? 0, 0), 3)])),
      `Build cache usage: ${humanSize(cacheSize, 3)}\n\n` + table(["CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED"], []),
    ].join("\n"),
  );
  return 0;
}
