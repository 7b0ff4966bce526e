// pull --all-tags: each tag pulled in the registry's order with its own lines, and one status line
// for the repository at the end (newer when any tag brought something new).
import { expect, test } from "bun:test";
import { failure } from "../../common/failure.ts";
import type { RegistryClient } from "../registry/index.ts";
import { pullAllTags, type TagPuller } from "./image-pull-tags.ts";
import type { ProgressEvent, PullOptions } from "./service.ts";

function store(tags: string[], newer: Set<string>): TagPuller & { pulled: string[] } {
  const pulled: string[] = [];
  return {
    pulled,
    client: () => ({ listTags: async () => tags }) as unknown as RegistryClient,
    pull: async (name: string, opts: PullOptions) => {
      pulled.push(name);
      const tag = name.slice(name.lastIndexOf(":") + 1);
      opts.onProgress?.({ id: tag, status: "Pulling from a/b" });
      opts.onProgress?.({ status: `Status: ${newer.has(tag) ? "Downloaded newer image" : "Image is up to date"} for ${name}` });
    },
  };
}

test("every tag in the registry's order, one status at the end", async () => {
  const s = store(["2", "1"], new Set(["1"]));
  const lines: ProgressEvent[] = [];
  expect(await pullAllTags(s, "127.0.0.1:5000/a/b", { onProgress: (e) => lines.push(e) })).toEqual(["2", "1"]);
  expect(s.pulled).toEqual(["127.0.0.1:5000/a/b:2", "127.0.0.1:5000/a/b:1"]);
  expect(lines.map((l) => `${l.id ?? ""}|${l.status}`)).toEqual(["2|Pulling from a/b", "1|Pulling from a/b", "|Status: Downloaded newer image for 127.0.0.1:5000/a/b"]);
});

test("nothing new anywhere: up to date; no tag at all: a clear not-found", async () => {
  const lines: string[] = [];
  await pullAllTags(store(["1"], new Set()), "me/app", { onProgress: (e) => lines.push(e.status) });
  expect(lines.at(-1)).toBe("Status: Image is up to date for me/app");
  const e = await failure(pullAllTags(store([], new Set()), "me/app"));
  expect([e.code, e.kind]).toEqual(["IMAGE_REPOSITORY_NO_TAGS", "not_found"]);
});
