// The per-network DNS responder from outside: a real UDP/TCP client against DnsResponder on a
// loopback address, forwarding to fake upstreams on other loopback addresses (all of 127/8 is
// local). Owned names, PTR, forwarding with the upstream's answer passed through, dead upstreams,
// truncation, hostile datagrams, concurrency, close(), and busybox nslookup as a real client.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { existsSync } from "node:fs";
import { isSkiffError } from "../src/common/errors.ts";
import { DnsResponder, type NameSource } from "../src/engine/networks/dns/index.ts";
import { CLASS_IN, type DnsMessage, encodeMessage, parseMessage, RCODE, TYPE } from "../src/engine/networks/dns/message.ts";
import { aRecord, addressOf, targetOf } from "../src/engine/networks/dns/records.ts";
import { FrameReader, frame } from "../src/engine/networks/dns/tcp-framing.ts";
import { MAX_TCP_CONNECTIONS } from "../src/engine/networks/dns/tcp-server.ts";
import { DNS_ARBITRARIES } from "../src/engine/networks/dns/message.fuzz.ts";
import { query, tcpAsk, tcpQuery, udpAsk, udpQuery } from "../src/engine/networks/dns/testing/dns-client.ts";
import { type FakeUpstream, startFakeUpstream } from "../src/engine/networks/dns/testing/fake-upstream.ts";

// a /24 of 127/8 of this run's own, so that parallel runs do not meet
const NET = `127.53.${1 + Math.floor(Math.random() * 250)}`;
const TIMEOUT_MS = 400;

const OWNED: Record<string, string[]> = { web: ["172.18.0.2"], "web-alias": ["172.18.0.2"], "0123456789ab": ["172.18.0.2"], multi: ["172.18.0.3", "172.18.0.4"], "no-address": [] };
let upstreamsFor: () => string[] = () => [];
const looked: string[] = [];
let servesClients = true;
const names: NameSource = {
  lookup: (_client, name) => (looked.push(name), OWNED[name]),
  reverse: (_client, ip) => (ip === "172.18.0.2" ? "web.mynet" : undefined),
  upstreams: () => upstreamsFor(),
  serves: () => servesClients,
};

/** What the good upstream answers: as a real resolver would, with flags and records the responder must pass on untouched. */
function goodAnswer(q: DnsMessage, tcp: boolean): DnsMessage | "silent" {
  const question = q.questions[0]!;
  const reply = (rcode: number, answers = [] as DnsMessage["answers"], tc = false): DnsMessage => ({
    header: { ...q.header, qr: true, ra: true, ad: true, aa: false, tc, rcode },
    questions: q.questions,
    answers,
    authorities: rcode === RCODE.NXDOMAIN ? [{ name: "example", type: TYPE.SOA, class: CLASS_IN, ttl: 900, data: Uint8Array.from([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]) }] : [],
    additionals: [],
  });
  switch (question.name.toLowerCase()) {
    case "example.com":
      return reply(RCODE.NOERROR, [aRecord(question.name, "93.184.216.34", 1234)]);
    case "nope.example":
      return reply(RCODE.NXDOMAIN);
    case "fail.example":
      return reply(RCODE.SERVFAIL);
    case "big.example": // truncated over UDP, 3 records over TCP
      return tcp ? reply(0, [1, 2, 3].map((i) => aRecord(question.name, `10.1.0.${i}`, 60))) : reply(0, [], true);
    case "huge.example": // over TCP more than a UDP client takes
      return tcp ? reply(0, Array.from({ length: 60 }, (_, i) => aRecord(question.name, `10.2.0.${i}`, 60))) : reply(0, [], true);
    default:
      return reply(RCODE.NXDOMAIN);
  }
}

let good: FakeUpstream;
let dead: FakeUpstream;
let dns: DnsResponder;
const R = () => [dns.address, dns.port] as const;

