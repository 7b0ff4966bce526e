// `docker images` rows: one per repository tag (or digest with --digests), with docker's field
// names for --format ({{.Repository}}, {{.Tag}}, {{.ID}}, {{.CreatedSince}}, {{.Size}}, …).
import type { ImageSummary } from "../../api/client.ts";
import { humanDuration, humanSize } from "../../api/units.ts";

export interface ImageRow {
  Containers: string;
  CreatedAt: string;
  CreatedSince: string;
  Digest: string;
  ID: string;
  Repository: string;
  SharedSize: string;
  Size: string;
  Tag: string;
  UniqueSize: string;
  VirtualSize: string;
}

export const IMAGE_HEADERS: Record<keyof ImageRow, string> = {
  Containers: "CONTAINERS",
  CreatedAt: "CREATED AT",
  CreatedSince: "CREATED",
  Digest: "DIGEST",
  ID: "IMAGE ID",
  Repository: "REPOSITORY",
  SharedSize: "SHARED SIZE",
  Size: "SIZE",
  Tag: "TAG",
  UniqueSize: "UNIQUE SIZE",
  VirtualSize: "VIRTUAL SIZE",
};

/** Go's time.Time String() in UTC: "2024-05-01 10:00:00 +0000 UTC". */
export function goTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " +0000 UTC");
}

export const shortId = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);

function splitRepoTag(ref: string): [string, string] {
  const at = ref.lastIndexOf(":");
  return at > ref.lastIndexOf("/") ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, "<none>"];
}

/**
 * Rows as docker's CLI lays them out: per repository, a row per tag (one per tag and digest when
 * digests are shown), then a "<none>" tag row for each repository the image has digests in but
 * no tag (an image pulled by digest); an image with no reference at all is one <none> row.
 * `digests: false` (docker without --digests nor {{.Digest}}) leaves the digests out.
 */
export function imageRows(images: ImageSummary[], opts: { noTrunc?: boolean; now?: number; digests?: boolean } = {}): ImageRow[] {
  const now = opts.now ?? Date.now();
  const showDigests = opts.digests ?? true;
  const rows: ImageRow[] = [];
  for (const img of [...images].sort((a, b) => b.Created - a.Created)) {
    const base = {
      Containers: img.Containers < 0 ? "N/A" : String(img.Containers),
      CreatedAt: goTime(img.Created),
      CreatedSince: `${humanDuration(now - img.Created * 1000)} ago`,
      ID: opts.noTrunc ? img.Id : shortId(img.Id),
      SharedSize: img.SharedSize < 0 ? "N/A" : humanSize(img.SharedSize), // units.HumanSize, where Size has 3 digits
      Size: humanSize(img.Size, 3),
      UniqueSize: "N/A",
      VirtualSize: humanSize(img.Size), // (docker 28: units.HumanSize of Size, VirtualSize being deprecated)
    };
    const add = (Repository: string, Tag: string, Digest: string) => rows.push(sorted({ ...base, Repository, Tag, Digest }));
    const tags = new Map<string, string[]>();
    for (const t of img.RepoTags ?? []) {
      if (t === "<none>:<none>") continue;
      const [repo, tag] = splitRepoTag(t);
      tags.set(repo, [...(tags.get(repo) ?? []), tag]);
    }
    const digests = new Map<string, string[]>();
    for (const d of img.RepoDigests ?? []) {
      const at = d.indexOf("@");
      if (at < 0 || d === "<none>@<none>") continue;
      const repo = d.slice(0, at);
      digests.set(repo, [...(digests.get(repo) ?? []), d.slice(at + 1)]);
    }
    if (!tags.size && !digests.size) {
      add("<none>", "<none>", "<none>");
      continue;
    }
    for (const [repo, repoTags] of tags) {
      const repoDigests = showDigests ? (digests.get(repo) ?? []) : [];
      digests.delete(repo);
      for (const tag of repoTags) {
        if (!repoDigests.length) add(repo, tag, "<none>");
        for (const d of repoDigests) add(repo, tag, d);
      }
    }
    for (const [repo, repoDigests] of digests) {
      if (showDigests) for (const d of repoDigests) add(repo, "<none>", d);
      else add(repo, "<none>", "");
    }
  }
  return rows;
}

/** Keys in alphabetical order, as Go marshals the map behind {{json .}}. */
const sorted = (r: ImageRow): ImageRow => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1))) as unknown as ImageRow;
