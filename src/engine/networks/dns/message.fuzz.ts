// Properties of the DNS codec (message.ts, wire-names.ts) and of the responder's decision
// (own-answer.ts) for fast-check: a short seeded run in message.test.ts, a long one in
// scripts/fuzz.ts (engine.dns). Test code only.
//
// - any bytes, and valid messages with bytes changed or cut: a message or DnsParseError (with the
//   header whenever 12 bytes were there), never another exception;
// - build → parse gives back the message (names, questions, records, flags), compressed or not;
// - a name's labels → wire → text → labels is the identity, any bytes in the labels;
// - any parsed query: the decision never throws and its reply encodes.
import fc from "fast-check";
import { CLASS_IN, DnsParseError, type DnsMessage, type DnsRecord, encodeMessage, parseMessage, TYPE } from "./message.ts";
import { decide } from "./own-answer.ts";
import { aRecord, ptrRecord } from "./records.ts";
import { nameLabels, readName } from "./wire-names.ts";

const label = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 63 }), fc.stringMatching(/^[a-zA-Z0-9-]{1,12}$/).map((s) => new TextEncoder().encode(s)));
const wireOf = (labels: Uint8Array[]) => Uint8Array.from([...labels.flatMap((l) => [l.length, ...l]), 0]);
const labelsArb = fc.array(label, { maxLength: 5 }).filter((ls) => wireOf(ls).length <= 255);
/** A name in text form, any bytes in its labels. */
const nameArb = labelsArb.map((ls) => readName(wireOf(ls), 0).name);
const friendly = fc.constantFrom("web", "WEB", "web.example", "Web.Example", "db.internal.test", "4.3.2.1.in-addr.arpa", "");
const anyName = fc.oneof(nameArb, friendly);

const header = fc.record({
  id: fc.integer({ min: 0, max: 0xffff }),
  qr: fc.boolean(),
  opcode: fc.integer({ min: 0, max: 15 }),
  aa: fc.boolean(),
  tc: fc.boolean(),
  rd: fc.boolean(),
  ra: fc.boolean(),
  z: fc.boolean(),
  ad: fc.boolean(),
  cd: fc.boolean(),
  rcode: fc.integer({ min: 0, max: 15 }),
});
const question = fc.record({ name: anyName, type: fc.constantFrom(TYPE.A, TYPE.AAAA, TYPE.PTR, TYPE.MX, TYPE.ANY, 999), class: fc.constantFrom(CLASS_IN, 3, 255) });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((t) => t.join("."));
const ttl = fc.nat();
const record: fc.Arbitrary<DnsRecord> = fc.oneof(
  fc.tuple(anyName, ipv4, ttl).map(([n, ip, t]) => aRecord(n, ip, t)),
  fc.tuple(anyName, anyName, ttl).map(([n, target, t]) => ptrRecord(n, target, t)),
  fc.record({ name: anyName, type: fc.constantFrom(TYPE.TXT, TYPE.MX, 4242), class: fc.constantFrom(CLASS_IN, 3), ttl, data: fc.uint8Array({ maxLength: 40 }) }),
);
const message: fc.Arbitrary<DnsMessage> = fc.record({
  header,
  questions: fc.array(question, { maxLength: 3 }),
  answers: fc.array(record, { maxLength: 4 }),
  authorities: fc.array(record, { maxLength: 2 }),
  additionals: fc.array(record, { maxLength: 2 }),
});

/** The parser's outcome: the message, or the parse failure; any other exception escapes. */
function outcome(bytes: Uint8Array): { message: DnsMessage } | { failure: DnsParseError } {
  try {
    return { message: parseMessage(bytes) };
  } catch (e) {
    if (e instanceof DnsParseError) return { failure: e };
    throw e;
  }
}
const onlyParseFailures = (bytes: Uint8Array) => {
  const o = outcome(bytes);
  return "message" in o || (bytes.length >= 12) === (o.failure.header !== undefined);
};

/** Valid messages with bytes overwritten, cut or appended: the parser's deep paths with bad data. */
const damaged = fc.tuple(message, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat()), fc.uint8Array({ maxLength: 4 })).map(([m, edits, cut, tail]) => {
  const bytes = encodeMessage(m);
  for (const [at, v] of edits) if (bytes.length) bytes[at % bytes.length] = v;
  const kept = cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
  return Uint8Array.from([...kept, ...tail]);
});

const NAMES = {
  lookup: (_c: string, n: string) => (n === "web" || n === "web.example" ? ["172.18.0.2", "172.18.0.3"] : n === "empty" ? [] : undefined),
  reverse: (_c: string, ip: string) => (ip === "1.2.3.4" ? "web" : undefined),
  upstreams: () => [],
};

/** For tests that send such bytes to a live responder. */
export const DNS_ARBITRARIES = { message, damaged };

export const DNS_PROPERTIES = {
  anyBytes: () => fc.property(fc.uint8Array({ maxLength: 600 }), onlyParseFailures),
  damagedMessages: () => fc.property(damaged, onlyParseFailures),
  roundTrip: () =>
    fc.property(message, (m) => {
      const back = parseMessage(encodeMessage(m));
      return JSON.stringify(back, (_k, v) => (v instanceof Uint8Array ? [...v] : v)) === JSON.stringify(m, (_k, v) => (v instanceof Uint8Array ? [...v] : v));
    }),
  nameText: () =>
    fc.property(labelsArb, (ls) => {
      const text = readName(wireOf(ls), 0).name;
      const back = nameLabels(text);
      return back.length === ls.length && back.every((l, i) => l.length === ls[i]!.length && l.every((b, j) => b === ls[i]![j]));
    }),
  decisionNeverThrows: () =>
    fc.property(fc.oneof(damaged, message.map(encodeMessage)), (bytes) => {
      const o = outcome(bytes);
      if (!("message" in o)) return true;
      const d = decide(o.message, "172.18.0.9", NAMES);
      if ("reply" in d) encodeMessage(d.reply);
      return true;
    }),
};
