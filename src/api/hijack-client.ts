// The client side of docker's hijacked streams (attach, exec start): an HTTP/1.1 request with
// `Connection: Upgrade` and `Upgrade: tcp` on a connection of its own; once the daemon answers
// 101 (or 200, as daemons before the upgrade did) the same connection carries raw bytes both ways:
// what the client writes goes to the process's stdin, and closing the write side (half-close) is
// stdin's end, while the daemon's bytes keep coming until the process's output ends. An error
// answer (4xx, 5xx) becomes the daemon's SkiffError, as for any other request.
//
// Without a tty the daemon's bytes are docker's multiplexed framing (stdcopy): each frame is an
// 8-byte header (stream 0 stdin, 1 stdout, 2 stderr; three zero bytes; the payload's length as a
// big-endian u32) then the payload. FrameDecoder takes them apart across any chunking; logs use
// the same framing.
//
// The connection is Bun's own socket (Bun.connect), not node:net's: loading node:net and its
// streams costs every `skiff run` and `attach` ~14 ms of start-up, as much as the rest of the
// request. Its shutdown() is the half-close (write side only; the daemon's bytes keep coming).
import { parseResponseHead } from "./response-head.ts";
import { SkiffError } from "../common/errors.ts";
import { connectError, connectionLost, responseError } from "./client.ts";
import { API_VERSION } from "./version.ts";

export type Query = Record<string, string | number | boolean | undefined>;

export interface HijackRequest {
  /** The API path without the version prefix: "/containers/ID/attach". */
  path: string;
  query?: Query;
  /** A JSON body (exec start's {Detach, Tty}); attach sends none. */
  body?: unknown;
}

/** A taken-over connection: the daemon's bytes, and stdin's way to the daemon. */
export interface HijackedStream {
  /** Bytes after the response head, until the daemon closes its side (raw for a tty, else framed). */
  readonly output: AsyncIterable<Uint8Array>;
  /** Sends bytes; resolves once the socket takes more (back-pressure). */
  write(data: Uint8Array | string): Promise<void>;
  /** Ends our side (stdin's EOF for the process); the daemon's bytes keep coming. */
  closeWrite(): void;
  /** Drops the connection both ways (detach, or done). */
  close(): void;
}

/** How big a response head may be before it is refused: docker's are a few hundred bytes. */
const MAX_HEAD = 64 * 1024;

/** "?a=1&b=x", leaving out what is undefined, false or "", true as "1" (as ApiClient.request). */
export function queryString(q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== false && v !== "") p.append(k, v === true ? "1" : String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** A unix socket connection: what arrives, as chunks to pull; writes that wait for the socket. */
class Connection {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  /** The daemon ended its side (FIN): its bytes are whole, whatever fails after (a reset as our
   *  stdin is still being written, say). */
  private endedByDaemon = false;
  private closed = false;
  private failure: unknown;
  private wake: (() => void) | undefined;
  private drained: (() => void)[] = [];
  /** Writes run one after another: a socket takes part of a write and the rest waits for drain. */
  private writing: Promise<void> = Promise.resolve();
  socket!: Bun.Socket<undefined>;

  static async open(socketPath: string): Promise<Connection> {
    const c = new Connection();
    const poke = () => {
      const w = c.wake;
      c.wake = undefined;
      w?.();
    };
    const drain = () => c.drained.splice(0).forEach((r) => r());
    try {
      c.socket = await Bun.connect({
        unix: socketPath,
        allowHalfOpen: true,
        socket: {
          data: (_s, data) => {
            c.chunks.push(data);
            poke();
          },
          end: () => {
            c.ended = c.endedByDaemon = true;
            poke();
          },
          close: (_s, e) => {
            c.ended = c.closed = true;
            if (e && c.failure === undefined) c.failure = e;
            poke();
            drain();
          },
          error: (_s, e) => {
            if (c.failure === undefined) c.failure = e;
            poke();
          },
          drain,
        },
      });
    } catch (e) {
      throw connectError(socketPath, e);
    }
    return c;
  }

  /** The next chunk; undefined at the daemon's end. A failure (reset) is thrown once the chunks before it are read. */
  async next(): Promise<Uint8Array | undefined> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) return chunk;
      if (this.failure !== undefined && !this.endedByDaemon) throw this.failure;
      if (this.ended) return undefined;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  /** Queues bytes after those before; resolves once the socket has taken them all (or is closed:
   *  what is left goes nowhere, as with a closed stdin). */
  write(data: Uint8Array): Promise<void> {
    const done = this.writing.then(async () => {
      for (let rest = data; rest.length && !this.closed; ) {
        const n = this.socket.write(rest);
        if (n < 0) return;
        rest = rest.subarray(n);
        if (rest.length) await new Promise<void>((r) => this.drained.push(r));
      }
    });
    this.writing = done.catch(() => {});
    return done;
  }

  /** Our side's end (after what was queued): the daemon reads EOF, its bytes keep coming. */
  closeWrite(): void {
    void this.writing.then(() => {
      if (!this.closed) this.socket.shutdown();
    });
  }

  close(): void {
    if (!this.closed) this.socket.terminate();
  }
}

