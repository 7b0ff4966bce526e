// docker's jsonmessage.DisplayJSONMessagesStream: in a terminal, one line per layer id, redrawn in
// place with ANSI cursor moves; elsewhere only the lines without a progress bar, one per message.
// An in-stream error ends the display as an error. As in docker, the bar shows only when the
// terminal is over 110 columns, its width read again for every line: a redrawn line must not wrap,
// or the cursor moves land on the wrong rows and every redraw leaves a stale row behind.
import { SkiffError } from "../../common/errors.ts";
import type { JsonMessage } from "../../api/client.ts";
import { progressString } from "../../api/units.ts";

export interface DisplayOptions {
  isTerminal: boolean;
  write: (text: string) => void;
  /** Width when the terminal's own cannot be read (docker: 200). */
  width?: number;
  /** The terminal's width now, asked before each line (docker asks the terminal's fd); in a
   * terminal, stdout's by default. The bar shows when it is over 110 columns. */
  columns?: () => number | undefined;
  onAux?: (aux: Record<string, unknown>) => void;
}

const cursorUp = (n: number) => (n > 0 ? `\x1b[${n}A` : "");
const cursorDown = (n: number) => (n > 0 ? `\x1b[${n}B` : "");
const CLEAR_LINE = "\x1b[2K";

/** Columns of the terminal on stdout; undefined when stdout is not a terminal. */
export const stdoutColumns = (): number | undefined => (process.stdout.isTTY ? process.stdout.columns || undefined : undefined);

/** One message as jsonmessage.Display writes it. */
export function displayLine(m: JsonMessage, isTerminal: boolean, width = 200): string {
  const hasProgress = m.progressDetail !== undefined;
  const bar = hasProgress ? progressString(m.progressDetail!, width) : "";
  let out = "";
  let endl = "";
  if (isTerminal && m.stream === undefined && hasProgress) {
    out += CLEAR_LINE + "\r";
    endl = "\r";
  } else if (hasProgress && bar !== "") return "";
  if (m.id) out += `${m.id}: `;
  if (hasProgress && isTerminal) out += `${m.status ?? ""} ${bar}${endl}`;
  else if (m.stream !== undefined) out += `${m.stream}${endl}`;
  else out += `${m.status ?? ""}${endl}\n`;
  return out;
}

export async function displayJsonMessages(messages: AsyncIterable<JsonMessage>, o: DisplayOptions): Promise<void> {
  let ids = new Map<string, number>();
  const columns = o.columns ?? (o.isTerminal ? stdoutColumns : () => undefined);
  for await (const m of messages) {
    if (m.error || m.errorDetail) {
      const message = m.errorDetail?.message ?? m.error ?? "unknown error";
      throw new SkiffError({ layer: "api", kind: "internal", code: "API_STREAM_ERROR", message });
    }
    if (m.aux) {
      o.onAux?.(m.aux);
      continue;
    }
    let diff = 0;
    if (m.id && m.progressDetail !== undefined) {
      let line = ids.get(m.id);
      if (line === undefined) {
        line = ids.size;
        ids.set(m.id, line);
        if (o.isTerminal) o.write("\n");
      }
      diff = ids.size - line;
      if (o.isTerminal) o.write(cursorUp(diff));
    } else ids = new Map();
    o.write(displayLine(m, o.isTerminal, (o.isTerminal && columns()) || o.width));
    if (m.id && o.isTerminal) o.write(cursorDown(diff));
  }
}
