// Reading a container's json-file log (written by its monitor: one {"log","stream","time"} object
// per line, rotated to .1, .2 …) as docker logs does: by stream, since/until, the last N entries,
// and following new lines until the container has exited and the file is drained.
//
// The log is streamed: read in chunks as the client takes them (a million lines are not held in
// memory, and the daemon serves other requests meanwhile), and --tail reads backwards from the end
// until it has its N entries, whatever the log's size.
import { existsSync, statSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";

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

/** Complete lines of a file from `offset` on, a chunk at a time; `end` receives the offset after the last whole line. */
async function* linesFrom(path: string, offset: number, end?: (at: number) => void): AsyncGenerator<string> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch {
    end?.(offset);
    return;
  }
  try {
    let carry: Buffer = Buffer.alloc(0);
    let pos = offset;
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead <= 0) break;
      pos += bytesRead;
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
      let start = 0;
      for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
        yield data.toString("utf8", start, nl);
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
    }
    end?.(pos - carry.length);
  } finally {
    await fh.close();
  }
}

/** Complete lines of a file from its end backwards (newest first), a chunk at a time. */
async function* linesBackwards(path: string): AsyncGenerator<string> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch {
    return;
  }
  try {
    let pos = (await fh.stat()).size;
    let carry: Buffer = Buffer.alloc(0);
    const buf = Buffer.alloc(CHUNK);
    let first = true;
    while (pos > 0) {
      const n = Math.min(CHUNK, pos);
      pos -= n;
      await fh.read(buf, 0, n, pos);
      const data = Buffer.concat([buf.subarray(0, n), carry]);
      let endAt = data.length;
      // a last line still being written (no newline yet) is not a line
      if (first) {
        const lastNl = data.lastIndexOf(0x0a);
        endAt = lastNl + 1;
        first = false;
      }
      let cut = data.lastIndexOf(0x0a, endAt - 2);
      while (cut >= 0) {
        yield data.toString("utf8", cut + 1, endAt - 1);
        endAt = cut + 1;
        cut = data.lastIndexOf(0x0a, endAt - 2);
      }
      carry = Buffer.from(data.subarray(0, endAt));
    }
    if (carry.length > 1) yield carry.toString("utf8", 0, carry.length - 1);
  } finally {
    await fh.close();
  }
}

export async function* readLog(path: string, o: LogOptions): AsyncGenerator<LogEntry> {
  const wanted = (e: LogEntry) => (e.stream === "stdout" ? o.stdout : o.stderr) && (o.since === undefined || seconds(e.time) >= o.since);
  const past = (e: LogEntry) => o.until !== undefined && seconds(e.time) > o.until;
  const all = files(path);
  // where following starts: the live file's end as it is now
  let offset = existsSync(path) ? statSync(path).size : 0;
  let ino = existsSync(path) ? statSync(path).ino : 0;
  let ended = false;
  if (o.tail !== undefined) {
    if (o.tail > 0) yield* tailOf(all, o.tail, (e) => wanted(e) && !past(e));
  } else {
    for (const f of all) {
      for await (const l of linesFrom(f, 0, f === path ? (at) => (offset = at) : undefined)) {
        if (o.signal?.aborted) return;
        const e = parse(l);
        if (!e) continue;
        if (past(e)) {
          ended = true;
          break;
        }
        if (wanted(e)) yield e;
      }
      if (ended) return;
    }
  }
  if (!o.follow) return;
  // follow the live file; a rotation starts the new file from 0
  for (;;) {
    if (o.signal?.aborted) return;
    const stillRunning = o.running?.() ?? false;
    const st = existsSync(path) ? statSync(path) : undefined;
    if (st && st.ino !== ino) {
      ino = st.ino;
      offset = 0;
    }
    if (st && st.size > offset)
      for await (const l of linesFrom(path, offset, (at) => (offset = at))) {
        const e = parse(l);
        if (!e) continue;
        if (past(e)) return;
        if (wanted(e)) yield e;
      }
    if (!stillRunning && (!existsSync(path) || statSync(path).size <= offset)) return;
    await Bun.sleep(50);
  }
}

/** The last `n` entries that pass `keep`, read from the newest file's end backwards. */
async function* tailOf(all: string[], n: number, keep: (e: LogEntry) => boolean): AsyncGenerator<LogEntry> {
  const found: LogEntry[] = [];
  for (const f of [...all].reverse()) {
    for await (const l of linesBackwards(f)) {
      const e = parse(l);
      if (e && keep(e)) found.push(e);
      if (found.length >= n) break;
    }
    if (found.length >= n) break;
  }
  for (let i = found.length - 1; i >= 0; i--) yield found[i]!;
}
