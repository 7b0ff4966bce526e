// One HTTP/1.1 request to skiffd on its unix socket with blocking I/O on the caller's thread, for
// the CLI's bulk transfers (cp's archives) and for the requests of a command that makes one at a
// time and streams nothing (ApiClient's `alone`). For cp, the request body goes out in chunks
// written from one buffer the caller fills and reuses, and the response body is read into one
// reused buffer and handed on synchronously. Through fetch, each chunk was a new buffer and a hop
// to Bun's HTTP thread: cp of 100 MB cost ~14,000 page faults more than docker's CLI and a wake-up
// per 64 KiB. For a single small request, fetch's first use starts that thread and its client
// (~5 ms of CPU per CLI command, which 20 `run -d` at once pay 20 times on two cores).
// The calls are sys.ts's, not node:fs's, whose loading costs a CLI command 2-3 ms.
//
// Contracts:
// - The connection is the request's alone (Connection: close): a body without a length ends
//   where the daemon closes.
// - A body is sent whole with open's `body`, or chunked: `send` takes bytes buf[from, to) and
//   needs CHUNK_ROOM bytes free before `from` and 2 after `to` (it frames the chunk in place: one
//   write a chunk).
// - The daemon may answer before it has read the whole body (an error): a write that fails with
//   EPIPE or ECONNRESET stops sending, and the response it left is read and thrown as ApiClient's
//   errors are (responseError); no response is CLI_DAEMON_CONNECTION_LOST.
// - `body(onData)` hands each piece as a view into the read buffer, valid during the call.
import { SkiffError } from "../common/errors.ts";
import { parseResponseHead, webHeaders } from "./response-head.ts";
import { close, connectUnix, read, write } from "../common/sys.ts";
import { connectError, connectionLost, responseError } from "./client.ts";

/** Bytes a chunk's size line needs before its data ("100000\r\n" for 1 MiB, up to 4 GiB). */
export const CHUNK_ROOM = 10;
const READ_SIZE = 1 << 20;
/** The read buffer of a request sent whole (a head and a JSON answer; a longer body is read in pieces). */
const SMALL_READ_SIZE = 64 << 10;

const SEND_BUFFER = 4 << 20;
const latin1 = new TextEncoder();

/** A blocking connection to the unix socket at `socketPath` (errors as connectError says them); for
 * a chunked body, its send buffer large enough that the packer reads ahead while the daemon writes
 * files, instead of waiting on every ~200 KiB. */
function connectTo(socketPath: string, sendBuffer: number | undefined): number {
  try {
    return connectUnix(socketPath, sendBuffer);
  } catch (e) {
    throw connectError(socketPath, e);
  }
}

/** What an error answer's body may hold (skiffd's are a line of JSON; a peer could send more). */
const ERROR_BODY_MAX = 1 << 20;

export interface ResponseHead {
  status: number;
  headers: Headers;
}

export class UnixExchange {
  private readonly buf: Buffer;
  /** Bytes read past the head, waiting in buf[at, end). */
  private at = 0;
  private end = 0;
  private broken = false;
  private head: ResponseHead | undefined;

  private constructor(
    private fd: number,
    private readonly socketPath: string,
    private readonly what: string,
    readSize: number,
  ) {
    this.buf = Buffer.allocUnsafe(readSize);
  }