beforeAll(async () => {
  good = await startFakeUpstream(`${NET}.1`, goodAnswer);
  dead = await startFakeUpstream(`${NET}.2`, () => "silent");
  dns = await DnsResponder.start({ address: `${NET}.3`, port: 0, names, timeoutMs: TIMEOUT_MS, tcpIdleTimeoutMs: 500 });
});
afterAll(() => {
  dns?.close();
  good?.close();
  dead?.close();
});

for (const transport of ["udp", "tcp"] as const) {
  const ask = (m: DnsMessage) => (transport === "udp" ? udpQuery(...R(), m) : tcpQuery(...R(), m));
  describe(`over ${transport}`, () => {
    test("an owned name gives its A records, authoritatively, whatever its case; the question comes back as asked", async () => {
      for (const [name, expected] of [
        ["web", ["172.18.0.2"]],
        ["WeB", ["172.18.0.2"]],
        ["web-alias.", ["172.18.0.2"]],
        ["0123456789AB", ["172.18.0.2"]],
        ["multi", ["172.18.0.3", "172.18.0.4"]],
      ] as const) {
        const a = (await ask(query(name, TYPE.A, 4242)))!;
        expect(a.header).toMatchObject({ id: 4242, qr: true, aa: true, rd: true, ra: true, rcode: RCODE.NOERROR });
        expect(a.questions).toEqual([{ name: name.replace(/\.$/, ""), type: TYPE.A, class: CLASS_IN }]);
        expect(a.answers.map(addressOf)).toEqual([...expected]);
        expect(a.answers.every((r) => r.name === name.replace(/\.$/, "") && r.ttl === 600)).toBe(true);
      }
      expect(looked).toContain("0123456789ab"); // the NameSource gets names lowercased
    });

    test("AAAA (and other types) of an owned name: NOERROR with no records, not NXDOMAIN", async () => {
      for (const [name, type] of [["web", TYPE.AAAA], ["web", TYPE.MX], ["no-address", TYPE.A]] as const) {
        const a = (await ask(query(name, type)))!;
        expect(a.header.rcode).toBe(RCODE.NOERROR);
        expect(a.header.aa).toBe(true);
        expect(a.answers).toEqual([]);
      }
    });

    test("PTR of an owned address", async () => {
      const a = (await ask(query("2.0.18.172.in-addr.arpa", TYPE.PTR)))!;
      expect(a.header.rcode).toBe(RCODE.NOERROR);
      expect(a.answers.map(targetOf)).toEqual(["web.mynet"]);
    });

    test("an unknown name is forwarded and the upstream's answer comes back unchanged but for the id; NXDOMAIN and SERVFAIL too", async () => {
      upstreamsFor = () => [good.spec];
      for (const name of ["example.com", "nope.example", "fail.example"]) {
        good.asked.length = 0;
        const q = query(name, TYPE.A, 777);
        const raw = transport === "udp" ? (await udpAsk(...R(), encodeMessage(q)))! : (await tcpAsk(...R(), [encodeMessage(q)])).answers[0]!;
        expect(good.asked.length).toBe(1);
        expect(good.asked[0]!.tcp).toBe(transport === "tcp"); // a TCP client's query goes to the upstream over TCP
        const upstreamId = good.asked[0]!.query.header.id;
        const expected = encodeMessage(goodAnswer({ ...q, header: { ...q.header, id: upstreamId } }, transport === "tcp") as DnsMessage);
        expect(raw.subarray(2)).toEqual(expected.subarray(2));
        expect(parseMessage(raw).header.id).toBe(777);
      }
      const nx = (await ask(query("nope.example", TYPE.A)))!;
      expect(nx.header.rcode).toBe(RCODE.NXDOMAIN);
      expect(nx.authorities.length).toBe(1);
      expect((await ask(query("fail.example", TYPE.A)))!.header.rcode).toBe(RCODE.SERVFAIL);
    });

    test("a PTR of an address not ours is forwarded", async () => {
      upstreamsFor = () => [good.spec];
      good.asked.length = 0;
      expect((await ask(query("9.9.9.10.in-addr.arpa", TYPE.PTR)))!.header.rcode).toBe(RCODE.NXDOMAIN);
      expect(good.asked.length).toBe(1);
    });

    test("an upstream that does not answer: the next is asked after the timeout; none answering gives SERVFAIL after it", async () => {
      upstreamsFor = () => [dead.spec, good.spec];
      let t = performance.now();
      const a = (await ask(query("example.com", TYPE.A)))!;
      expect(a.answers.map(addressOf)).toEqual(["93.184.216.34"]);
      expect(performance.now() - t).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      upstreamsFor = () => [dead.spec];
      t = performance.now();
      const f = (await ask(query("example.com", TYPE.A, 99)))!;
      expect(f.header).toMatchObject({ id: 99, qr: true, rcode: RCODE.SERVFAIL });
      expect(performance.now() - t).toBeLessThan(TIMEOUT_MS + 1000);
      // nobody listening at all (port refused): the next one at once
      upstreamsFor = () => [`${NET}.250:9`, good.spec];
      t = performance.now();
      expect((await ask(query("example.com", TYPE.A)))!.answers.length).toBe(1);
      if (transport === "udp") expect(performance.now() - t).toBeLessThan(TIMEOUT_MS);
      upstreamsFor = () => [];
      expect((await ask(query("example.com", TYPE.A)))!.header.rcode).toBe(RCODE.SERVFAIL);
    });
  });
}

