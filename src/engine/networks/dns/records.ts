// The records and replies the responder makes itself: A and PTR records, replies to a query with
// a response code, UDP's 512-byte limit, and the in-addr.arpa names of IPv4 addresses.
import { isIPv4 } from "node:net";
import type { DnsHeader } from "./header.ts";
import { CLASS_IN, type DnsMessage, type DnsRecord, encodeMessage, TYPE } from "./message.ts";
import { readName } from "./wire-names.ts";
import { nameWire } from "./wire-writer.ts";

/** What a client without EDNS can take over UDP (RFC 1035 §4.2.1). */
export const UDP_LIMIT = 512;

export function aRecord(name: string, ipv4: string, ttl: number): DnsRecord {
  if (!isIPv4(ipv4)) throw new Error(`aRecord: not an IPv4 address: ${ipv4}`);
  return { name, type: TYPE.A, class: CLASS_IN, ttl, data: Uint8Array.from(ipv4.split(".").map(Number)) };
}

export function ptrRecord(name: string, target: string, ttl: number): DnsRecord {
  return { name, type: TYPE.PTR, class: CLASS_IN, ttl, data: nameWire(target) };
}

/** An A record's address. */
export const addressOf = (r: DnsRecord): string => [...r.data].join(".");

/** A PTR, CNAME or NS record's target name. */
export const targetOf = (r: DnsRecord): string => readName(r.data, 0).name;

/** "1.2.3.4" for "4.3.2.1.in-addr.arpa" (any case, trailing dot or not); undefined for any other name. */
export function reverseAddress(name: string): string | undefined {
  const m = /^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.in-addr\.arpa\.?$/i.exec(name);
  if (!m) return undefined;
  const ip = [m[4], m[3], m[2], m[1]].join(".");
  return isIPv4(ip) ? ip : undefined;
}

/** The reply to `query`: its id, opcode, RD and CD, its questions, with `rcode` and `answers`. */
export function replyTo(query: DnsMessage, rcode: number, answers: DnsRecord[] = [], authoritative = false): DnsMessage {
  const q = query.header;
  return {
    header: { id: q.id, qr: true, opcode: q.opcode, aa: authoritative, tc: false, rd: q.rd, ra: true, z: false, ad: false, cd: q.cd, rcode },
    questions: query.questions,
    answers,
    authorities: [],
    additionals: [],
  };
}

/** The reply to a message of which only the header could be read: no question (RFC 1035 leaves it open; resolvers take this). */
export function replyToHeader(header: DnsHeader, rcode: number): Uint8Array {
  return encodeMessage({
    header: { id: header.id, qr: true, opcode: header.opcode, aa: false, tc: false, rd: header.rd, ra: true, z: false, ad: false, cd: header.cd, rcode },
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
  });
}

/** The reply's bytes within `limit`: answers dropped from the end, TC set, until it fits (RFC 2181 §9). */
export function encodeWithin(reply: DnsMessage, limit: number): Uint8Array {
  let bytes = encodeMessage(reply);
  if (bytes.length <= limit) return bytes;
  const answers = [...reply.answers];
  do {
    answers.pop();
    bytes = encodeMessage({ ...reply, header: { ...reply.header, tc: true }, answers, authorities: [], additionals: [] });
  } while (bytes.length > limit && answers.length > 0);
  return bytes;
}
