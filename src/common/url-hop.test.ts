import { expect, test } from "bun:test";
import fc from "fast-check";
import { COMMON_PROPERTIES } from "./common.fuzz.ts";
import { nextHop } from "./url-hop.ts";

test("relative and absolute http(s) locations resolve against the URL that sent them", () => {
  expect(nextHop("/v2/a/blobs/x?sig=1", "https://r.example/v2/a/blobs/sha256:00")).toEqual({ ok: true, url: "https://r.example/v2/a/blobs/x?sig=1" });
  expect(nextHop("https://cdn.example/b", "https://r.example/v2/")).toEqual({ ok: true, url: "https://cdn.example/b" });
  expect(nextHop("//cdn.example/b", "http://127.0.0.1:5000/v2/")).toEqual({ ok: true, url: "http://cdn.example/b" });
});

test("any other scheme is refused, named", () => {
  for (const [loc, scheme] of [["file:///etc/passwd", "file"], ["FILE:/etc/passwd", "file"], ["data:,x", "data"], ["blob:https://a/b", "blob"], ["ftp://h/x", "ftp"], ["javascript:alert(1)", "javascript"], ["unix:/run/docker.sock", "unix"]] as const) {
    const h = nextHop(loc, "https://r.example/v2/");
    expect(h.ok).toBe(false);
    if (!h.ok) expect([h.scheme, h.why]).toEqual([scheme, `a ${scheme}: URL (only http and https are followed)`]);
  }
});

test("https to http is a downgrade, refused unless allowed (an insecure registry)", () => {
  expect(nextHop("http://cdn.example/b", "https://r.example/v2/")).toEqual({ ok: false, why: "a plain http URL after https (a downgrade; allowed only for an insecure registry)", scheme: "http" });
  expect(nextHop("http://cdn.example/b", "https://r.example/v2/", { allowDowngrade: true })).toEqual({ ok: true, url: "http://cdn.example/b" });
  expect(nextHop("http://cdn.example/b", "http://r.example/v2/")).toEqual({ ok: true, url: "http://cdn.example/b" });
});

test("property hopsStayWeb (common.fuzz.ts, seeded; scripts/fuzz.ts runs it long)", () => fc.assert(COMMON_PROPERTIES.hopsStayWeb(), { numRuns: 3000, seed: 8 }));