test("answers that are not to the query sent upstream (another id, another question, a query) are ignored", async () => {
  const spoofer = await Bun.udpSocket({
    hostname: `${NET}.7`,
    port: 0,
    binaryType: "uint8array",
    socket: {
      data(s, data, port, address) {
        const q = parseMessage(data);
        const real = goodAnswer(q, false) as DnsMessage;
        const send = (m: DnsMessage) => s.send(encodeMessage(m), port, address);
        const evil = [aRecord(q.questions[0]!.name, "6.6.6.6", 1)];
        send({ ...real, answers: evil, header: { ...real.header, id: (q.header.id + 1) & 0xffff } });
        send({ ...real, questions: [{ ...q.questions[0]!, name: "evil.example" }], answers: evil });
        send({ ...real, questions: [{ ...q.questions[0]!, type: TYPE.AAAA }], answers: evil });
        send({ ...real, answers: evil, header: { ...real.header, qr: false } });
        send(real);
      },
    },
  });
  try {
    upstreamsFor = () => [`${NET}.7:${spoofer.port}`];
    const a = (await udpQuery(...R(), query("example.com", TYPE.A)))!;
    expect(a.answers.map(addressOf)).toEqual(["93.184.216.34"]);
  } finally {
    spoofer.close();
  }
});

describe("truncation", () => {
  test("a truncated UDP answer is asked again over TCP and the full answer given when it fits", async () => {
    upstreamsFor = () => [good.spec];
    good.asked.length = 0;
    const a = (await udpQuery(...R(), query("big.example", TYPE.A)))!;
    expect(a.header.tc).toBe(false);
    expect(a.answers.map(addressOf)).toEqual(["10.1.0.1", "10.1.0.2", "10.1.0.3"]);
    expect(good.asked.map((x) => x.tcp)).toEqual([false, true]);
  });
  test("too big for the UDP client: it gets the truncated answer, and over TCP the whole", async () => {
    upstreamsFor = () => [good.spec];
    const a = (await udpQuery(...R(), query("huge.example", TYPE.A)))!;
    expect(a.header.tc).toBe(true);
    const b = (await tcpQuery(...R(), query("huge.example", TYPE.A)))!;
    expect(b.answers.length).toBe(60);
  });
  test("more owned addresses than 512 bytes hold: TC over UDP, all over TCP", async () => {
    OWNED["crowd"] = Array.from({ length: 40 }, (_, i) => `172.18.1.${i}`);
    const a = (await udpQuery(...R(), query("crowd", TYPE.A)))!;
    expect(a.header.tc).toBe(true);
    expect(a.answers.length).toBeLessThan(40);
    expect((await tcpQuery(...R(), query("crowd", TYPE.A)))!.answers.length).toBe(40);
  });
});

