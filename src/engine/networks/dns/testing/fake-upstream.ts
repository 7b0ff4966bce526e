// A DNS server for tests: UDP and TCP on one address and port, answering with what `answer` gives
// (a message, raw bytes, or "silent" for no answer at all), and keeping what it was asked.
import type { TCPSocketListener } from "bun";
import { type DnsMessage, encodeMessage, parseMessage } from "../message.ts";
import { FrameReader, FrameWriter } from "../tcp-framing.ts";

export type FakeAnswer = DnsMessage | Uint8Array | "silent";
export interface Asked {
  query: DnsMessage;
  tcp: boolean;
}

export interface FakeUpstream {
  host: string;
  port: number;
  /** "host:port", as NameSource.upstreams gives it. */
  spec: string;
  asked: Asked[];
  close(): void;
}

export async function startFakeUpstream(host: string, answer: (query: DnsMessage, tcp: boolean) => FakeAnswer): Promise<FakeUpstream> {
  const asked: Asked[] = [];
  const respond = (bytes: Uint8Array, tcp: boolean): Uint8Array | undefined => {
    let query: DnsMessage;
    try {
      query = parseMessage(bytes);
    } catch {
      return undefined;
    }
    asked.push({ query, tcp });
    const a = answer(query, tcp);
    return a === "silent" ? undefined : a instanceof Uint8Array ? a : encodeMessage(a);
  };
  const udp = await Bun.udpSocket({
    hostname: host,
    port: 0,
    binaryType: "uint8array",
    socket: {
      data(s, data, port, address) {
        const reply = respond(data, false);
        if (reply) s.send(reply, port, address);
      },
    },
  });
  const tcp: TCPSocketListener<{ reader: FrameReader; writer: FrameWriter }> = Bun.listen({
    hostname: host,
    port: udp.port,
    data: undefined as unknown as { reader: FrameReader; writer: FrameWriter },
    socket: {
      binaryType: "uint8array",
      open(s) {
        s.data = { reader: new FrameReader(), writer: new FrameWriter(s) };
      },
      data(s, chunk: Uint8Array) {
        for (const m of s.data.reader.push(chunk)) {
          const reply = respond(m, true);
          if (reply) s.data.writer.send(reply);
        }
      },
      drain(s) {
        s.data.writer.drain();
      },
    },
  });
  return {
    host,
    port: udp.port,
    spec: `${host}:${udp.port}`,
    asked,
    close() {
      udp.close();
      tcp.stop(true);
    },
  };
}
