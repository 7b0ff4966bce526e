// HTTP/1.1 on a unix socket for the API: node:http, because attach and exec take the connection
// over after the response head (`Connection: Upgrade`, `Upgrade: tcp`, 101, then raw bytes both
// ways with half-close), which Bun.serve's request/response API cannot do. Ordinary requests are
// handed to a fetch-style handler (a Web Request in, a Web Response out) so that the routes and
// handlers stay in the standard types; a request asking for an upgrade goes to `upgrade`, which
// gets the socket itself.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { Readable } from "node:stream";

export interface HttpServerOptions {
  socketPath: string;
  handle(req: Request): Promise<Response>;
  /**
   * A request with `Upgrade: tcp` (docker's hijack): the handler owns `socket` from here, writes the
   * 101 head itself and closes it; `head` is what the client sent past its request head.
   */
  upgrade?(req: Request, socket: Duplex, head: Buffer): void;
  /** Called when an ordinary request's answer has been sent (or failed): the daemon's quiet-time clock. */
  settled?(): void;
}

export interface HttpServer {
  close(): Promise<void>;
}

/** Listens on `socketPath`; resolves once the socket accepts connections. */
export function listenHttp(opts: HttpServerOptions): Promise<HttpServer> {
  const server = createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 5_000 }, (inc, out) => void serve(opts, inc, out));
  // pulls, pushes and saves of large images stay quiet for long stretches: no socket timeout
  server.timeout = 0;
  server.on("upgrade", (inc: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!opts.upgrade || String(inc.headers.upgrade).toLowerCase() !== "tcp") {
      socket.end("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nonly Upgrade: tcp is served\n");
      return;
    }
    opts.upgrade(toRequest(inc, undefined), socket, head);
  });
  server.on("clientError", (_e, socket: Duplex) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nmalformed HTTP request\n");
    else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.socketPath, () => {
      server.off("error", reject);
      resolve({
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

async function serve(opts: HttpServerOptions, inc: IncomingMessage, out: ServerResponse): Promise<void> {
  try {
    await answer(opts, inc, out);
  } finally {
    opts.settled?.();
  }
}

async function answer(opts: HttpServerOptions, inc: IncomingMessage, out: ServerResponse): Promise<void> {
  const abort = new AbortController();
  // the client went away before the answer was done: whatever the handler streams is cancelled
  out.on("close", () => {
    if (!out.writableFinished) abort.abort();
  });
  let res: Response;
  try {
    res = await opts.handle(toRequest(inc, abort.signal));
  } catch (e) {
    // handleRequest turns errors into responses; this is a bug of the server itself
    out.writeHead(500, { "Content-Type": "application/json" });
    out.end(JSON.stringify({ message: `internal error: ${e instanceof Error ? e.message : String(e)}`, code: "API_INTERNAL", layer: "api" }));
    return;
  }
  await send(res, out, abort.signal);
}

function toRequest(inc: IncomingMessage, signal: AbortSignal | undefined): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < inc.rawHeaders.length; i += 2) headers.append(inc.rawHeaders[i]!, inc.rawHeaders[i + 1]!);
  const method = inc.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(`http://skiffd${inc.url ?? "/"}`, {
    method,
    headers,
    signal,
    ...(hasBody ? { body: Readable.toWeb(inc) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
  } as RequestInit);
}

/** Writes a Web Response to node's ServerResponse, the body streamed with back-pressure. */
async function send(res: Response, out: ServerResponse, aborted: AbortSignal): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  res.headers.forEach((v, k) => {
    if (k === "set-cookie") headers[k] = res.headers.getSetCookie();
    else headers[k] = v;
  });
  out.writeHead(res.status, res.statusText || undefined, headers);
  // the head goes out now, before any body: a client may wait for it alone (docker's wait)
  out.flushHeaders();
  if (!res.body) {
    out.end();
    return;
  }
  const reader = res.body.getReader();
  const onAbort = () => void reader.cancel(new DOMException("the client went away", "AbortError")).catch(() => {});
  aborted.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!out.write(value)) await drained(out);
      if (out.destroyed) return;
    }
    out.end();
  } catch {
    // the body failed after the head went out: the only way left to say so is to cut the connection
    out.destroy();
  } finally {
    aborted.removeEventListener("abort", onAbort);
  }
}

/** Resolves when `out` takes more (or is gone); the listeners go with it. */
function drained(out: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off("drain", done).off("close", done);
      resolve();
    };
    out.on("drain", done).on("close", done);
  });
}