describe("hostile clients", () => {
  test("garbage datagrams: dropped without a header, FORMERR with one; the next good query is answered", async () => {
    for (const junk of [new Uint8Array(0), Uint8Array.from([1, 2, 3]), crypto.getRandomValues(new Uint8Array(11))]) expect(await udpAsk(...R(), junk, 150)).toBeUndefined();
    const bad = Uint8Array.from([0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]); // a name pointing at itself
    const formerr = parseMessage((await udpAsk(...R(), bad))!);
    expect(formerr.header).toMatchObject({ id: 0xabcd, qr: true, rcode: RCODE.FORMERR });
    for (let i = 0; i < 200; i++) await udpAsk(...R(), crypto.getRandomValues(new Uint8Array(1 + (i % 100))), 1);
    // a response sent to it is not answered (no loops between two responders)
    const response = encodeMessage({ ...query("web", TYPE.A), header: { ...query("web", TYPE.A).header, qr: true } });
    expect(await udpAsk(...R(), response, 150)).toBeUndefined();
    expect((await udpQuery(...R(), query("web", TYPE.A)))!.answers.map(addressOf)).toEqual(["172.18.0.2"]);
  });

  test("damaged messages (fast-check, seeded): each is dropped or answered under its own id; the responder still answers", async () => {
    upstreamsFor = () => [good.spec];
    const samples = fc.sample(DNS_ARBITRARIES.damaged, { seed: 3, numRuns: 300 });
    const answers = await Promise.all(samples.map((bytes) => udpAsk(...R(), bytes, 300).then((a) => [bytes, a] as const)));
    for (const [bytes, a] of answers) {
      if (!a) continue;
      expect(a.length).toBeGreaterThanOrEqual(12);
      expect([...a.subarray(0, 2)]).toEqual([...bytes.subarray(0, 2)]);
      expect(a[2]! & 0x80).toBe(0x80);
    }
    expect(answers.filter(([, a]) => a).length).toBeGreaterThan(0);
    const { answers: tcpAnswers } = await tcpAsk(...R(), samples.slice(0, 50), 1000);
    expect(tcpAnswers.every((a) => a.length >= 12)).toBe(true);
    expect((await udpQuery(...R(), query("web", TYPE.A)))!.answers.length).toBe(1);
  });

  test("TCP: a frame never finished, more connections than the limit: a new connection is still answered", async () => {
    const hang = await Bun.connect({ hostname: R()[0], port: R()[1], socket: { data() {} } });
    hang.write(Uint8Array.of(0xff, 0xff, 1, 2, 3));
    const many = await Promise.all(Array.from({ length: MAX_TCP_CONNECTIONS + 20 }, () => Bun.connect({ hostname: R()[0], port: R()[1], socket: { data() {} } }).catch(() => undefined)));
    await Bun.sleep(100);
    for (const c of many) c?.terminate();
    hang.terminate();
    await Bun.sleep(100);
    expect((await tcpQuery(...R(), query("web", TYPE.A)))!.answers.length).toBe(1);
  });

  test("two questions, or an opcode other than QUERY: FORMERR and NOTIMP", async () => {
    const two = query("web", TYPE.A, 5, { questions: [{ name: "web", type: TYPE.A, class: CLASS_IN }, { name: "multi", type: TYPE.A, class: CLASS_IN }] });
    expect((await udpQuery(...R(), two))!.header.rcode).toBe(RCODE.FORMERR);
    const notify = query("web", TYPE.A, 6);
    notify.header.opcode = 4;
    expect((await udpQuery(...R(), notify))!.header.rcode).toBe(RCODE.NOTIMP);
  });

  test("TCP: several queries on one connection, split anywhere; a connection idle past the timeout is closed", async () => {
    const queries = ["web", "multi", "nope.example", "WEB"].map((n, i) => encodeMessage(query(n, TYPE.A, 100 + i)));
    upstreamsFor = () => [good.spec];
    const { answers } = await tcpAsk(...R(), queries);
    expect(answers.map((a) => parseMessage(a).header.id).sort()).toEqual([100, 101, 102, 103]);
    // one byte at a time
    const framed = frame(queries[0]!);
    const got: Uint8Array[] = [];
    const reader = new FrameReader();
    const { promise, resolve } = Promise.withResolvers<boolean>();
    const s = await Bun.connect({
      hostname: R()[0],
      port: R()[1],
      socket: { binaryType: "uint8array", data: (_s, c: Uint8Array) => void got.push(...reader.push(c)), close: () => resolve(true), end: () => resolve(true) },
    });
    for (const b of framed) {
      s.write(Uint8Array.of(b));
      s.flush();
      await Bun.sleep(2);
    }
    const t = performance.now();
    expect(await Promise.race([promise, Bun.sleep(3000).then(() => false)])).toBe(true); // closed by the server when idle
    expect(performance.now() - t).toBeLessThan(2000);
    s.terminate();
    expect(got.map((a) => parseMessage(a).header.id)).toEqual([100]);
  });

  test("a slow forward does not hold up other queries; forwards in flight are bounded", async () => {
    upstreamsFor = () => [dead.spec];
    const slow = Array.from({ length: 20 }, (_, i) => udpQuery(...R(), query(`slow${i}.example`, TYPE.A)));
    const t = performance.now();
    const quick = await Promise.all(Array.from({ length: 50 }, () => udpQuery(...R(), query("web", TYPE.A))));
    expect(performance.now() - t).toBeLessThan(TIMEOUT_MS);
    expect(quick.every((a) => a?.answers.length === 1)).toBe(true);
    expect((await Promise.all(slow)).every((a) => a?.header.rcode === RCODE.SERVFAIL)).toBe(true);

    const bounded = await DnsResponder.start({ address: `${NET}.4`, port: 0, names, timeoutMs: TIMEOUT_MS, maxPendingForwards: 2 });
    try {
      const t2 = performance.now();
      const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => udpQuery(bounded.address, bounded.port, query(`b${i}.example`, TYPE.A)).then((a) => [a, performance.now() - t2] as const)));
      expect(answers.every(([a]) => a?.header.rcode === RCODE.SERVFAIL)).toBe(true);
      expect(answers.filter(([, ms]) => ms < TIMEOUT_MS / 2).length).toBe(3); // refused at once
    } finally {
      bounded.close();
    }
  });
});

