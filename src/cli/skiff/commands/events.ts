// skiff events: GET /events?since=&until=&filters= streamed as it comes, one line an event, in
// docker's default form ("TIME TYPE ACTION ID (k=v, …)") or through --format.
import { writeOut } from "../../../common/stdio.ts";
import { invalid } from "../../../common/errors.ts";
import { str, strs, type CommandContext } from "../command.ts";
import { getTimestamp } from "../go-time.ts";
import { compileFormat } from "../template.ts";
import { parseEventLine, type EventMessage } from "../event-message.ts";

/** docker's time of an event: RFC 3339 with nine digits of the second. */
function eventTime(e: EventMessage): string {
  const nanos = e.TimeNano;
  const iso = new Date(Number(nanos / 1_000_000n)).toISOString();
  return `${iso.slice(0, 19)}.${String(nanos % 1_000_000_000n).padStart(9, "0")}Z`;
}

export function defaultLine(e: EventMessage): string {
  const attrs = Object.entries(e.Actor.Attributes ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(", ");
  return `${eventTime(e)} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs ? ` (${attrs})` : ""}`;
}

export async function events({ client, flags }: CommandContext): Promise<number> {
  const now = Date.now();
  const since = str(flags.since) ? getTimestamp(str(flags.since)!, "--since", now) : undefined;
  const until = str(flags.until) ? getTimestamp(str(flags.until)!, "--until", now) : undefined;
  const filters: Record<string, Record<string, boolean>> = {};
  for (const f of strs(flags.filter)) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw invalid("cli", "CLI_USAGE", `invalid argument "${f}" for "-f, --filter" flag: bad format of filter (expected name=value)`, "See 'skiff events --help'.");
    (filters[f.slice(0, eq)] ??= {})[f.slice(eq + 1)] = true;
  }
  const format = str(flags.format) ? compileFormat(str(flags.format)!) : undefined;
  const res = await client.request("GET", "/events", { query: { since, until, filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined } });
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (!line.trim()) continue;
      const e = parseEventLine(line);
      writeOut(`${format ? format.execute(e as never) : defaultLine(e)}\n`);
    }
  }
  return 0;
}