/** Opens the connection, sends the upgrade request and reads the answer's head. */
export async function hijack(socketPath: string, req: HijackRequest): Promise<HijackedStream> {
  const conn = await Connection.open(socketPath);
  const body = req.body === undefined ? "" : JSON.stringify(req.body);
  void conn
    .write(
      Buffer.from(
        `POST /v${API_VERSION}${req.path}${queryString(req.query)} HTTP/1.1\r\nHost: skiffd\r\nUser-Agent: skiff\r\n` +
          `Content-Type: ${req.body === undefined ? "text/plain" : "application/json"}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n${body}`,
      ),
    )
    .catch(() => {}); // a daemon that hangs up shows in the reads below
  const chunks: AsyncIterator<Buffer> = { next: async () => {
    const c = await conn.next();
    return c ? { done: false, value: Buffer.from(c.buffer, c.byteOffset, c.byteLength) } : { done: true, value: undefined };
  } };
  let head: Awaited<ReturnType<typeof readHead>>;
  try {
    head = await readHead(chunks, socketPath);
  } catch (e) {
    conn.close();
    throw e;
  }
  const { status, headers, rest } = head;
  if (status !== 101 && status !== 200) {
    const text = await readErrorBody(chunks, rest, headers);
    conn.close();
    throw await responseError(new Response(text, { status }), `POST ${req.path}`);
  }
  return streamOf(conn, chunks, rest, socketPath);
}

async function readHead(chunks: AsyncIterator<Buffer>, socketPath: string): Promise<{ status: number; headers: Map<string, string>; rest: Buffer }> {
  let buf = Buffer.alloc(0);
  for (;;) {
    const end = buf.indexOf("\r\n\r\n");
    if (end >= 0) {
      const text = buf.subarray(0, end).toString("latin1");
      const head = parseResponseHead(text);
      if (!head) throw badAnswer(`not an HTTP response: ${JSON.stringify(text.split("\r\n")[0]!.slice(0, 60))}`);
      return { ...head, rest: buf.subarray(end + 4) };
    }
    if (buf.length > MAX_HEAD) throw badAnswer(`the response head is over ${MAX_HEAD} bytes`);
    let r: IteratorResult<Buffer>;
    try {
      r = await chunks.next();
    } catch (e) {
      throw connectionLost(socketPath, e);
    }
    if (r.done) throw connectionLost(socketPath, new Error("the daemon closed the connection before answering"));
    buf = Buffer.concat([buf, r.value]);
  }
}

const badAnswer = (why: string) =>
  new SkiffError({ layer: "api", kind: "internal", code: "API_HIJACK_INVALID", message: `take over the connection for a stream: ${why}`, hint: "is -H/--host a skiffd or dockerd socket?" });

