// The DNS codec against hand-made bytes: compression (and its loops), limits, escapes, the reply
// builders; then a short seeded run of message.fuzz.ts (the long one: scripts/fuzz.ts).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { DNS_PROPERTIES } from "./message.fuzz.ts";
import { CLASS_IN, DnsNameError, DnsParseError, encodeMessage, parseHeader, parseMessage, RCODE, TYPE, withId } from "./message.ts";
import { aRecord, addressOf, encodeWithin, ptrRecord, replyTo, replyToHeader, reverseAddress, targetOf } from "./records.ts";
import { nameLabels, readName, sameName } from "./wire-names.ts";

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, "").match(/../g)!.map((b) => parseInt(b, 16)));
/** What `dig example.com A` sends without EDNS: id 0x1234, RD. */
const EXAMPLE_QUERY = hex("1234 0100 0001 0000 0000 0000 07 6578616d706c65 03 636f6d 00 0001 0001");

const failure = (bytes: Uint8Array): DnsParseError => {
  try {
    parseMessage(bytes);
  } catch (e) {
    if (e instanceof DnsParseError) return e;
    throw e;
  }
  throw new Error("parsed");
};

test("a query as dig sends it", () => {
  const m = parseMessage(EXAMPLE_QUERY);
  expect(m.header).toMatchObject({ id: 0x1234, qr: false, opcode: 0, rd: true, rcode: 0 });
  expect(m.questions).toEqual([{ name: "example.com", type: TYPE.A, class: CLASS_IN }]);
  expect(encodeMessage(m)).toEqual(EXAMPLE_QUERY);
});

test("the encoder compresses the answers' names to the question's, case kept; the parser follows the pointers", () => {
  const reply = replyTo(parseMessage(EXAMPLE_QUERY), RCODE.NOERROR, [aRecord("example.com", "10.0.0.1", 60), aRecord("EXAMPLE.com", "10.0.0.2", 60)], true);
  const bytes = encodeMessage(reply);
  // header 12 + question 17 + a pointer, then "EXAMPLE" and a pointer to "com", each with 10 + 4
  expect(bytes.length).toBe(12 + 17 + (2 + 14) + (8 + 2 + 14));
  expect([...bytes.subarray(29, 31)]).toEqual([0xc0, 12]);
  expect([...bytes.subarray(53, 55)]).toEqual([0xc0, 20]);
  const back = parseMessage(bytes);
  expect(back.answers.map((r) => [r.name, addressOf(r)])).toEqual([
    ["example.com", "10.0.0.1"],
    ["EXAMPLE.com", "10.0.0.2"],
  ]);
  expect(back.header).toMatchObject({ id: 0x1234, qr: true, aa: true, rd: true, ra: true, rcode: 0 });
});

describe("hostile names", () => {
  const withName = (name: Uint8Array) => Uint8Array.from([...hex("0001 0000 0001 0000 0000 0000"), ...name, 0, 1, 0, 1]);
  test("a pointer to itself, forward, or to another pointer in a loop is a parse failure with the header", () => {
    for (const name of [hex("c00c"), hex("c00e 00"), hex("01 61 c00c")]) {
      const e = failure(withName(name));
      expect(e.reason).toMatch(/pointer/);
      expect(e.header?.id).toBe(1);
    }
  });
  test("a chain of backward pointers is followed", () => {
    // at 12: "a" and the root; at 15: a pointer to 12; at 17: a pointer to 15
    const bytes = Uint8Array.from([...hex("0001 0000 0001 0000 0000 0000"), ...hex("0161 00 c00c"), ...hex("c00f 0001 0001")]);
    expect(readName(bytes, 17)).toEqual({ name: "a", next: 19 });
  });
  test("labels of type 01 and 10, a 256-octet name, a name past the end", () => {
    expect(failure(withName(hex("41 00"))).reason).toMatch(/label type/);
    expect(failure(withName(hex("81 00"))).reason).toMatch(/label type/);
    const long = Uint8Array.from(Array.from({ length: 5 }, () => [63, ...new Array(63).fill(0x61)]).flat());
    expect(failure(withName(long)).reason).toMatch(/255/);
    expect(failure(hex("0001 0000 0001 0000 0000 0000 05 6162")).reason).toMatch(/past the end/);
  });
  test("shorter than a header: no header; counts beyond the bytes; bytes after the last record", () => {
    expect(failure(hex("0001 0000")).header).toBeUndefined();
    expect(failure(hex("0001 0000 ffff ffff ffff ffff")).header?.id).toBe(1);
    expect(failure(Uint8Array.from([...EXAMPLE_QUERY, 0])).reason).toMatch(/after the last record/);
  });
  test("an A record whose data is not 4 bytes", () => {
    const bytes = Uint8Array.from([...hex("0001 8000 0000 0001 0000 0000"), ...hex("00 0001 0001 00000000 0003 010203")]);
    expect(failure(bytes).reason).toMatch(/type 1 record with 3 bytes/);
  });
});

