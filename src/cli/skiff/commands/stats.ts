// skiff stats: GET /containers/{id}/stats for each container named (or each running one, all with
// -a), rendered as docker's table or --format. --no-stream: one frame each (stream=false), printed
// once. Streaming: a stream per container, the screen redrawn every 0.5 s as docker 28 redraws it
// (cursor home, each line ending in erase-to-end-of-line, then erase-below; no clear first); without names the
// list of containers is read again every 2 s, so new ones appear and stopped ones go.
import { writeOut } from "../../../common/stdio.ts";
import { ContainerClient } from "../../../api/client-containers.ts";
import type { ApiClient } from "../../../api/client.ts";
import { str, type CommandContext } from "../command.ts";
import { renderRows } from "../render.ts";
import { compileTemplate } from "../template.ts";
import { DEFAULT_STATS_FORMAT, STATS_HEADERS, statsEntry, statsRow, type StatsEntry, type StatsFrame } from "../stats-rows.ts";

const REDRAW_MS = 500;
const RELIST_EVERY = 4; // redraws

/** Each line of a JSON stream as it comes. */
async function* jsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<StatsFrame> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) yield JSON.parse(line) as StatsFrame;
    }
  }
}

async function oneFrame(client: ApiClient, ref: string): Promise<StatsEntry> {
  const res = await client.request("GET", `/containers/${encodeURIComponent(ref)}/stats`, { query: { stream: "0" } });
  for await (const f of jsonLines(res.body!)) return statsEntry(ref, f);
  return statsEntry(ref, {});
}

export async function stats({ client, flags, args }: CommandContext): Promise<number> {
  const format = str(flags.format) || DEFAULT_STATS_FORMAT;
  // a bad template is refused before any request, as docker does
  if (format !== "table" && format !== "json") compileTemplate(format.replace(/^table\s?/, ""));
  const source = format === "table" ? DEFAULT_STATS_FORMAT : format;
  const trunc = !flags["no-trunc"];
  const containers = new ContainerClient(client);
  const listed = async () => (await containers.list({ all: !!flags.all })).map((c) => c.Id.slice(0, 12));
  const refs = args.length ? args : await listed();
  const render = (entries: StatsEntry[]) => renderRows(entries.map((e) => statsRow(e, trunc)), source, STATS_HEADERS);

  if (flags["no-stream"]) {
    const entries = await Promise.all(refs.map((r) => oneFrame(client, r)));
    writeOut(render(entries));
    return 0;
  }

  const latest = new Map<string, StatsEntry>();
  /** The streams open, each with what ends it (the body's cancel). */
  const streams = new Map<string, () => void>();
  const follow = (ref: string) => {
    if (streams.has(ref)) return;
    let body: ReadableStream<Uint8Array> | undefined;
    let ended = false;
    streams.set(ref, () => ((ended = true), void body?.cancel().catch(() => {})));
    void (async () => {
      try {
        const res = await client.request("GET", `/containers/${encodeURIComponent(ref)}/stats`, { query: { stream: "1" } });
        body = res.body!;
        if (ended) return void body.cancel().catch(() => {});
        for await (const f of jsonLines(body)) latest.set(ref, statsEntry(ref, f));
      } catch {}
      streams.delete(ref);
      latest.delete(ref);
    })();
  };
  // names given: an unknown one is an error before anything is drawn, as docker's
  if (args.length) await Promise.all(args.map((r) => containers.inspect(r)));
  let order = refs;
  order.forEach(follow);
  for (let tick = 1; ; tick++) {
    await Bun.sleep(REDRAW_MS);
    if (!args.length && tick % RELIST_EVERY === 0) {
      order = await listed();
      for (const [ref, end] of streams) if (!order.includes(ref)) (end(), latest.delete(ref));
      order.forEach(follow);
    }
    const text = render(order.flatMap((r) => (latest.has(r) ? [latest.get(r)!] : [])));
    // docker 28's frame: each line (the empty one after the table too) followed by " ESC[K" (Go's Println of the line and the code)
    writeOut(`\x1b[H${text.split("\n").map((l) => `${l} \x1b[K\n`).join("")}\x1b[J`);
    if (args.length && !streams.size) return 0;
  }
}
