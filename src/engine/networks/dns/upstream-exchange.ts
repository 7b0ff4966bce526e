// One query to one upstream resolver and its answer: over UDP from a socket of its own (a random
// source port per query, as resolvers do against spoofed answers), or over TCP on a connection of
// its own. An answer counts only when `accept` takes it; no answer, a refused port, an error or
// the abort signal give undefined, never an exception.
import { isIPv6 } from "node:net";
import { FrameReader, FrameWriter } from "./tcp-framing.ts";
import type { Upstream } from "./upstreams.ts";

export interface Exchange {
  upstream: Upstream;
  query: Uint8Array;
  timeoutMs: number;
  accept(answer: Uint8Array): boolean;
  signal: AbortSignal;
}

/** Settles once: the answer or undefined, after closing whatever `close` closes. */
function once(x: Exchange, run: (finish: (answer?: Uint8Array) => void) => void, close: () => void): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (answer?: Uint8Array) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      x.signal.removeEventListener("abort", onAbort);
      try {
        close();
      } catch {}
      resolve(answer);
    };
    const onAbort = () => finish();
    const timer = setTimeout(finish, Math.max(0, x.timeoutMs));
    if (x.signal.aborted) return finish();
    x.signal.addEventListener("abort", onAbort);
    try {
      run(finish);
    } catch {
      finish();
    }
  });
}

const anyAddress = (host: string) => (isIPv6(host) ? "::" : "0.0.0.0");

export function udpExchange(x: Exchange): Promise<Uint8Array | undefined> {
  let socket: { close(): void } | undefined;
  let closed = false;
  return once(
    x,
    (finish) => {
      Bun.udpSocket({
        binaryType: "uint8array",
        hostname: anyAddress(x.upstream.host),
        connect: { hostname: x.upstream.host, port: x.upstream.port },
        socket: {
          data: (_s, data) => {
            if (x.accept(data)) finish(data.slice());
          },
          // ICMP port unreachable and the like: this upstream is not there
          error: () => finish(),
        },
      }).then(
        (s) => {
          if (closed) return s.close();
          socket = s;
          s.send(x.query);
        },
        () => finish(),
      );
    },
    () => {
      closed = true;
      socket?.close();
    },
  );
}

export function tcpExchange(x: Exchange): Promise<Uint8Array | undefined> {
  let socket: { terminate(): void } | undefined;
  let closed = false;
  const reader = new FrameReader();
  let writer: FrameWriter | undefined;
  return once(
    x,
    (finish) => {
      Bun.connect({
        hostname: x.upstream.host,
        port: x.upstream.port,
        socket: {
          binaryType: "uint8array",
          open: (s) => {
            writer = new FrameWriter(s);
            writer.send(x.query);
          },
          data: (_s, chunk: Uint8Array) => {
            for (const m of reader.push(chunk)) if (x.accept(m)) return finish(m);
            if (reader.buffered > 2 + 65535) finish();
          },
          drain: () => writer?.drain(),
          end: () => finish(),
          close: () => finish(),
          error: () => finish(),
          connectError: () => finish(),
        },
      }).then(
        (s) => {
          if (closed) return s.terminate();
          socket = s;
        },
        () => finish(),
      );
    },
    () => {
      closed = true;
      socket?.terminate();
    },
  );
}