test("names: escapes for dots, backslashes and bytes outside printable ASCII; limits when encoding", () => {
  const wire = hex("03 612e62 02 5c20 00");
  expect(readName(wire, 0).name).toBe("a\\.b.\\\\\\032");
  expect(nameLabels("a\\.b.\\\\\\032").map((l) => [...l])).toEqual([[0x61, 0x2e, 0x62], [0x5c, 0x20]]);
  expect(nameLabels("web.").length).toBe(1);
  expect(() => nameLabels("a..b")).toThrow(DnsNameError);
  expect(() => nameLabels("a..")).toThrow(DnsNameError);
  expect(() => nameLabels("x".repeat(64))).toThrow(DnsNameError);
  expect(() => nameLabels(Array(130).fill("ab").join("."))).toThrow(DnsNameError);
  expect(() => nameLabels("caf\u00e9\u2603")).toThrow(DnsNameError);
  expect(sameName("WEB.example.", "web.EXAMPLE")).toBe(true);
});

test("reply builders: FORMERR from a header alone, PTR records, truncation to 512 with TC, ids", () => {
  const formerr = parseMessage(replyToHeader(parseHeader(EXAMPLE_QUERY)!, RCODE.FORMERR));
  expect(formerr.header).toMatchObject({ id: 0x1234, qr: true, rcode: RCODE.FORMERR });
  expect(formerr.questions).toEqual([]);
  const ptr = parseMessage(encodeMessage(replyTo(parseMessage(EXAMPLE_QUERY), 0, [ptrRecord("2.0.18.172.in-addr.arpa", "web.mynet", 600)])));
  expect(targetOf(ptr.answers[0]!)).toBe("web.mynet");
  const many = replyTo(parseMessage(EXAMPLE_QUERY), 0, Array.from({ length: 100 }, (_, i) => aRecord("example.com", `10.0.0.${i}`, 1)));
  const cut = encodeWithin(many, 512);
  expect(cut.length).toBeLessThanOrEqual(512);
  const back = parseMessage(cut);
  expect(back.header.tc).toBe(true);
  expect(back.answers.length).toBe(Math.floor((512 - 29) / 16));
  expect(parseHeader(withId(EXAMPLE_QUERY, 0xbeef))!.id).toBe(0xbeef);
});

test("in-addr.arpa names", () => {
  expect(reverseAddress("2.0.18.172.in-addr.arpa")).toBe("172.18.0.2");
  expect(reverseAddress("2.0.18.172.IN-ADDR.ARPA.")).toBe("172.18.0.2");
  expect(reverseAddress("0.18.172.in-addr.arpa")).toBeUndefined();
  expect(reverseAddress("2.0.18.999.in-addr.arpa")).toBeUndefined();
  expect(reverseAddress("2.0.18.172.in-addr.arpa.example")).toBeUndefined();
});

describe("the codec, fuzzed (seeded)", () => {
  for (const [name, property] of Object.entries(DNS_PROPERTIES)) test(name, () => fc.assert(property() as fc.IRawProperty<unknown>, { seed: 12, numRuns: 2000 }), 30_000);
});