test.if(existsSync("/proc/net/if_inet6"))("an IPv6 upstream ([::1]:PORT)", async () => {
  const v6 = await startFakeUpstream("::1", goodAnswer).catch(() => undefined);
  if (!v6) return console.warn("skipped: ::1 cannot be bound");
  try {
    upstreamsFor = () => [`[::1]:${v6.port}`];
    expect((await udpQuery(...R(), query("example.com", TYPE.A)))!.answers.map(addressOf)).toEqual(["93.184.216.34"]);
    expect((await tcpQuery(...R(), query("example.com", TYPE.A)))!.answers.map(addressOf)).toEqual(["93.184.216.34"]);
    expect(v6.asked.map((a) => a.tcp)).toEqual([false, true]);
  } finally {
    v6.close();
  }
});

test("a client the network does not serve (a container of another network, through this one's gateway) is REFUSED, owned names and forwards alike (a new-user trial: it read this network's names)", async () => {
  servesClients = false;
  try {
    for (const name of ["web", "example.com"]) {
      const q = query(name, TYPE.A);
      for (const answer of [await udpQuery(...R(), q), await tcpQuery(...R(), q)]) expect([name, answer?.header.rcode, answer?.answers.length]).toEqual([name, RCODE.REFUSED, 0]);
    }
  } finally {
    servesClients = true;
  }
});

