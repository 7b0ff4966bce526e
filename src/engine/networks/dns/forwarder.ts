// Forwarding a query for a name the network does not own: to each upstream in order until one
// answers. The answer goes back as it came (rcode, flags, records), with the client's id.
//   - UDP first, unless the client came over TCP; a truncated UDP answer is asked again over TCP
//     and the full answer given when it fits what the client can take over UDP, else the truncated
//     one (its TC bit tells the client to come back over TCP).
//   - An answer counts only from the upstream asked, with the id we chose at random for it and the
//     client's question: anything else on the socket is ignored (RFC 5452).
//   - An upstream that does not answer within timeoutMs, refuses or cannot be reached: the next.
import { parseHeader, withId } from "./message.ts";
import { readName, sameName } from "./wire-names.ts";
import { tcpExchange, udpExchange } from "./upstream-exchange.ts";
import type { Upstream } from "./upstreams.ts";

export interface ForwardRequest {
  /** The client's query as it came. */
  query: Uint8Array;
  upstreams: Upstream[];
  /** The client came over TCP. */
  tcp: boolean;
  /** The largest UDP answer the client takes (512, or its EDNS size). */
  udpLimit: number;
  /** For each upstream. */
  timeoutMs: number;
  signal: AbortSignal;
}

interface QuestionKey {
  name: string;
  type: number;
  class: number;
}

/** The first question of a message, undefined if it has none or it cannot be read. */
function firstQuestion(m: Uint8Array): QuestionKey | undefined {
  if (m.length < 12 || ((m[4]! << 8) | m[5]!) === 0) return undefined;
  try {
    const { name, next } = readName(m, 12);
    if (next + 4 > m.length) return undefined;
    return { name, type: (m[next]! << 8) | m[next + 1]!, class: (m[next + 2]! << 8) | m[next + 3]! };
  } catch {
    return undefined;
  }
}

/** An upstream's answer to our query `id` about `question`. An answer with no question (FORMERR, NOTIMP) is taken as it is. */
function answers(id: number, question: QuestionKey | undefined) {
  return (m: Uint8Array): boolean => {
    const h = parseHeader(m);
    if (!h || !h.qr || h.id !== id) return false;
    if (((m[4]! << 8) | m[5]!) === 0) return true;
    const q = firstQuestion(m);
    return !!q && !!question && q.type === question.type && q.class === question.class && sameName(q.name, question.name);
  };
}

const randomId = () => crypto.getRandomValues(new Uint16Array(1))[0]!;

/** The upstream's answer with the client's id, or undefined when none answered. */
export async function forward(r: ForwardRequest): Promise<Uint8Array | undefined> {
  const clientId = parseHeader(r.query)!.id;
  const question = firstQuestion(r.query);
  for (const upstream of r.upstreams) {
    if (r.signal.aborted) return undefined;
    const id = randomId();
    const x = { upstream, query: withId(r.query, id), timeoutMs: r.timeoutMs, accept: answers(id, question), signal: r.signal };
    const started = performance.now();
    let answer = r.tcp ? await tcpExchange(x) : await udpExchange(x);
    if (answer && !r.tcp && parseHeader(answer)!.tc) {
      const full = await tcpExchange({ ...x, timeoutMs: r.timeoutMs - (performance.now() - started) });
      if (full && full.length <= r.udpLimit) answer = full;
    }
    if (answer) return withId(answer, clientId);
  }
  return undefined;
}
