// The responder's decision for a parsed query: answer from the network's names, or forward.
import { expect, test } from "bun:test";
import { CLASS_IN, type DnsMessage, RCODE, TYPE } from "./message.ts";
import type { NameSource } from "./name-source.ts";
import { decide } from "./own-answer.ts";
import { addressOf, targetOf } from "./records.ts";
import { query } from "./testing/dns-client.ts";

const asked: string[][] = [];
const names: NameSource = {
  lookup: (client, name) => (asked.push([client, name]), name === "web" ? ["172.18.0.2", "not-an-ip", "fe80::1"] : undefined),
  reverse: (_c, ip) => (ip === "172.18.0.2" ? "web.net1" : undefined),
  upstreams: () => [],
};
const reply = (m: DnsMessage) => {
  const d = decide(m, "172.18.0.9", names);
  if (!("reply" in d)) throw new Error(`not a reply: ${JSON.stringify(d)}`);
  return d.reply;
};

test("an owned name: its IPv4 addresses only, the client named, the name lowercased", () => {
  const r = reply(query("WEB", TYPE.A, 1));
  expect(r.answers.map(addressOf)).toEqual(["172.18.0.2"]);
  expect(r.answers[0]!.name).toBe("WEB");
  expect(asked.at(-1)).toEqual(["172.18.0.9", "web"]);
  expect(reply(query("web", TYPE.ANY)).answers.length).toBe(1);
});

test("not ours, a PTR not ours, another class: forward", () => {
  expect(decide(query("db", TYPE.A), "c", names)).toEqual({ forward: true });
  expect(decide(query("3.0.18.172.in-addr.arpa", TYPE.PTR), "c", names)).toEqual({ forward: true });
  expect(decide(query("web", TYPE.PTR), "c", names)).toEqual({ forward: true });
  const chaos = query("web", TYPE.TXT);
  chaos.questions[0]!.class = 3;
  expect(decide(chaos, "c", names)).toEqual({ forward: true });
});

test("PTR of an owned address", () => {
  expect(reply(query("2.0.18.172.in-addr.arpa", TYPE.PTR)).answers.map(targetOf)).toEqual(["web.net1"]);
});

test("a response is dropped; no question, answers in a query: FORMERR; another opcode: NOTIMP", () => {
  const r = query("web", TYPE.A);
  r.header.qr = true;
  expect(decide(r, "c", names)).toEqual({ drop: true });
  expect(reply({ ...query("web", TYPE.A), questions: [] }).header.rcode).toBe(RCODE.FORMERR);
  expect(reply({ ...query("web", TYPE.A), answers: [{ name: "x", type: 1, class: CLASS_IN, ttl: 1, data: new Uint8Array(4) }] }).header.rcode).toBe(RCODE.FORMERR);
  const update = query("web", TYPE.A);
  update.header.opcode = 5;
  expect(reply(update).header.rcode).toBe(RCODE.NOTIMP);
});
