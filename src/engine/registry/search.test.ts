// The v1 search API: results read leniently (missing fields at their zero values, at most the
// limit), and a registry without the API (404, as the distribution registry answers) named as such.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { failure } from "../../common/failure.ts";
import { RegistryClient } from "./registry-client.ts";
import { parseSearchAnswer, splitSearchTerm } from "./search.ts";
import { SEARCH_PROPERTIES } from "./search.fuzz.ts";
import { startSearchRegistry } from "./testing/search-registry.ts";
import fc from "fast-check";

let server: ReturnType<typeof Bun.serve>;
let seen: URL[] = [];
let answer: () => Response;
const domain = () => `127.0.0.1:${server.port}`;

beforeAll(() => {
  server = startSearchRegistry((url) => {
    seen.push(url);
    return answer();
  });
});
afterAll(() => server.stop(true));

test("results come back as docker's fields, odd ones at their zero values, nameless ones dropped, at most the limit", async () => {
  seen = [];
  answer = () =>
    Response.json({
      results: [
        { name: "a/one", description: "first", star_count: 3, is_official: true, is_automated: false },
        { name: "a/two", star_count: "many", is_official: "yes" },
        { description: "no name: dropped" },
        null,
        { name: "a/three" },
        { name: "a/four" },
      ],
    });
  const found = await new RegistryClient({ domain: domain() }).search("a", 3);
  expect(found).toEqual([
    { name: "a/one", description: "first", star_count: 3, is_official: true, is_automated: false },
    { name: "a/two", description: "", star_count: 0, is_official: false, is_automated: false },
    { name: "a/three", description: "", star_count: 0, is_official: false, is_automated: false },
  ]);
  expect([seen[0]!.searchParams.get("q"), seen[0]!.searchParams.get("n")]).toEqual(["a", "3"]);
});

test("a registry without the search API (404) says so, with the hint to pull by name", async () => {
  answer = () => new Response("404 page not found", { status: 404 });
  const e = await failure(new RegistryClient({ domain: domain() }).search("a", 25));
  expect([e.code, e.kind, e.details.status]).toEqual(["IMAGE_REGISTRY_NO_SEARCH", "failed_precondition", 404]);
  expect(e.message).toContain(`the registry ${domain()} has no search API`);
});

test("an answer that is not a result list is a protocol error", async () => {
  answer = () => new Response("<html>", { status: 200 });
  expect((await failure(new RegistryClient({ domain: domain() }).search("a", 25))).code).toBe("IMAGE_REGISTRY_PROTOCOL");
  answer = () => Response.json({ results: "none" });
  expect((await failure(new RegistryClient({ domain: domain() }).search("a", 25))).code).toBe("IMAGE_REGISTRY_PROTOCOL");
});

test.each([
  ["busybox", { remote: "busybox" }],
  ["me/app", { remote: "me/app" }],
  ["127.0.0.1:5000/app", { registry: "127.0.0.1:5000", remote: "app" }],
  ["registry.example/a/b", { registry: "registry.example", remote: "a/b" }],
  ["localhost/a", { registry: "localhost", remote: "a" }],
])("splitSearchTerm(%p) as docker splits it", (term, want) => {
  expect(splitSearchTerm(term)).toEqual(want);
});

test("names and descriptions lose control characters: a registry cannot send escape sequences to a terminal", () => {
  const bytes = new TextEncoder().encode(JSON.stringify({ results: [{ name: "a\u001b[31m", description: "x\u001b]0;title\u0007\nnext" }] }));
  expect(parseSearchAnswer(bytes, 5, "search")).toEqual([{ name: "a?[31m", description: "x?]0;title? next", star_count: 0, is_official: false, is_automated: false }]);
});

test("search answer properties (search.fuzz.ts, seeded; scripts/fuzz.ts runs them long)", () => {
  for (const [name, p] of Object.entries(SEARCH_PROPERTIES)) {
    const r = fc.check(p() as fc.IProperty<unknown[]>, { numRuns: 300, seed: 11 });
    if (r.failed) throw new Error(`${name}: seed ${r.seed} path ${r.counterexamplePath}: ${fc.stringify(r.counterexample)}`);
  }
});
