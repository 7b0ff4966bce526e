// Properties of the API server's HTTP/1.1 reading (request-head.ts, body-decoder.ts) for
// fast-check: a short seeded run in http.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - headRoundTrip: a head written as clients write it (any token method, path and query, headers
//   of any names and values, CRLF or LF lines) reads back as written.
// - anyHead: any text gives a head or a refusal with a status, never an exception; a head's target
//   is a path and its header values hold no line break.
// - chunkedRoundTrip: any data sent chunked (any chunk sizes, extensions, trailers), followed by
//   the next request's bytes and cut anywhere (each cut overwritten after it is pushed), decodes
//   to the data, and what follows the body comes back whole.
// - lengthRoundTrip: the same for a Content-Length body.
// - anyBody: any bytes to the chunked decoder give data, a wait for more, or an error; never an
//   exception, never data after the end.
import fc from "fast-check";
import { bodyDecoder, type BodyDecoder } from "./body-decoder.ts";
import { headEnd, parseRequestHead } from "./request-head.ts";

const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
const headerName = token.filter((n) => !/^(content-length|transfer-encoding|connection|upgrade|expect)$/i.test(n));
const value = fc.stringMatching(/^[\x21-\x7e]([\t\x20-\x7e]{0,30}[\x21-\x7e])?$/);
const path = fc.stringMatching(/^\/[\x21-\x7e]{0,40}$/);

export const headRoundTrip = () =>
  fc.property(token, path, fc.array(fc.tuple(headerName, value), { maxLength: 8 }), fc.boolean(), (method, target, headers, lf) => {
    const eol = lf ? "\n" : "\r\n";
    const text = `${method} ${target} HTTP/1.1${eol}${headers.map(([n, v]) => `${n}: ${v}${eol}`).join("")}${eol}`;
    const bytes = Buffer.from(text, "latin1");
    if (headEnd(bytes) !== bytes.length) throw new Error(`the head's end was found at ${headEnd(bytes)}, not ${bytes.length}`);
    const head = parseRequestHead(text);
    if ("status" in head) throw new Error(`refused: ${head.reason}`);
    if (head.method !== method || head.target !== target || JSON.stringify(head.headers) !== JSON.stringify(headers)) throw new Error("read back otherwise than written");
    if (!head.keepAlive || head.body.kind !== "none") throw new Error("a plain 1.1 request without a body was framed otherwise");
  });

export const anyHead = () =>
  fc.property(
    fc.oneof(
      fc.string({ unit: "binary-ascii", maxLength: 200 }),
      fc.array(fc.constantFrom("GET ", "POST ", "/x ", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "\r\n", "\n", ":", " ", "\t", "Content-Length: ", "Transfer-Encoding: ", "chunked", "1", "-1", ",", "Connection: ", "upgrade", "Upgrade: tcp", "\x00", "\x7f", "\xff"), { maxLength: 30 }).map((a) => a.join("")),
    ),
    (text) => {
      const head = parseRequestHead(text);
      if ("status" in head) {
        if (![400, 501, 505].includes(head.status) || !head.reason) throw new Error("a refusal without its status or reason");
        return;
      }
      if (!head.target.startsWith("/")) throw new Error(`target ${JSON.stringify(head.target)}`);
      for (const [n, v] of head.headers) if (/[\r\n\0]/.test(v) || !n) throw new Error(`header ${JSON.stringify([n, v])}`);
      if (head.body.kind === "length" && !(head.body.length > 0 && Number.isSafeInteger(head.body.length))) throw new Error(`length ${head.body.length}`);
    },
  );

/** Pushes `wire` into `d` cut at `cuts`; the data and what came after the body's end. */
function decode(d: BodyDecoder, wire: Uint8Array, cuts: number[]): { data: Buffer; rest: Buffer; done: boolean; error?: string } {
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
  const data: Buffer[] = [];
  const rest: Buffer[] = [];
  let done = false;
  let at = 0;
  for (const p of [...points, wire.length]) {
    const chunk = Uint8Array.from(wire.subarray(at, p));
    at = p;
    if (done) {
      rest.push(Buffer.from(chunk));
      continue;
    }
    const out = d.push(chunk);
    data.push(...out.data.map((b) => Buffer.from(b)));
    if (out.error) return { data: Buffer.concat(data), rest: Buffer.alloc(0), done: true, error: out.error };
    if (out.done) {
      done = true;
      rest.push(Buffer.from(out.rest));
    }
    chunk.fill(0xee);
  }
  return { data: Buffer.concat(data), rest: Buffer.concat(rest), done };
}

const NEXT = Buffer.from("GET /next HTTP/1.1\r\n\r\n");

export const chunkedRoundTrip = () =>
  fc.property(
    fc.array(fc.record({ data: fc.uint8Array({ minLength: 1, maxLength: 200 }), ext: fc.constantFrom("", ";a=b", ' ;name="v"'), upper: fc.boolean() }), { maxLength: 8 }),
    fc.array(fc.tuple(headerName, value), { maxLength: 3 }),
    fc.array(fc.nat(3000), { maxLength: 10 }),
    fc.boolean(),
    (chunks, trailers, cuts, lf) => {
      const eol = lf ? "\n" : "\r\n";
      const parts = chunks.flatMap((c) => [Buffer.from(`${c.upper ? c.data.length.toString(16).toUpperCase() : c.data.length.toString(16)}${c.ext}${eol}`), Buffer.from(c.data), Buffer.from(eol)]);
      const wire = Buffer.concat([...parts, Buffer.from(`0${eol}${trailers.map(([n, v]) => `${n}: ${v}${eol}`).join("")}${eol}`), NEXT]);
      const got = decode(bodyDecoder({ kind: "chunked" }), wire, cuts);
      if (got.error) throw new Error(`refused: ${got.error}`);
      if (!got.done || !got.data.equals(Buffer.concat(chunks.map((c) => c.data))) || !got.rest.equals(NEXT)) throw new Error("decoded otherwise than sent");
    },
  );

export const lengthRoundTrip = () =>
  fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.array(fc.nat(3000), { maxLength: 10 }), (body, cuts) => {
    const got = decode(bodyDecoder({ kind: "length", length: body.length }), Buffer.concat([body, NEXT]), cuts);
    if (!got.done || !got.data.equals(Buffer.from(body)) || !got.rest.equals(NEXT)) throw new Error("decoded otherwise than sent");
  });

export const anyBody = () =>
  fc.property(
    fc.array(fc.oneof(fc.uint8Array({ maxLength: 30 }), fc.constantFrom("0\r\n\r\n", "5\r\nhello\r\n", "ffffffffffffff\r\n", "\r\n", ";x\r\n", "g\r\n").map((s) => Buffer.from(s))), { maxLength: 8 }),
    (pieces) => {
      const d = bodyDecoder({ kind: "chunked" });
      let ended = false;
      for (const p of pieces) {
        const out = d.push(p);
        if (ended && out.data.some((b) => b.length)) throw new Error("data after the body's end");
        ended ||= out.done;
      }
    },
  );

export const HTTP_PROPERTIES: Record<"headRoundTrip" | "anyHead" | "chunkedRoundTrip" | "lengthRoundTrip" | "anyBody", () => fc.IRawProperty<any>> = {
  headRoundTrip,
  anyHead,
  chunkedRoundTrip,
  lengthRoundTrip,
  anyBody,
};
