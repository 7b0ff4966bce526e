import { expect, test } from "bun:test";
import type { ImageSummary } from "../../api/client.ts";
import { imageRows } from "./image-rows.ts";

const base = { ParentId: "", SharedSize: -1, VirtualSize: 1, Labels: null, Containers: -1, Size: 1, Created: 0 };
const rows = (img: Partial<ImageSummary>, digests?: boolean) =>
  imageRows([{ ...base, Id: "sha256:" + "a".repeat(64), RepoTags: [], RepoDigests: [], ...img }], { digests }).map((r) => `${r.Repository} ${r.Tag} ${r.Digest}`);

test("a repository with digests and no tag (an image pulled by digest) has its <none> row, as docker's CLI", () => {
  const img = { RepoTags: ["dig/copy:1"], RepoDigests: ["h:5000/test/bb@sha256:d1", "dig/copy@sha256:d2"] };
  expect(rows(img, true)).toEqual(["dig/copy 1 sha256:d2", "h:5000/test/bb <none> sha256:d1"]);
  expect(rows(img, false)).toEqual(["dig/copy 1 <none>", "h:5000/test/bb <none> "]);
  expect(rows({ RepoDigests: ["bb@sha256:d1", "bb@sha256:d3"] }, true)).toEqual(["bb <none> sha256:d1", "bb <none> sha256:d3"]);
  expect(rows({ RepoTags: ["bb:1", "bb:2"], RepoDigests: ["bb@sha256:d1"] }, true)).toEqual(["bb 1 sha256:d1", "bb 2 sha256:d1"]);
  expect(rows({ RepoTags: ["<none>:<none>"], RepoDigests: ["<none>@<none>"] })).toEqual(["<none> <none> <none>"]);
});

test("Size with 3 significant digits, VirtualSize with 4 (docker 28's units.HumanSize of Size), as docker images --format json prints them", () => {
  const [r] = imageRows([{ ...base, Id: "sha256:" + "a".repeat(64), RepoTags: ["bb:1"], RepoDigests: [], Size: 1_982_464, VirtualSize: 0 }], {});
  expect([r!.Size, r!.VirtualSize]).toEqual(["1.98MB", "1.982MB"]);
});
