// The API server's HTTP/1.1 reading: request heads (what is refused and why) and body framing.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { bodyDecoder } from "./body-decoder.ts";
import { HTTP_PROPERTIES } from "./http.fuzz.ts";
import { headEnd, parseRequestHead, type RequestHead } from "./request-head.ts";
import { answerHead, canonicalName } from "./answer-head.ts";

const head = (text: string) => parseRequestHead(text) as RequestHead;

test("a docker client's head: method, target, headers in order, keep-alive, no body", () => {
  const h = head("GET /v1.47/containers/json?all=1 HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: Docker-Client/28.0.0 (linux)\r\n\r\n");
  expect(h).toMatchObject({ method: "GET", target: "/v1.47/containers/json?all=1", minor: 1, keepAlive: true, body: { kind: "none" }, expectContinue: false });
  expect(h.headers).toEqual([["Host", "api.moby.localhost"], ["User-Agent", "Docker-Client/28.0.0 (linux)"]]);
});

test("framing: a length, chunked, both refused, other codings not served, lengths that disagree refused", () => {
  expect(head("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n").body).toEqual({ kind: "length", length: 12 });
  expect(head("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").body).toEqual({ kind: "none" });
  expect(head("POST / HTTP/1.1\r\ncontent-length: 5, 5\r\n\r\n").body).toEqual({ kind: "length", length: 5 });
  expect(head("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n").body).toEqual({ kind: "chunked" });
  expect(parseRequestHead("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n")).toMatchObject({ status: 400 });
  expect(parseRequestHead("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")).toMatchObject({ status: 501 });
  expect(parseRequestHead("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n")).toMatchObject({ status: 400 });
  expect(parseRequestHead("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")).toMatchObject({ status: 400 });
  expect(parseRequestHead("POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n")).toMatchObject({ status: 400 });
});

test("refusals: request line, version, folded and malformed headers, control characters", () => {
  expect(parseRequestHead("GET /\r\n\r\n")).toMatchObject({ status: 400 });
  expect(parseRequestHead("GET / HTTP/2.0\r\n\r\n")).toMatchObject({ status: 505 });
  expect(parseRequestHead("GET  / HTTP/1.1\r\n\r\n")).toMatchObject({ status: 400 });
  expect(parseRequestHead("GET / HTTP/1.1\r\nA: b\r\n  folded\r\n\r\n")).toMatchObject({ status: 400 });
  expect(parseRequestHead("GET / HTTP/1.1\r\nNo colon\r\n\r\n")).toMatchObject({ status: 400 });
  expect(parseRequestHead("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n")).toMatchObject({ status: 400 });
  expect(parseRequestHead("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n")).toMatchObject({ status: 400 });
  expect(parseRequestHead("GET / HTTP/1.1\r\nA: b\x00\r\n\r\n")).toMatchObject({ status: 400 });
  expect(parseRequestHead("GET * HTTP/1.1\r\n\r\n")).toMatchObject({ status: 400 });
});

test("connection: 1.0 closes unless asked to keep alive; 1.1 keeps unless asked to close; upgrade and 100-continue read", () => {
  expect(head("GET / HTTP/1.0\r\n\r\n").keepAlive).toBe(false);
  expect(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive).toBe(true);
  expect(head("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keepAlive).toBe(false);
  expect(head("POST /exec/x/start HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n").upgrade).toBe("tcp");
  expect(head("GET / HTTP/1.1\r\nUpgrade: tcp\r\n\r\n").upgrade).toBeUndefined();
  expect(head("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n").expectContinue).toBe(true);
  expect(head("GET http://docker/v1.41/_ping HTTP/1.1\r\n\r\n").target).toBe("/v1.41/_ping");
  expect(head("GET http://docker HTTP/1.1\r\n\r\n").target).toBe("/");
});

test("the head's end is found after CRLF CRLF or LF LF, and not before", () => {
  expect(headEnd(Buffer.from("GET / HTTP/1.1\r\nA: b\r\n\r\nbody"))).toBe(24);
  expect(headEnd(Buffer.from("GET / HTTP/1.1\nA: b\n\nbody"))).toBe(21);
  expect(headEnd(Buffer.from("GET / HTTP/1.1\r\nA: b\r\n\r"))).toBe(-1);
  expect(headEnd(Buffer.from("GET / HTTP/1.1\r\n"))).toBe(-1);
});

test("chunked bodies: sizes in hex, extensions, trailers; malformed sizes and overlong data refused", () => {
  const d = bodyDecoder({ kind: "chunked" });
  const out = d.push(Buffer.from("5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT"));
  expect(Buffer.concat(out.data).toString()).toBe("hello0123456789");
  expect(out.done).toBe(true);
  expect(Buffer.from(out.rest).toString()).toBe("NEXT");
  expect(bodyDecoder({ kind: "chunked" }).push(Buffer.from("zz\r\n")).error).toBe("malformed chunk size");
  expect(bodyDecoder({ kind: "chunked" }).push(Buffer.from("-1\r\n")).error).toBe("malformed chunk size");
  expect(bodyDecoder({ kind: "chunked" }).push(Buffer.from("ffffffffffffff\r\n")).error).toBe("malformed chunk size");
  expect(bodyDecoder({ kind: "chunked" }).push(Buffer.from("2\r\nabc\r\n")).error).toBe("a chunk's data is longer than its size");
  expect(bodyDecoder({ kind: "chunked" }).push(Buffer.alloc(5000, 0x31)).error).toBe("a chunked body's line is too long");
});

test("answers: status line, canonical header names, a date, framing by the handler's length, chunked, or none", () => {
  const get = head("GET / HTTP/1.1\r\n\r\n");
  const a = answerHead(new Response("x", { headers: { "api-version": "1.47", ostype: "linux" } }), get, true);
  expect(a.text).toStartWith("HTTP/1.1 200 OK\r\n");
  expect(a.text).toContain("Api-Version: 1.47\r\nOstype: linux\r\n");
  expect(a.text).toMatch(/\r\nDate: \w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT\r\n/);
  expect(a.text).toContain("Transfer-Encoding: chunked\r\n");
  expect(a.framing).toBe("chunked");
  expect(a.close).toBe(false);
  expect(answerHead(new Response("x", { headers: { "content-length": "1" } }), get, true).framing).toBe("length");
  expect(answerHead(new Response(null, { status: 204 }), get, true).text).not.toContain("Content-Length");
  expect(answerHead(new Response(null), get, true).text).toContain("Content-Length: 0\r\n");
  expect(answerHead(new Response("x"), head("HEAD / HTTP/1.1\r\n\r\n"), true).framing).toBe("none");
  const old = answerHead(new Response("x"), head("GET / HTTP/1.0\r\n\r\n"), false);
  expect(old).toMatchObject({ framing: "close", close: true });
  expect(old.text).toStartWith("HTTP/1.0 200 OK\r\n");
  expect(old.text).toContain("Connection: close\r\n");
  expect(canonicalName("x-registry-auth")).toBe("X-Registry-Auth");
});

for (const [name, property] of Object.entries(HTTP_PROPERTIES)) test(`http: ${name} (property, seeded; scripts/fuzz.ts runs it long)`, () => fc.assert(property(), { seed: 11, numRuns: 400 }), 30_000);