/** An error answer's body: by Content-Length, chunked, or up to the close. */
async function readErrorBody(chunks: AsyncIterator<Buffer>, rest: Buffer, headers: Map<string, string>): Promise<string> {
  let buf = rest;
  const length = Number(headers.get("content-length") ?? NaN);
  const chunked = /chunked/i.test(headers.get("transfer-encoding") ?? "");
  while (!(length >= 0 && buf.length >= length) && !(chunked && buf.includes("\r\n0\r\n\r\n")) && buf.length < MAX_HEAD) {
    const r = await chunks.next().catch(() => ({ done: true as const, value: undefined }));
    if (r.done) break;
    buf = Buffer.concat([buf, r.value]);
  }
  if (length >= 0) return buf.subarray(0, length).toString();
  return chunked ? dechunk(buf) : buf.toString();
}

function dechunk(buf: Buffer): string {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const nl = buf.indexOf("\r\n", at);
    const size = nl < 0 ? NaN : parseInt(buf.subarray(at, nl).toString(), 16);
    if (!(size > 0)) break;
    out.push(buf.subarray(nl + 2, nl + 2 + size));
    at = nl + 2 + size + 2;
  }
  return Buffer.concat(out).toString();
}

function streamOf(conn: Connection, chunks: AsyncIterator<Buffer>, rest: Buffer, socketPath: string): HijackedStream {
  let closed = false;
  async function* output(): AsyncIterable<Uint8Array> {
    if (rest.length) yield rest;
    for (;;) {
      let r: IteratorResult<Buffer>;
      try {
        r = await chunks.next();
      } catch (e) {
        // closed by us (detach): the stream just ends
        if (closed) return;
        throw connectionLost(socketPath, e);
      }
      if (r.done) return;
      yield r.value;
    }
  }
  return {
    output: output(),
    write: (data) => (closed ? Promise.resolve() : conn.write(typeof data === "string" ? Buffer.from(data) : data)),
    closeWrite: () => {
      if (!closed) conn.closeWrite();
    },
    close: () => {
      closed = true;
      conn.close();
    },
  };
}

/** Stream numbers of the multiplexed framing. */
export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;

export interface Frame {
  stream: number;
  data: Uint8Array;
}

/** One frame: the 8-byte header then the payload. */
export function encodeFrame(stream: number, data: Uint8Array | string): Uint8Array {
  const payload = typeof data === "string" ? Buffer.from(data) : data;
  const out = new Uint8Array(8 + payload.length);
  out[0] = stream;
  new DataView(out.buffer).setUint32(4, payload.length);
  out.set(payload, 8);
  return out;
}

/** Takes docker's multiplexed framing apart, whatever the chunking; a bad header is API_STREAM_INVALID. */
export class FrameDecoder {
  private buf = new Uint8Array(0);

  /** The whole frames `chunk` completes; partial ones wait for the next chunk. */
  push(chunk: Uint8Array): Frame[] {
    const buf = this.buf.length ? concat(this.buf, chunk) : chunk;
    const frames: Frame[] = [];
    let at = 0;
    while (buf.length - at >= 8) {
      const stream = buf[at]!;
      if (stream > 2 || buf[at + 1] || buf[at + 2] || buf[at + 3]) throw frameError(`a frame header with stream byte ${stream} and padding ${[...buf.subarray(at + 1, at + 4)].join(",")}`);
      const size = new DataView(buf.buffer, buf.byteOffset + at + 4, 4).getUint32(0);
      if (buf.length - at - 8 < size) break;
      frames.push({ stream, data: buf.subarray(at + 8, at + 8 + size) });
      at += 8 + size;
    }
    // keep a copy of the tail: the caller may reuse the chunk's memory
    this.buf = buf.slice(at);
    return frames;
  }

  /** At the stream's end: a frame cut short is an error, as docker's StdCopy reports it. */
  end(): void {
    if (this.buf.length) throw frameError(`the stream ended inside a frame (${this.buf.length} bytes left over)`);
  }
}

const frameError = (why: string) =>
  new SkiffError({ layer: "api", kind: "internal", code: "API_STREAM_INVALID", message: `read the multiplexed stream: ${why}`, hint: "the container has a tty if the stream is raw: is -H/--host a skiffd or dockerd socket?" });

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
