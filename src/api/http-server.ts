// HTTP/1.1 on a unix socket for the API, spoken on node:net's sockets by http/connection.ts.
// Not node:http: in a compiled Bun it is built on Bun's HTTP server and its glue, which held
// 5-8 MiB more of skiffd's resident memory idle than the same program on node:net (issue 10:
// skiffd's memory against containerd's); node:net is loaded anyway (the monitors' sockets). Not
// Bun.serve: attach and exec take the connection over after the response head (`Upgrade: tcp`,
// 101, then raw bytes both ways with half-close), which its request/response API cannot do.
// Ordinary requests go to a fetch-style handler (a Web Request in, a Web Response out), so that the
// routes and handlers stay in the standard types; a request asking for an upgrade goes to
// `upgrade`, which gets the socket itself.
import { createServer, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { serveConnection } from "./http/connection.ts";

export interface HttpServerOptions {
  socketPath: string;
  handle(req: Request): Promise<Response>;
  /**
   * A request with `Upgrade: tcp` (docker's hijack): the handler owns `socket` from here, writes the
   * 101 head itself and closes it; `head` is what the client sent past its request head. The socket
   * comes paused, so that no byte is lost while the handler gets ready: resume it to read.
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
  const sockets = new Set<Socket>();
  // half-open: a hijacked stream's client ends its side (stdin closed) and still reads the output
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    serveConnection(socket, opts);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.socketPath, () => {
      server.off("error", reject);
      resolve({
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}
