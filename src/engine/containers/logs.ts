// Reading a container's json-file log (written by its monitor: one {"log","stream","time"} object
// per line, rotated to .1, .2 …) as docker logs does: by stream, since/until, the last N entries,
// and following new lines until the container has exited and the file is drained.
//
// The log is streamed: read in chunks as the client takes them (a million lines are not held in
// memory, and the daemon serves other requests meanwhile), and --tail reads backwards from the end
// until it has its N entries, whatever the log's size.
import { statSync } from "node:fs";
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

/** One file of the log, held open: the monitor's rotation renames it (file → file.1 → file.2 …)
 *  and opens a new live file, so what is read is the file, wherever its name has gone. */
interface LogFile {
  fh: FileHandle;
  ino: number;
}

const inoOf = (path: string): number | undefined => {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
};

async function openFile(path: string): Promise<LogFile | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch {
    return undefined;
  }
  return { fh, ino: (await fh.stat()).ino };
}

const closeAll = (files: LogFile[]) => Promise.all(files.map((f) => f.fh.close().catch(() => {})));

/**
 * The log's files, oldest first, opened as one set that a rotation did not cut through (as
 * dockerd reads them under its lock): newest first, then again if a rotation came in between
 * (a file met twice under two names, or the live one replaced meanwhile).
 */
async function openFiles(path: string): Promise<LogFile[]> {
  for (let attempt = 0; ; attempt++) {
    const got: LogFile[] = [];
    let whole = true;
    // the live file (it may be missing for a moment in a rotation), then .1, .2 … while they exist
    for (let i = 0; ; i++) {
      const f = await openFile(i === 0 ? path : `${path}.${i}`);
      if (!f) {
        if (i === 0) continue;
        // a gap with a file behind it: a rotation is renaming them one by one
        if (inoOf(`${path}.${i + 1}`) !== undefined) whole = false;
        break;
      }
      if (got.some((g) => g.ino === f.ino)) {
        whole = false;
        await f.fh.close();
        break;
      }
      got.push(f);
    }
    const live = inoOf(path);
    if (whole && (live === undefined ? got.length === 0 || inoOf(`${path}.1`) === got[0]!.ino : got[0]?.ino === live)) return got.reverse();
    if (attempt >= 20) return got.reverse(); // (rotating faster than it can be opened: what there is)
    await closeAll(got);
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

/** Complete lines of a file from `offset` on, a chunk at a time; `end` receives the offset after the last whole line. */
async function* linesFrom(fh: FileHandle, offset: number, end?: (at: number) => void): AsyncGenerator<string> {
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
}

/** Complete lines of a file from its end backwards (newest first), a chunk at a time. */
async function* linesBackwards(fh: FileHandle): AsyncGenerator<string> {
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
}

/**
 * The file that follows `f` in the log: once the monitor has renamed it to file.K, the one now at
 * file.K-1 (the live file for K = 1). Undefined while there is none yet (the new live file is
 * opened right after the rename). A file rotated out of the log (the reader fell more than
 * --log-max-files behind) is followed by the oldest file there is.
 */
async function nextFile(path: string, f: LogFile): Promise<LogFile | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    // k: where the renames took f (file.K), or the first name past the last file (f is gone)
    let k = 1;
    let ino = inoOf(`${path}.1`);
    while (ino !== undefined && ino !== f.ino) ino = inoOf(`${path}.${++k}`);
    const gone = ino === undefined;
    // gone: the oldest there is (file.K-1 is the last that exists), else the one after it
    const next = await openFile(k - 1 === 0 ? path : `${path}.${k - 1}`);
    if (!next) return undefined;
    // (a rotation in between moved the names: look again)
    if (next.ino !== f.ino && (gone || inoOf(`${path}.${k}`) === f.ino)) return next;
    await next.fh.close();
  }
  return undefined;
}

export async function* readLog(path: string, o: LogOptions): AsyncGenerator<LogEntry> {
  const wanted = (e: LogEntry) => (e.stream === "stdout" ? o.stdout : o.stderr) && (o.since === undefined || seconds(e.time) >= o.since);
  const past = (e: LogEntry) => o.until !== undefined && seconds(e.time) > o.until;
  const all = await openFiles(path);
  let live = all.at(-1);
  try {
    // where following starts: the live file's end as it is now
    let offset = live ? (await live.fh.stat()).size : 0;
    if (o.tail !== undefined) {
      if (o.tail > 0) yield* tailOf(all, o.tail, (e) => wanted(e) && !past(e));
    } else {
      for (const f of all) {
        for await (const l of linesFrom(f.fh, 0, f === live ? (at) => (offset = at) : undefined)) {
          if (o.signal?.aborted) return;
          const e = parse(l);
          if (!e) continue;
          if (past(e)) return;
          if (wanted(e)) yield e;
        }
      }
    }
    if (!o.follow) return;
    // follow the live file; once the monitor has rotated it, read it to its end, then the next
    for (;;) {
      if (o.signal?.aborted) return;
      const stillRunning = o.running?.() ?? false;
      if (!live) {
        live = await openFile(path);
        if (live) all.push(live);
        offset = 0;
      }
      const rotated = live !== undefined && inoOf(path) !== live.ino;
      if (live) {
        const size = (await live.fh.stat()).size;
        if (size < offset) offset = 0; // truncated (--log-max-files 1): from its start again
        if (size > offset)
          for await (const l of linesFrom(live.fh, offset, (at) => (offset = at))) {
            const e = parse(l);
            if (!e) continue;
            if (past(e)) return;
            if (wanted(e)) yield e;
          }
      }
      if (rotated) {
        // (read to its end above after the rename was seen: the monitor writes no more to it)
        const next = await nextFile(path, live!);
        if (next) {
          all.push(next);
          live = next;
          offset = 0;
          continue;
        }
        if (!stillRunning) return;
      } else if (!stillRunning && (!live || (await live.fh.stat()).size <= offset)) return;
      await Bun.sleep(50);
    }
  } finally {
    await closeAll(all);
  }
}

/** The last `n` entries that pass `keep`, read from the newest file's end backwards. */
async function* tailOf(all: LogFile[], n: number, keep: (e: LogEntry) => boolean): AsyncGenerator<LogEntry> {
  const found: LogEntry[] = [];
  for (const f of [...all].reverse()) {
    for await (const l of linesBackwards(f.fh)) {
      const e = parse(l);
      if (e && keep(e)) found.push(e);
      if (found.length >= n) break;
    }
    if (found.length >= n) break;
  }
  for (let i = found.length - 1; i >= 0; i--) yield found[i]!;
}
