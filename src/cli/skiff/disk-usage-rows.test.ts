import { expect, test } from "bun:test";
import type { ContainerSummary } from "../../api/client-containers.ts";
import type { ImageSummary } from "../../api/client.ts";
import { diskUsageRows } from "./disk-usage-rows.ts";

const image = (Id: string, Size: number, SharedSize: number, Containers: number) => ({ Id, Size, SharedSize, Containers, VirtualSize: Size, RepoTags: [], RepoDigests: [], Created: 0, ParentId: "", Labels: null }) as unknown as ImageSummary;
const container = (State: string, SizeRw: number) => ({ Id: State, State, SizeRw }) as unknown as ContainerSummary;

test("docker's numbers: an image in use is not reclaimable, less what it shares; running containers are not", () => {
  const rows = diskUsageRows({
    LayersSize: 4_000_000,
    Images: [image("a", 3_000_000, 1_000_000, 1), image("b", 2_000_000, 1_000_000, 0)],
    Containers: [container("running", 100), container("exited", 300), container("paused", 0)],
    Volumes: [{ Name: "v1", UsageData: { Size: 1000, RefCount: 1 } }, { Name: "v2", UsageData: { Size: 3000, RefCount: 0 } }, { Name: "v3", UsageData: { Size: -1, RefCount: 0 } }],
    BuildCache: [],
  });
  expect(rows.map((r) => [r.Type, r.TotalCount, r.Active, r.Size, r.Reclaimable])).toEqual([
    ["Images", "2", "1", "4MB", "2MB (50%)"],
    ["Containers", "3", "2", "400B", "300B (75%)"],
    ["Local Volumes", "3", "1", "4kB", "3kB (75%)"],
    ["Build Cache", "0", "0", "0B", "0B"],
  ]);
});

test("nothing at all: zeros without percentages", () => {
  expect(diskUsageRows({}).map((r) => r.Reclaimable)).toEqual(["0B", "0B", "0B", "0B"]);
});
