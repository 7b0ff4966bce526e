// What the responder does with a parsed query: answer it from the network's names, or forward it.
// Pure (apart from the NameSource): the sockets live in responder.ts.
import { isIPv4 } from "node:net";
import { CLASS_IN, type DnsMessage, RCODE, TYPE } from "./message.ts";
import type { NameSource } from "./name-source.ts";
import { aRecord, ptrRecord, replyTo, reverseAddress } from "./records.ts";

/** Docker's embedded DNS gives its records 600 s. */
export const OWN_TTL = 600;
const OPCODE_QUERY = 0;

export type Decision = { reply: DnsMessage } | { forward: true } | { drop: true };

export function decide(query: DnsMessage, client: string, names: NameSource): Decision {
  const h = query.header;
  if (h.qr) return { drop: true }; // a response sent to us: answering could loop
  if (h.opcode !== OPCODE_QUERY) return { reply: replyTo(query, RCODE.NOTIMP) };
  if (query.questions.length !== 1 || query.answers.length || query.authorities.length) return { reply: replyTo(query, RCODE.FORMERR) };
  const q = query.questions[0]!;
  if (q.class !== CLASS_IN && q.class !== 255) return { forward: true };
  const name = q.name.toLowerCase(); // the text form has no trailing dot
  if (q.type === TYPE.PTR) {
    const ip = reverseAddress(name);
    const target = ip === undefined ? undefined : names.reverse(client, ip);
    if (target === undefined) return { forward: true };
    return { reply: replyTo(query, RCODE.NOERROR, [ptrRecord(q.name, target, OWN_TTL)], true) };
  }
  const addresses = names.lookup(client, name);
  if (addresses === undefined) return { forward: true };
  // ours: A records for A and ANY; any other type (AAAA, MX, …) has no records, which is NOERROR, not NXDOMAIN
  const answers = q.type === TYPE.A || q.type === TYPE.ANY ? addresses.filter((ip) => isIPv4(ip)).map((ip) => aRecord(q.name, ip, OWN_TTL)) : [];
  return { reply: replyTo(query, RCODE.NOERROR, answers, true) };
}
