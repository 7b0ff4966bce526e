// docker's jsonmessage.DisplayJSONMessagesStream: in a terminal, one line per layer id, redrawn in
// place with ANSI cursor moves; elsewhere only the lines without a progress bar, one per message.
// An in-stream error ends the display as an error. As in docker, the bar shows only when the
// terminal is over 110 columns, its width read again for every line: a redrawn line must not wrap,
// or the cursor moves land on the wrong rows and every redraw leaves a stale row behind.
// Unlike docker, a terminal line also shows the layer's speed after its byte counts, measured here
// from the counts of its successive messages and the time they arrived ("2.13MB/s"); only when the
// line still fits, and never in plain output (nor in the JSON, which is the daemon's).
import { streamError, type JsonMessage } from "../../api/client.ts";
import { humanSize, progressString } from "../../api/units.ts";

export interface DisplayOptions {
  isTerminal: boolean;
  write: (text: string) => void;
  /** Width when the terminal's own cannot be read (docker: 200). */
  width?: number;
  /** The terminal's width now, asked before each line (docker asks the terminal's fd); in a
   * terminal, stdout's by default. The bar shows when it is over 110 columns. */
  columns?: () => number | undefined;
  onAux?: (aux: Record<string, unknown>) => void;
  /** Clock of the speed measurement, in ms (tests). */
  now?: () => number;
}

/** The speed is measured over the byte counts of about this long… */
export const SPEED_WINDOW_MS = 2000;
/** …and shown once they span at least this long. */
export const SPEED_MIN_SPAN_MS = 500;

/**
 * Bytes per second of each layer, from the byte counts of its messages: the count's growth since
 * the newest sample at least SPEED_WINDOW_MS old (or the oldest), over the time between. Samples
 * start at the first count above 0: what comes before it is a connection's latency, or for an
 * upload the socket buffers filled at once, not the pace. A new status, a count that goes back (a
 * retry) or a message without one starts the layer's over.
 */
export class SpeedMeter {
  private readonly layers = new Map<string, { status: string; samples: { at: number; bytes: number }[] }>();

  /** Records a message of layer `id`; its speed in bytes per second, undefined while there is too little data. */
  update(id: string, status: string, current: number | undefined, at: number): number | undefined {
    if (current === undefined || current <= 0) {
      this.layers.delete(id);
      return undefined;
    }
    let l = this.layers.get(id);
    if (!l || l.status !== status || current < l.samples.at(-1)!.bytes) this.layers.set(id, (l = { status, samples: [] }));
    const samples = l.samples;
    samples.push({ at, bytes: current });
    while (samples.length > 2 && samples[1]!.at <= at - SPEED_WINDOW_MS) samples.shift();
    const first = samples[0]!;
    const span = at - first.at;
    if (span < SPEED_MIN_SPAN_MS) return undefined;
    return ((current - first.bytes) * 1000) / span;
  }
}

/** "2.13MB/s": docker's decimal units, 3 significant digits (rounded first: 999.6kB/s is "1MB/s", not Go's "1e+03kB/s"). */
export const speedString = (bytesPerSecond: number): string => `${humanSize(Number(Math.round(bytesPerSecond).toPrecision(3)), 3)}/s`;

const cursorUp = (n: number) => (n > 0 ? `\x1b[${n}A` : "");
const cursorDown = (n: number) => (n > 0 ? `\x1b[${n}B` : "");
const CLEAR_LINE = "\x1b[2K";

/** Columns of the terminal on stdout; undefined when stdout is not a terminal. */
export const stdoutColumns = (): number | undefined => (process.stdout.isTTY ? process.stdout.columns || undefined : undefined);

/** One message as jsonmessage.Display writes it; in a terminal, `speed` after the byte counts when the line stays narrower than `width`. */
export function displayLine(m: JsonMessage, isTerminal: boolean, width = 200, speed?: string): string {
  const hasProgress = m.progressDetail !== undefined;
  const bar = hasProgress ? progressString(m.progressDetail!, width) : "";
  let out = "";
  let endl = "";
  if (isTerminal && m.stream === undefined && hasProgress) {
    out += CLEAR_LINE + "\r";
    endl = "\r";
  } else if (hasProgress && bar !== "") return "";
  if (m.id) out += `${m.id}: `;
  if (hasProgress && isTerminal) {
    let text = `${m.status ?? ""} ${bar}`;
    const shown = (m.id ? m.id.length + 2 : 0) + text.length;
    // Shorter than the width: a character in the last column may wrap on some terminals.
    if (speed && bar !== "" && shown + 2 + speed.length < width) text += `  ${speed}`;
    out += `${text}${endl}`;
  } else if (m.stream !== undefined) out += `${m.stream}${endl}`;
  else out += `${m.status ?? ""}${endl}\n`;
  return out;
}

export async function displayJsonMessages(messages: AsyncIterable<JsonMessage>, o: DisplayOptions): Promise<void> {
  let ids = new Map<string, number>();
  const columns = o.columns ?? (o.isTerminal ? stdoutColumns : () => undefined);
  const now = o.now ?? (() => performance.now());
  const speeds = new SpeedMeter();
  for await (const m of messages) {
    if (m.error || m.errorDetail) throw streamError(m);
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
    let speed: string | undefined;
    if (o.isTerminal && m.id && m.progressDetail !== undefined) {
      const bps = speeds.update(m.id, m.status ?? "", m.progressDetail.current, now());
      if (bps !== undefined) speed = speedString(bps);
    }
    o.write(displayLine(m, o.isTerminal, (o.isTerminal && columns()) || o.width, speed));
    if (m.id && o.isTerminal) o.write(cursorDown(diff));
  }
}
