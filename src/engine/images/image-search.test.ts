// docker search's filters and limit as dockerd reads them, applied to what the registry answered.
import { expect, test } from "bun:test";
import { failure } from "../../common/failure.ts";
import type { RegistryClient, SearchResult } from "../registry/index.ts";
import { searchFilters, searchImages, type SearchOptions } from "./image-search.ts";

const results: SearchResult[] = [
  { name: "library/busybox", description: "", star_count: 3000, is_official: true, is_automated: false },
  { name: "me/busybox", description: "", star_count: 2, is_official: false, is_automated: true },
  { name: "you/busybox", description: "", star_count: 10, is_official: false, is_automated: false },
];

/** A fake registry client per domain, recording the searches asked of it. */
function fake() {
  const asked: { domain: string; term: string; limit: number }[] = [];
  const client = (domain: string) => ({ search: async (term: string, limit: number) => (asked.push({ domain, term, limit }), results) }) as unknown as RegistryClient;
  return { asked, client };
}

test("filters: is-official, is-automated and the highest stars given", async () => {
  const { client } = fake();
  const names = async (filters: Record<string, string[]>) => (await searchImages(client, "busybox", { filters })).map((r) => r.name);
  expect(await names({ "is-official": ["true"] })).toEqual(["library/busybox"]);
  expect(await names({ "is-official": ["false"] })).toEqual(["me/busybox", "you/busybox"]);
  expect(await names({ "is-automated": ["true"] })).toEqual(["me/busybox"]);
  expect(await names({ stars: ["3", "5"] })).toEqual(["library/busybox", "you/busybox"]);
});

test("bad filters and limits are refused before the registry is asked", async () => {
  const { asked, client } = fake();
  for (const [opts, message] of [
    [{ filters: { "is-official": ["yes"] } }, "invalid filter 'is-official=yes'"],
    [{ filters: { stars: ["many"] } }, "invalid filter 'stars=many'"],
    [{ filters: { color: ["blue"] } }, "invalid filter 'color'"],
    [{ limit: 101 }, "limit 101 is outside the range of [1, 100]"],
    [{ limit: -1 }, "limit -1 is outside the range of [1, 100]"],
  ] as [SearchOptions, string][]) {
    expect((await failure(searchImages(client, "busybox", opts))).message).toBe(message);
  }
  expect((await failure(searchImages(client, "https://r.example/a"))).code).toBe("ENGINE_SEARCH_TERM_INVALID");
  expect(asked).toEqual([]);
});

test("the term's registry is asked, Docker Hub's library/ dropped, 25 results by default", async () => {
  const { asked, client } = fake();
  await searchImages(client, "library/busybox");
  await searchImages(client, "127.0.0.1:5000/library/app", { limit: 5 });
  expect(asked).toEqual([
    { domain: "docker.io", term: "busybox", limit: 25 },
    { domain: "127.0.0.1:5000", term: "library/app", limit: 5 },
  ]);
  expect(searchFilters({})).toEqual({});
});
