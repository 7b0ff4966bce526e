// Reading a container's json-file log (written by its monitor: one {"log","stream","time"} object
// per line, rotated to .1, .2 …) as docker logs does: by stream, since/until, the last N lines,
// and following new lines until the container has exited and the file is drained.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";

export interface LogEntry {
  stream: "stdout" | "stderr";
  /** The line's bytes, its newline included when it had one. */
  line: Buffer;
  /** RFC 3339 with nanoseconds, as the monitor wrote it. */
  time: string;
}

export interface LogOptions {
  stdout: boolean;
  stderr: boolean;
  /** Seconds since the epoch (fractions allowed): entries before are skipped. */
  since?: number;
  /** Seconds since the epoch: entries after end the reading. */
  until?: number;
  /** The last N entries (of those selected); undefined for all. */
  tail?: number;
  follow?: boolean;
  /** While following: whether the container may still write (its monitor runs). */
  running?: () => boolean;
  signal?: AbortSignal;
}

const CHUNK = 1 << 16;

/** The files of a log, oldest first (rotated ones have a numeric suffix). */
function files(path: string): string[] {
  const out: string[] = [];
  for (let i = 1; existsSync(`${path}.${i}`); i++) out.unshift(`${path}.${i}`);
  if (existsSync(path)) out.push(path);
  return out;
}

/** Lines of a file from `offset`, complete lines only; returns the offset after the last one. */
function readLines(path: string, offset: number, each: (line: string) => void): number {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return offset;
  }
  try {
    let carry: Buffer = Buffer.alloc(0);
    let pos = offset;
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, pos);
      if (n <= 0) break;
      pos += n;
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
        each(data.toString("utf8", start, nl));
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
    }
    return pos - carry.length;
  } finally {
    closeSync(fd);
  }
}

function parse(line: string): LogEntry | undefined {
  try {
    const o = JSON.parse(line) as { log?: unknown; stream?: unknown; time?: unknown };
    if (typeof o.log !== "string" || (o.stream !== "stdout" && o.stream !== "stderr") || typeof o.time !== "string") return undefined;
    return { stream: o.stream, line: Buffer.from(o.log, "utf8"), time: o.time };
  } catch {
    return undefined; // a line cut by a crash: skipped, as docker skips it
  }
}

const seconds = (time: string): number => {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return Date.parse(time) / 1000;
  return Date.parse(`${m[1]}${m[3]}`) / 1000 + Number(`0.${m[2] ?? "0"}`);
};

export async function* readLog(path: string, o: LogOptions): AsyncGenerator<LogEntry> {
  const wanted = (e: LogEntry) => (e.stream === "stdout" ? o.stdout : o.stderr) && (o.since === undefined || seconds(e.time) >= o.since);
  const past = (e: LogEntry) => o.until !== undefined && seconds(e.time) > o.until;
  let selected: LogEntry[] = [];
  let ended = false;
  for (const f of files(path)) {
    readLines(f, 0, (l) => {
      const e = parse(l);
      if (!e || ended) return;
      if (past(e)) ended = true;
      else if (wanted(e)) selected.push(e);
    });
  }
  if (o.tail !== undefined) selected = o.tail <= 0 ? [] : selected.slice(-o.tail);
  yield* selected;
  if (!o.follow || ended) return;
  // follow the live file from its end; a rotation starts the new file from 0
  let offset = existsSync(path) ? statSync(path).size : 0;
  let ino = existsSync(path) ? statSync(path).ino : 0;
  for (;;) {
    if (o.signal?.aborted) return;
    const stillRunning = o.running?.() ?? false;
    const st = existsSync(path) ? statSync(path) : undefined;
    if (st && st.ino !== ino) {
      ino = st.ino;
      offset = 0;
    }
    const batch: LogEntry[] = [];
    if (st && st.size > offset)
      offset = readLines(path, offset, (l) => {
        const e = parse(l);
        if (e && !ended) {
          if (past(e)) ended = true;
          else if (wanted(e)) batch.push(e);
        }
      });
    yield* batch;
    if (ended || (!stillRunning && (!st || statSync(path).size <= offset))) return;
    await Bun.sleep(50);
  }
}
