import { expect, test } from "bun:test";
import { imageDiskUsage } from "./image-disk-usage.ts";

test("a layer two images share counts once in LayersSize and as shared in both", () => {
  const u = imageDiskUsage({
    images: () => [
      { id: "a", chainIds: ["base", "a1"] },
      { id: "b", chainIds: ["base", "b1"] },
      { id: "c", chainIds: ["c1"] },
    ],
    snapshots: () => [
      { chainId: "base", size: 100 },
      { chainId: "a1", size: 10 },
      { chainId: "b1", size: 20 },
      { chainId: "c1", size: 5 },
      { chainId: "orphan", size: 1000 }, // no image uses it: not the images' size
    ],
  });
  expect(u).toEqual({ layersSize: 135, sharedSize: { a: 100, b: 100, c: 0 } });
});