describe("lifecycle", () => {
  test("close() frees the port for UDP and TCP", async () => {
    const r = await DnsResponder.start({ address: `${NET}.5`, port: 0, names });
    const port = r.port;
    expect((await udpQuery(r.address, port, query("web", TYPE.A)))!.answers.length).toBe(1);
    r.close();
    const u = await Bun.udpSocket({ hostname: `${NET}.5`, port });
    const l = Bun.listen({ hostname: `${NET}.5`, port, socket: { data() {} } });
    u.close();
    l.stop(true);
  });

  test("an address that is not on an interface: ENGINE_DNS_BIND_FAILED with the address and a hint", async () => {
    const e = await DnsResponder.start({ address: "192.0.2.77", port: 0, names }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isSkiffError(e)).toBe(true);
    if (!isSkiffError(e)) return;
    expect(e).toMatchObject({ layer: "engine", code: "ENGINE_DNS_BIND_FAILED", details: { errno: "EADDRNOTAVAIL", address: "192.0.2.77" } });
    expect(e.message).toContain("192.0.2.77");
    expect(e.hint).toContain("bridge");
  });

  test("a port already taken on the address: ENGINE_DNS_BIND_FAILED, conflict", async () => {
    const e = await DnsResponder.start({ address: dns.address, port: dns.port, names }).catch((err: unknown) => err);
    expect(isSkiffError(e) && e.code === "ENGINE_DNS_BIND_FAILED" && e.kind === "conflict").toBe(true);
  });
});

// busybox's nslookup cannot take a port: it gets a responder on port 53 of an address of its own
// (skipped when port 53 cannot be had there, e.g. a resolver bound to 0.0.0.0:53)
describe.if(existsSync("/bin/busybox"))("busybox nslookup as a real client", () => {
  let on53: DnsResponder | undefined;
  beforeAll(async () => {
    on53 = await DnsResponder.start({ address: `${NET}.6`, port: 53, names, timeoutMs: TIMEOUT_MS }).catch(() => undefined);
  });
  afterAll(() => on53?.close());
  const nslookup = async (name: string) => {
    const p = Bun.spawn(["/bin/busybox", "nslookup", name, `${NET}.6`], { stdout: "pipe", stderr: "pipe" });
    const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
    await p.exited;
    return { code: p.exitCode, text: out + err };
  };
  test("an owned name, a forwarded one, one that does not exist", async () => {
    if (!on53) return console.warn(`skipped: port 53 on ${NET}.6 is not free`);
    upstreamsFor = () => [good.spec];
    const web = await nslookup("web");
    expect(web.code).toBe(0);
    expect(web.text).toContain("172.18.0.2");
    const ex = await nslookup("example.com");
    expect(ex.text).toContain("93.184.216.34");
    const nx = await nslookup("nope.example");
    expect(nx.text).toContain("NXDOMAIN");
  });
});

test("a client gone before its answer (the answer's ICMP error comes back on the socket) does not end the process, and the next query is answered", async () => {
  const name = Object.keys(OWNED)[0]!;
  for (let i = 0; i < 5; i++) {
    // send, and close at once: the answer goes to a closed port (ECONNREFUSED on the responder's socket)
    const s = await Bun.udpSocket({ port: 0, socket: { data() {}, error() {} } });
    s.send(encodeMessage(query(name, TYPE.A)), dns.port, dns.address);
    s.close();
  }
  await Bun.sleep(200);
  const answer = await udpQuery(dns.address, dns.port, query(name, TYPE.A));
  expect(answer?.header.rcode).toBe(RCODE.NOERROR);
});
