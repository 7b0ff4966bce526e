// skiff search: GET /images/search shown as docker 28's CLI shows it (NAME, DESCRIPTION, STARS,
// OFFICIAL; the description on one line, cut to 45 columns with "…" unless --no-trunc), with
// --filter, --limit and --format, and the credentials of the term's registry from the docker config.
import { writeOut } from "../../../common/stdio.ts";
import { renderRows } from "../render.ts";
import { str, strs, type CommandContext } from "../command.ts";
import { parseFilterFlags } from "./images.ts";

interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

/** A row as docker's search formatter exposes it to templates. */
export interface SearchRow {
  Name: string;
  Description: string;
  StarCount: string;
  IsOfficial: string;
  IsAutomated: string;
}

export const SEARCH_HEADERS: Record<string, string> = { Name: "NAME", Description: "DESCRIPTION", StarCount: "STARS", IsOfficial: "OFFICIAL", IsAutomated: "AUTOMATED" };
const DEFAULT_FORMAT = "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}";
const DESCRIPTION_WIDTH = 45;

/** docker's Ellipsis: at most `width` characters, the last one "…" when cut. */
export function ellipsis(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : `${chars.slice(0, width - 1).join("")}…`;
}

export function searchRows(results: SearchResult[], noTrunc: boolean): SearchRow[] {
  return results.map((r) => {
    const description = r.description.replace(/[\r\n]/g, " ");
    return {
      Name: r.name,
      Description: noTrunc ? description : ellipsis(description, DESCRIPTION_WIDTH),
      StarCount: String(r.star_count),
      IsOfficial: r.is_official ? "[OK]" : "",
      IsAutomated: r.is_automated ? "[OK]" : "",
    };
  });
}

export async function search({ client, flags, args }: CommandContext): Promise<number> {
  const term = args[0]!;
  const filters = parseFilterFlags(strs(flags.filter), "is-official=true");
  const limit = typeof flags.limit === "number" ? flags.limit : undefined;
  const { credentialsFor } = await import("./transfer.ts");
  // the term's registry is split off as a reference's domain is (Docker Hub unless it names a host)
  const auth = (() => {
    try {
      return credentialsFor(term.toLowerCase());
    } catch {
      return undefined;
    }
  })();
  const headers = auth ? { "X-Registry-Auth": Buffer.from(JSON.stringify(auth)).toString("base64url") } : undefined;
  const query = { term, limit, filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined };
  const results = (await (await client.request("GET", "/images/search", { query, headers })).json()) as SearchResult[];
  writeOut(renderRows(searchRows(results, !!flags["no-trunc"]), str(flags.format) ?? DEFAULT_FORMAT, SEARCH_HEADERS));
  return 0;
}
