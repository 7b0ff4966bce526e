// One client connection of the API's HTTP/1.1 server: request heads read and checked
// (request-head.ts), bodies decoded as they arrive (body-decoder.ts) and handed on as a Web
// Request's stream with back-pressure, answers written from a Web Response (chunked unless the
// handler gave a length), one request at a time, kept alive as the client asks. A request with
// `Connection: Upgrade` and `Upgrade: tcp` hands the socket over, paused, with the bytes that
// followed its head. A client that goes away cancels the answer it was sent.
import type { Socket } from "node:net";
import { SkiffError } from "../../common/errors.ts";
import { bodyDecoder, type BodyDecoder } from "./body-decoder.ts";
import { headEnd, parseRequestHead, type RequestHead } from "./request-head.ts";
import { answerHead, reasonPhrase } from "./answer-head.ts";

export interface ConnectionHandlers {
  handle(req: Request): Promise<Response>;
  /** Owns the socket from here (it comes paused: resume it to read); `head` is what followed the request's head. */
  upgrade?(req: Request, socket: Socket, head: Buffer): void;
  /** An ordinary request's answer has been sent, or has failed. */
  settled?(): void;
}

/** A head longer than this (docker's X-Registry-Auth is the longest header it sends: a few KiB) is refused. */
export const HEAD_MAX = 256 * 1024;
/** An upgrade request's body (exec start's JSON, a few bytes) longer than this is refused. */
const UPGRADE_BODY_MAX = 1024 * 1024;
/** A head must arrive whole within this (a client trickling one keeps a connection for nothing). */
const HEAD_TIMEOUT_MS = 60_000;
/** A kept-alive connection with no request for this long is closed, as node:http's default. */
const IDLE_TIMEOUT_MS = 5_000;
const EMPTY = Buffer.alloc(0);

export function serveConnection(socket: Socket, handlers: ConnectionHandlers): void {
  new Connection(socket, handlers).start();
}

function bodyError(message: string, hint: string): SkiffError {
  return new SkiffError({ layer: "api", code: "API_BODY_INVALID", kind: "invalid_argument", message, hint });
}

