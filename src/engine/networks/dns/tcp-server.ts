// The responder's TCP side (RFC 7766): length-framed queries, several per connection, answered as
// each is ready (not necessarily in order); a connection idle for idleMs with nothing in flight is
// closed. Bounded: connections, and what a client that does not read leaves queued.
import type { Socket, TCPSocketListener } from "bun";
import { FrameReader, FrameWriter } from "./tcp-framing.ts";

export const MAX_TCP_CONNECTIONS = 256;
/** Answers queued for a client that does not read them before its connection is dropped. */
const MAX_QUEUED_OCTETS = 1 << 20;

export type Handler = (query: Uint8Array, client: string) => Promise<Uint8Array | undefined>;

interface Connection {
  reader: FrameReader;
  writer?: FrameWriter;
  inFlight: number;
  idle?: ReturnType<typeof setTimeout>;
  closed: boolean;
}

export function listenTcp(hostname: string, port: number, handle: Handler, idleMs: number): TCPSocketListener<Connection> {
  let open = 0;
  const armIdle = (s: Socket<Connection>) => {
    clearTimeout(s.data.idle);
    s.data.idle = setTimeout(() => (s.data.inFlight > 0 ? armIdle(s) : s.end()), idleMs);
  };
  return Bun.listen<Connection>({
    hostname,
    port,
    data: undefined as unknown as Connection,
    socket: {
      binaryType: "uint8array",
      open(s) {
        s.data = { reader: new FrameReader(), writer: new FrameWriter(s), inFlight: 0, closed: false };
        if (++open > MAX_TCP_CONNECTIONS) return s.terminate();
        armIdle(s);
      },
      data(s, chunk: Uint8Array) {
        const c = s.data;
        armIdle(s);
        for (const query of c.reader.push(chunk)) {
          c.inFlight++;
          handle(query, s.remoteAddress).then(
            (answer) => {
              c.inFlight--;
              if (!answer || c.closed) return;
              c.writer!.send(answer);
              if (c.writer!.pending > MAX_QUEUED_OCTETS) s.terminate();
            },
            () => c.inFlight--,
          );
        }
      },
      drain(s) {
        s.data.writer?.drain();
      },
      close(s) {
        open--;
        s.data.closed = true;
        clearTimeout(s.data.idle);
      },
      error() {},
    },
  });
}
