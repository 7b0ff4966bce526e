import { expect, test } from "bun:test";
import { imageHistory } from "./image-history.ts";
import type { ImageRecord } from "./image-metadata.ts";

const record = { id: "sha256:" + "a".repeat(64), created: "2024-01-02T03:04:05Z" } as ImageRecord;

test("history is newest first, layers sized in order, empty layers 0, the newest carries id and tags", () => {
  const items = imageHistory(
    record,
    {
      history: [
        { created: "2024-01-01T00:00:00Z", created_by: "ADD rootfs" },
        { created: "2024-01-01T00:00:01Z", created_by: "CMD [\"sh\"]", empty_layer: true },
        { created: "2024-01-02T03:04:05Z", created_by: "sh -c touch /x", comment: "mine" },
      ],
    },
    [100, 7],
    ["me/app:1"],
  );
  expect(items.map((i) => [i.Id.slice(0, 10), i.CreatedBy, i.Size, i.Comment, i.Tags])).toEqual([
    ["sha256:aaa", "sh -c touch /x", 7, "mine", ["me/app:1"]],
    ["<missing>", 'CMD ["sh"]', 0, "", null],
    ["<missing>", "ADD rootfs", 100, "", null],
  ]);
  expect(items[2]!.Created).toBe(1704067200);
});

test("an image without history shows one line per layer", () => {
  expect(imageHistory(record, {}, [5, 6], []).map((i) => [i.Id === record.id, i.Size, i.Tags])).toEqual([
    [true, 6, null],
    [false, 5, null],
  ]);
});

test("an older entry that ends a local image (the one a commit started from) carries its id and tags", () => {
  const items = imageHistory(record, { history: [{ created_by: "import" }, { created_by: "commit" }] }, [5, 6], [], (entries, layers) => (entries === 1 && layers === 1 ? { id: "sha256:parent", tags: ["busybox:latest"] } : undefined));
  expect(items.map((i) => [i.Id, i.Tags])).toEqual([
    [record.id, null],
    ["sha256:parent", ["busybox:latest"]],
  ]);
});
