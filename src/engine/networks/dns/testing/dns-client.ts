// A DNS client for tests: one query over UDP, or several over one TCP connection.
import { CLASS_IN, type DnsMessage, encodeMessage, parseMessage } from "../message.ts";
import { FrameReader, FrameWriter } from "../tcp-framing.ts";

export function query(name: string, type: number, id = Math.floor(Math.random() * 0x10000), extra: Partial<DnsMessage> = {}): DnsMessage {
  return {
    header: { id, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name, type, class: CLASS_IN }],
    answers: [],
    authorities: [],
    additionals: [],
    ...extra,
  };
}

/** The raw answer to `bytes` sent over UDP, or undefined after timeoutMs. */
export async function udpAsk(host: string, port: number, bytes: Uint8Array, timeoutMs = 3000): Promise<Uint8Array | undefined> {
  const { promise, resolve } = Promise.withResolvers<Uint8Array | undefined>();
  const socket = await Bun.udpSocket({
    binaryType: "uint8array",
    connect: { hostname: host, port },
    socket: { data: (_s, data) => resolve(data.slice()), error: () => resolve(undefined) },
  });
  const timer = setTimeout(() => resolve(undefined), timeoutMs);
  socket.send(bytes);
  try {
    return await promise;
  } finally {
    clearTimeout(timer);
    socket.close();
  }
}

export async function udpQuery(host: string, port: number, m: DnsMessage, timeoutMs?: number): Promise<DnsMessage | undefined> {
  const raw = await udpAsk(host, port, encodeMessage(m), timeoutMs);
  return raw && parseMessage(raw);
}

/** The raw answers to `queries` sent together on one TCP connection, in the order they came; stops after timeoutMs. */
export async function tcpAsk(host: string, port: number, queries: Uint8Array[], timeoutMs = 3000): Promise<{ answers: Uint8Array[]; closedByServer: boolean }> {
  const answers: Uint8Array[] = [];
  const reader = new FrameReader();
  const { promise, resolve } = Promise.withResolvers<boolean>();
  const socket = await Bun.connect({
    hostname: host,
    port,
    socket: {
      binaryType: "uint8array",
      data(_s, chunk: Uint8Array) {
        answers.push(...reader.push(chunk));
        if (answers.length >= queries.length) resolve(false);
      },
      close: () => resolve(true),
      end: () => resolve(true),
      error: () => resolve(true),
    },
  });
  const writer = new FrameWriter(socket);
  for (const q of queries) writer.send(q);
  const timer = setTimeout(() => resolve(false), timeoutMs);
  const closedByServer = await promise;
  clearTimeout(timer);
  socket.terminate();
  return { answers, closedByServer };
}

export async function tcpQuery(host: string, port: number, m: DnsMessage): Promise<DnsMessage | undefined> {
  const { answers } = await tcpAsk(host, port, [encodeMessage(m)]);
  return answers[0] && parseMessage(answers[0]);
}