/** A chunk of a chunked answer: its size in hex, its data, CRLF. */
function chunk(data: Uint8Array): Buffer {
  const size = `${data.length.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(size.length + data.length + 2);
  out.write(size, 0, "latin1");
  out.set(data, size.length);
  out.write("\r\n", size.length + data.length, "latin1");
  return out;
}

/** The request being answered: its body's decoding and where its bytes go. */
interface Current {
  head: RequestHead;
  decoder?: BodyDecoder;
  body?: ReadableStreamDefaultController<Uint8Array>;
  bodyDone: boolean;
  /** The handler no longer reads the body (it cancelled it, or answered): what is left is dropped. */
  dropping: boolean;
  /** The body's framing broke: the connection cannot be read further. */
  broken: boolean;
  continueSent: boolean;
  /** The answer has been written. */
  answered: boolean;
  abort: AbortController;
}

class Connection {
  /** Bytes read and not yet taken: a head being read, or the next request's (pipelined). */
  private buf: Buffer = EMPTY;
  private current: Current | undefined;
  /** An upgrade request whose body has not all come yet. */
  private waiting: { head: RequestHead; need: number } | undefined;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onData = (d: Buffer) => this.data(d);
  private readonly onClose = () => this.gone();

  constructor(
    private readonly socket: Socket,
    private readonly handlers: ConnectionHandlers,
  ) {}

  start(): void {
    this.socket.on("data", this.onData);
    this.socket.on("close", this.onClose);
    // errors end in 'close'; a client that resets the connection is no failure of the server's
    this.socket.on("error", () => {});
    this.arm(IDLE_TIMEOUT_MS);
  }

  private data(d: Buffer): void {
    if (this.waiting) {
      this.buf = Buffer.concat([this.buf, d]);
      if (this.buf.length >= this.waiting.need) this.handOver(this.waiting.head, this.buf);
      return;
    }
    const c = this.current;
    if (c && !c.bodyDone) return this.feed(c, d);
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    if (!c) this.readHead();
  }

  /** Reads the next head from `buf` if it is there, and starts its request. */
  private readHead(): void {
    // empty lines before a request are ignored (RFC 9112 §2.2): some clients end a body with one
    let skip = 0;
    while (this.buf[skip] === 13 || this.buf[skip] === 10) skip++;
    if (skip) this.buf = this.buf.subarray(skip);
    if (!this.buf.length) return this.arm(IDLE_TIMEOUT_MS);
    const end = headEnd(this.buf);
    if (end < 0 || end > HEAD_MAX) {
      if (end > HEAD_MAX || this.buf.length > HEAD_MAX) return this.refuse(431, `the request's head is longer than ${HEAD_MAX} bytes`);
      return this.arm(HEAD_TIMEOUT_MS);
    }
    const head = parseRequestHead(this.buf.toString("latin1", 0, end));
    const rest = this.buf.subarray(end);
    this.buf = EMPTY;
    if ("status" in head) return this.refuse(head.status, head.reason);
    this.disarm();
    if (head.upgrade === "tcp" && this.handlers.upgrade) {
      // the request's body (exec start's JSON) goes to the handler with what follows it: it is
      // waited for whole, so that a client writing it apart from the head loses nothing
      const need = head.body.kind === "length" ? head.body.length : 0;
      if (need > UPGRADE_BODY_MAX) return this.refuse(413, `an upgrade request's body is longer than ${UPGRADE_BODY_MAX} bytes`);
      if (rest.length >= need) return this.handOver(head, rest);
      this.waiting = { head, need };
      this.buf = rest;
      return this.arm(HEAD_TIMEOUT_MS);
    }
    void this.answer(head, rest);
  }

  /** docker's hijack: the socket is the upgrade handler's from here, paused, its bytes untouched. */
  private handOver(head: RequestHead, rest: Buffer): void {
    const req = this.request(head, undefined, undefined);
    if (!req) return this.refuse(400, "a header Web Headers cannot hold");
    this.waiting = undefined;
    this.disarm();
    this.buf = EMPTY;
    const socket = this.socket;
    socket.pause();
    socket.off("data", this.onData);
    socket.off("close", this.onClose);
    // once the handler has ended its side, the client's is read to its end (and dropped if nobody
    // reads it), so that the socket closes when the client closes
    socket.once("finish", () => socket.resume());
    this.handlers.upgrade!(req, socket, rest);
  }

  private async answer(head: RequestHead, rest: Buffer): Promise<void> {
    const c: Current = { head, bodyDone: head.body.kind === "none", dropping: false, broken: false, continueSent: false, answered: false, abort: new AbortController() };
    this.current = c;
    let stream: ReadableStream<Uint8Array> | undefined;
    if (!c.bodyDone) {
      c.decoder = bodyDecoder(head.body);
      stream = new ReadableStream<Uint8Array>(
        {
          start: (controller) => void (c.body = controller),
          pull: () => {
            // the client waits for this before it sends a body it asked to send (Expect: 100-continue)
            if (head.expectContinue && !c.continueSent) this.sendContinue(c);
            this.socket.resume();
          },
          cancel: () => this.drop(c),
        },
        { highWaterMark: 4 },
      );
    }
    if (rest.length) {
      if (c.bodyDone) this.buf = rest;
      else this.feed(c, rest);
    }
    // one request at a time: what a client pipelines behind it waits, unread, for its answer
    if (c.bodyDone) this.socket.pause();
    const req = this.request(head, stream, c.abort.signal);
    if (!req) {
      c.broken = true;
      return this.refuse(400, "a header Web Headers cannot hold");
    }
    let reusable = false;
    try {
      reusable = await this.respond(c, await this.handle(req));
    } finally {
      this.handlers.settled?.();
    }
    this.next(c, reusable);
  }

  private async handle(req: Request): Promise<Response> {
    try {
      return await this.handlers.handle(req);
    } catch (e) {
      // handleRequest turns errors into responses: this is a bug of the server itself
      return Response.json({ message: `internal error: ${e instanceof Error ? e.message : String(e)}`, code: "API_INTERNAL", layer: "api" }, { status: 500 });
    }
  }

  /** Writes the answer: its head at once (a client may wait for the head alone: docker's wait), then
   *  its body. True when the connection can take another request after it. */
  private async respond(c: Current, res: Response): Promise<boolean> {
    const { text, framing, close } = answerHead(res, c.head, c.head.keepAlive && !c.broken);
    const socket = this.socket;
    if (this.closed) return false;
    socket.write(text, "latin1");
    if (framing === "none" || !res.body) {
      void res.body?.cancel().catch(() => {});
      return !close;
    }
    const reader = res.body.getReader();
    const cancel = () => void reader.cancel(new DOMException("the client went away", "AbortError")).catch(() => {});
    c.abort.signal.addEventListener("abort", cancel, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (this.closed) return false;
        if (!value.length) continue;
        // one write (one syscall) per chunk, its framing with it
        const more = socket.write(framing === "chunked" ? chunk(value) : value);
        if (!more) await this.drained();
      }
      if (framing === "chunked") socket.write("0\r\n\r\n");
      return !close;
    } catch {
      // the body failed after the head went out: the only way left to say so is to cut the connection
      socket.destroy();
      return false;
    } finally {
      c.abort.signal.removeEventListener("abort", cancel);
    }
  }

  /** After an answer: the next request, once this one's body has been read to its end (or dropped);
   *  `reusable`: the answer's framing leaves the connection usable for another. */
  private next(c: Current, reusable: boolean): void {
    c.answered = true;
    if (this.closed) return;
    if (!reusable || c.broken || !c.head.keepAlive) {
      this.current = undefined;
      this.socket.end();
      return;
    }
    // the handler answered without reading all of the body: the rest is read and dropped first
    if (!c.bodyDone) return this.drop(c);
    this.current = undefined;
    this.socket.resume();
    this.readHead();
  }

  private feed(c: Current, bytes: Buffer): void {
    const out = c.decoder!.push(bytes);
    if (!c.dropping) for (const d of out.data) c.body!.enqueue(d);
    if (out.error || out.done) {
      c.bodyDone = true;
      this.socket.pause();
      if (out.error) {
        // nothing after a broken framing can be read as a request
        c.broken = true;
        if (!c.dropping) c.body!.error(bodyError(`the request's body: ${out.error}`, "the client's chunked body does not follow HTTP/1.1's framing (RFC 9112 §7.1)"));
      } else {
        if (!c.dropping) c.body!.close();
        this.buf = Buffer.from(out.rest.buffer, out.rest.byteOffset, out.rest.byteLength);
      }
      if (c.answered) this.next(c, true);
      return;
    }
    if (!c.dropping && (c.body!.desiredSize ?? 0) <= 0) this.socket.pause();
  }

  /** The body is no longer wanted (the handler cancelled it, or answered): read on and drop it, so
   *  that the next request's head is found. */
  private drop(c: Current): void {
    c.dropping = true;
    // a client that waits for 100 Continue has not sent the body: the connection ends after the answer
    if (c.head.expectContinue && !c.continueSent) c.broken = true;
    else this.socket.resume();
  }

  private sendContinue(c: Current): void {
    c.continueSent = true;
    this.socket.write("HTTP/1.1 100 Continue\r\n\r\n");
  }

  private request(head: RequestHead, body: ReadableStream<Uint8Array> | undefined, signal: AbortSignal | undefined): Request | undefined {
    try {
      const headers = new Headers();
      for (const [n, v] of head.headers) headers.append(n, v);
      return new Request(`http://skiffd${head.target}`, { method: head.method, headers, signal, ...(body ? { body, duplex: "half" } : {}) } as RequestInit);
    } catch {
      return undefined;
    }
  }

  /** Answers a request that cannot be read, and closes: nothing after it can be framed. */
  private refuse(status: number, text: string): void {
    this.disarm();
    this.socket.off("data", this.onData);
    const body = `${text}\n`;
    this.socket.end(`HTTP/1.1 ${status} ${reasonPhrase(status)}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    // half-open sockets close when both sides have ended: the client's side may never be read now
    this.socket.once("finish", () => this.socket.destroy());
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off("drain", done).off("close", done);
        resolve();
      };
      this.socket.on("drain", done).on("close", done);
    });
  }

  private arm(ms: number): void {
    this.disarm();
    this.timer = setTimeout(() => this.socket.destroy(), ms);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private gone(): void {
    this.closed = true;
    this.disarm();
    const c = this.current;
    if (!c) return;
    c.abort.abort();
    if (!c.bodyDone && !c.dropping) {
      c.bodyDone = true;
      c.body?.error(bodyError("the client went away before its request's body ended", "the client closed the connection while it was sending the body"));
    }
  }
}