  /** Connects and sends the request line and headers, then `body` whole if given (with its
   * Content-Length); `chunked` instead announces a body to `send`. */
  static open(socketPath: string, method: string, target: string, headers: Record<string, string>, chunked: boolean, body?: Uint8Array): UnixExchange {
    const fd = connectTo(socketPath, chunked ? SEND_BUFFER : undefined);
    const x = new UnixExchange(fd, socketPath, `${method} ${target.split("?")[0]}`, chunked ? READ_SIZE : SMALL_READ_SIZE);
    let head = `${method} ${target} HTTP/1.1\r\nHost: skiffd\r\nUser-Agent: skiff\r\nConnection: close\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    if (chunked) head += "Transfer-Encoding: chunked\r\n";
    else if (body) head += `Content-Length: ${body.byteLength}\r\n`;
    const headBytes = latin1.encode(`${head}\r\n`);
    let bytes = headBytes;
    if (body?.byteLength) {
      bytes = new Uint8Array(headBytes.byteLength + body.byteLength);
      bytes.set(headBytes);
      bytes.set(body, headBytes.byteLength);
    }
    x.write(bytes, 0, bytes.byteLength);
    return x;
  }

  /** Writes all of buf[from, to); false once the daemon has closed its end (the rest is dropped). */
  private write(buf: Uint8Array, from: number, to: number): boolean {
    while (!this.broken && from < to) {
      try {
        from += write(this.fd, to === buf.byteLength ? buf : buf.subarray(0, to), from);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== "EPIPE" && code !== "ECONNRESET") throw this.lost(e);
        this.broken = true;
      }
    }
    return !this.broken;
  }

  /** One chunk of the body, framed in place (see the contract on the room it needs); false once the daemon has closed its end. */
  send(buf: Uint8Array, from: number, to: number): boolean {
    if (to === from) return !this.broken;
    const size = `${(to - from).toString(16)}\r\n`;
    const start = from - size.length;
    if (start < 0) throw new Error("UnixExchange.send: no room before the chunk for its size");
    for (let i = 0; i < size.length; i++) buf[start + i] = size.charCodeAt(i);
    buf[to] = 13;
    buf[to + 1] = 10;
    return this.write(buf, start, to + 2);
  }

  /** The end of the body, then the response's head: a status of 400 or more is thrown as ApiClient throws it. */
  async finish(): Promise<ResponseHead> {
    this.write(latin1.encode("0\r\n\r\n"), 0, 5);
    return this.response();
  }

  /** The response's status and headers (read once). */
  async response(): Promise<ResponseHead> {
    const head = this.readHead();
    if (head.status >= 400) {
      // an error answer is a message: what fits in ERROR_BODY_MAX is kept, the rest read and dropped
      const parts: Buffer[] = [];
      let kept = 0;
      this.body((part) => {
        if (kept >= ERROR_BODY_MAX) return;
        parts.push(Buffer.from(part.subarray(0, ERROR_BODY_MAX - kept)));
        kept += Math.min(part.byteLength, ERROR_BODY_MAX - kept);
      });
      const text = Buffer.concat(parts).toString("utf8");
      throw await responseError(new Response(text, { status: head.status, headers: head.headers }), this.what);
    }
    return head;
  }

  /** The whole response, whatever its status, as a Response (for ApiClient: its body read to the end, the connection closed). */
  whole(): Response {
    const head = this.readHead();
    const parts: Buffer[] = [];
    this.body((part) => parts.push(Buffer.from(part)));
    // (a 204 or 304 answer has no body, and a Response with these statuses refuses one)
    const noBody = head.status === 204 || head.status === 304 || head.status < 200;
    return new Response(noBody ? null : Buffer.concat(parts), { status: head.status, headers: head.headers });
  }

  /** The response's status and headers, read once, whatever the status. */
  private readHead(): ResponseHead {
    if (this.head) return this.head;
    let scanned = 0;
    for (;;) {
      const i = this.buf.subarray(0, this.end).indexOf("\r\n\r\n", Math.max(0, scanned - 3), "latin1");
      if (i >= 0) {
        this.head = parseHead(this.buf.toString("latin1", 0, i));
        this.at = i + 4;
        break;
      }
      scanned = this.end;
      if (this.end === this.buf.byteLength || !this.fill(this.end)) {
        this.close();
        throw this.lost(new Error(this.end ? "the response's head did not end" : "no response"));
      }
    }
    return this.head;
  }

  /** Reads more into buf from `at`; false at the end of the stream. */
  private fill(at: number): boolean {
    try {
      const n = read(this.fd, this.buf, at, this.buf.byteLength - at);
      this.end = at + n;
      return n > 0;
    } catch (e) {
      throw this.lost(e);
    }
  }

  /** The response body, piece by piece (de-chunked), to its end; then the connection is closed. */
  body(onData: (part: Uint8Array) => void): void {
    const h = this.head!;
    try {
      const te = h.headers.get("transfer-encoding");
      if (te && /chunked/i.test(te)) this.chunked(onData);
      else {
        const length = h.headers.get("content-length");
        let left = length === null ? Infinity : Number(length);
        for (;;) {
          if (this.at < this.end && left > 0) {
            const n = Math.min(left, this.end - this.at);
            onData(this.buf.subarray(this.at, this.at + n));
            this.at += n;
            left -= n;
          }
          if (left === 0) return;
          if (!this.fill(0)) {
            if (left === Infinity) return;
            throw this.lost(new Error("the body ended before its length"));
          }
          this.at = 0;
        }
      }
    } finally {
      this.close();
    }
  }

  /** One byte of the stream, reading more when none is left; undefined at its end. */
  private byte(): number | undefined {
    if (this.at === this.end) {
      if (!this.fill(0)) return undefined;
      this.at = 0;
    }
    return this.buf[this.at++];
  }

  private line(): string {
    let s = "";
    for (;;) {
      const b = this.byte();
      if (b === undefined) throw this.lost(new Error("the chunked body ended inside a size line"));
      if (b === 10) return s.replace(/\r$/, "");
      if (s.length > 4096) throw this.invalid("a chunk's size line is too long");
      s += String.fromCharCode(b);
    }
  }

  private chunked(onData: (part: Uint8Array) => void): void {
    for (;;) {
      const sizeLine = this.line();
      const size = parseInt(sizeLine.split(";")[0]!.trim(), 16);
      if (!Number.isSafeInteger(size) || size < 0 || !/^[0-9a-f]/i.test(sizeLine)) throw this.invalid(`bad chunk size ${JSON.stringify(sizeLine.slice(0, 20))}`);
      if (size === 0) {
        while (this.line() !== ""); // trailers, then the empty line
        return;
      }
      for (let left = size; left > 0; ) {
        if (this.at === this.end) {
          if (!this.fill(0)) throw this.lost(new Error("the chunked body ended inside a chunk"));
          this.at = 0;
        }
        const n = Math.min(left, this.end - this.at);
        onData(this.buf.subarray(this.at, this.at + n));
        this.at += n;
        left -= n;
      }
      if (this.line() !== "") throw this.invalid("a chunk does not end with CRLF");
    }
  }

  close(): void {
    if (this.fd < 0) return;
    close(this.fd);
    this.fd = -1;
  }

  private lost(e: unknown): SkiffError {
    this.close();
    return connectionLost(this.socketPath, e);
  }

  private invalid(why: string): SkiffError {
    this.close();
    return new SkiffError({ layer: "api", kind: "internal", code: "API_RESPONSE_INVALID", message: `${this.what}: the daemon's response does not parse: ${why}`, hint: "is -H/--host a skiffd or dockerd socket?" });
  }
}

function parseHead(text: string): ResponseHead {
  const head = parseResponseHead(text);
  if (!head) throw new SkiffError({ layer: "api", kind: "internal", code: "API_RESPONSE_INVALID", message: `the daemon's response does not parse: status line ${JSON.stringify(text.split("\r\n")[0]!.slice(0, 40))}`, hint: "is -H/--host a skiffd or dockerd socket?" });
  return { status: head.status, headers: webHeaders(head) };
}
