// skiff diff, export, commit and history: docker's words, columns and exit codes.
import { closeSync, openSync, renameSync, rmSync } from "node:fs";
import { outputPlan } from "../output-file.ts";
import { refused } from "../report-error.ts";
import { writeAll, writeOut } from "../../../common/stdio.ts";
import type { HistoryItem } from "../../../api/client.ts";
import { humanDuration, humanSize } from "../../../api/units.ts";
import { renderRows } from "../render.ts";
import { isatty } from "../termios.ts";
import { shortId } from "../image-rows.ts";
import { str, strs, type CommandContext } from "../command.ts";

const enc = encodeURIComponent;
const KINDS = ["C", "A", "D"];

export async function diff({ client, args }: CommandContext): Promise<number> {
  const res = await client.request("GET", `/containers/${enc(args[0]!)}/changes`);
  const changes = ((await res.json()) as { Path: string; Kind: number }[] | null) ?? [];
  writeOut(changes.map((c) => `${KINDS[c.Kind] ?? "?"} ${c.Path}\n`).join(""));
  return 0;
}

export async function exportContainer({ client, flags, args }: CommandContext): Promise<number> {
  const output = str(flags.output);
  if (!output && isatty(1)) throw refused("CLI_EXPORT_TO_TERMINAL", "cowardly refusing to save to a terminal. Use the -o flag or redirect", "skiff export -o FILE CONTAINER");
  const res = await client.request("GET", `/containers/${enc(args[0]!)}/export`);
  if (!output) {
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) writeAll(1, c);
    return 0;
  }
  // written beside the target and renamed once whole: a failed export leaves no half file (a
  // device or FIFO is written in place: output-file.ts)
  const { path: tmp, inPlace } = outputPlan(output);
  const fd = openSync(tmp, "w", 0o644);
  try {
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) writeAll(fd, c);
    closeSync(fd);
    if (!inPlace) renameSync(tmp, output);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    if (!inPlace) rmSync(tmp, { force: true });
    throw e;
  }
  return 0;
}

export async function commit({ client, flags, args }: CommandContext): Promise<number> {
  let repo: string | undefined;
  let tag: string | undefined;
  if (args[1]) {
    const ref = args[1];
    const at = ref.lastIndexOf(":");
    [repo, tag] = at > ref.lastIndexOf("/") ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, undefined];
  }
  const res = await client.request("POST", "/commit", {
    query: { container: args[0]!, repo, tag, comment: str(flags.message), author: str(flags.author), changes: strs(flags.change), pause: flags.pause === false ? "0" : "1" },
    body: "{}",
    headers: { "Content-Type": "application/json" },
  });
  writeOut(`${((await res.json()) as { Id: string }).Id}\n`);
  return 0;
}

const HISTORY_HEADERS = { ID: "IMAGE", CreatedSince: "CREATED", CreatedAt: "CREATED AT", CreatedBy: "CREATED BY", Size: "SIZE", Comment: "COMMENT" };

/** docker's formatter.Ellipsis: cut to `max` characters, the last one "…". */
const ellipsis = (s: string, max: number) => ([...s].length > max ? `${[...s].slice(0, max - 1).join("")}…` : s);

export async function history({ client, flags, args }: CommandContext): Promise<number> {
  const res = await client.request("GET", `/images/${args[0]!.split("/").map(enc).join("/")}/history`);
  const items = (await res.json()) as HistoryItem[];
  const noTrunc = flags["no-trunc"] === true;
  const human = flags.human !== false;
  const now = Date.now();
  const rows = items.map((h) => {
    const createdBy = h.CreatedBy.replace(/\t/g, " ").replace(/^\/bin\/sh -c #\(nop\) /, "");
    return {
      ID: noTrunc || h.Id === "<missing>" ? h.Id : shortId(h.Id),
      CreatedSince: human ? (h.Created ? `${humanDuration(now - h.Created * 1000)} ago` : "N/A") : new Date(h.Created * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
      CreatedAt: new Date(h.Created * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
      CreatedBy: noTrunc ? createdBy : ellipsis(createdBy, 45),
      Size: human ? humanSize(h.Size, 3) : String(h.Size),
      Comment: h.Comment,
    };
  });
  const format = flags.quiet === true ? "{{.ID}}" : (str(flags.format) ?? "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}");
  writeOut(renderRows(rows, format, HISTORY_HEADERS));
  return 0;
}
