import { expect, test } from "bun:test";
import fc from "fast-check";
import { parseResponseHead, webHeaders } from "./response-head.ts";

test("a head: status, headers in lower case (the last of a repeated one), lines without a colon left out", () => {
  const h = parseResponseHead("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nX-A: 1\r\nx-a: 2\r\nnonsense\r\nX-Skiff-Error: {\"message\":\"no\"}")!;
  expect(h.status).toBe(404);
  expect([...h.headers]).toEqual([["content-type", "application/json"], ["x-a", "2"], ["x-skiff-error", '{"message":"no"}']]);
  expect(parseResponseHead("SSH-2.0-OpenSSH\r\n")).toBeUndefined();
  expect(webHeaders({ status: 200, headers: new Map([["ok", "1"], ["bad name", "x"], ["nul", "a\0b"]]) }).get("ok")).toBe("1");
});

test("any text from the peer gives a head or undefined, and Web Headers of it, never an exception (seeded fast-check)", () => {
  const line = fc.oneof(fc.string(), fc.constantFrom("HTTP/1.1 200 OK", "HTTP/1.0 500 x", "Content-Length: 5", ":", "a:b", "\0: \0"));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
      const h = parseResponseHead(lines.join("\r\n"));
      if (h) {
        expect(h.status).toBeGreaterThanOrEqual(100);
        webHeaders(h);
      }
    }),
    { seed: 8, numRuns: 500 },
  );
});
