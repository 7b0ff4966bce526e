import { expect, test } from "bun:test";
import type { JsonMessage } from "../../api/client.ts";
import { displayJsonMessages } from "./progress-display.ts";
import { imageRows } from "./image-rows.ts";

async function* from(msgs: JsonMessage[]) {
  yield* msgs;
}

const PULL: JsonMessage[] = [
  { status: "Pulling from library/busybox", id: "latest" },
  { status: "Pulling fs layer", progressDetail: {}, id: "aaaaaaaaaaaa" },
  { status: "Pulling fs layer", progressDetail: {}, id: "bbbbbbbbbbbb" },
  { status: "Downloading", progressDetail: { current: 1000, total: 2000 }, id: "aaaaaaaaaaaa" },
  { status: "Pull complete", progressDetail: {}, id: "aaaaaaaaaaaa" },
  { status: "Digest: sha256:1234" },
];

test("without a terminal, lines with a progress bar are left out", async () => {
  let out = "";
  await displayJsonMessages(from(PULL), { isTerminal: false, write: (s) => (out += s) });
  expect(out).toBe("latest: Pulling from library/busybox\naaaaaaaaaaaa: Pulling fs layer\nbbbbbbbbbbbb: Pulling fs layer\naaaaaaaaaaaa: Pull complete\nDigest: sha256:1234\n");
});

test("in a terminal, each layer keeps its line and is redrawn with cursor moves", async () => {
  let out = "";
  await displayJsonMessages(from(PULL), { isTerminal: true, columns: () => 80, write: (s) => (out += s) });
  expect(out).toBe(
    "latest: Pulling from library/busybox\n" +
      "\n\x1b[1A\x1b[2K\raaaaaaaaaaaa: Pulling fs layer \r\x1b[1B" +
      "\n\x1b[1A\x1b[2K\rbbbbbbbbbbbb: Pulling fs layer \r\x1b[1B" +
      "\x1b[2A\x1b[2K\raaaaaaaaaaaa: Downloading      1kB/2kB\r\x1b[2B" +
      "\x1b[2A\x1b[2K\raaaaaaaaaaaa: Pull complete \r\x1b[2B" +
      "Digest: sha256:1234\n",
  );
});

test("in a terminal, the bar shows over 110 columns only, the width read for every line; width is the fallback", async () => {
  const msgs: JsonMessage[] = [
    { status: "Downloading", progressDetail: { current: 1000, total: 2000 }, id: "aaaaaaaaaaaa" },
    { status: "Downloading", progressDetail: { current: 1500, total: 2000 }, id: "aaaaaaaaaaaa" },
  ];
  const widths = [80, 120];
  let out = "";
  // $COLUMNS or the like must not win over the terminal's own width: a wider line wraps.
  await displayJsonMessages(from(msgs), { isTerminal: true, width: 200, columns: () => widths.shift(), write: (s) => (out += s) });
  expect(out).toBe(
    "\n\x1b[1A\x1b[2K\raaaaaaaaaaaa: Downloading      1kB/2kB\r\x1b[1B" +
      `\x1b[1A\x1b[2K\raaaaaaaaaaaa: Downloading [${"=".repeat(37)}>${" ".repeat(13)}]    1.5kB/2kB\r\x1b[1B`,
  );
  out = "";
  await displayJsonMessages(from(msgs.slice(0, 1)), { isTerminal: true, width: 80, columns: () => undefined, write: (s) => (out += s) });
  expect(out).toContain("Downloading      1kB/2kB\r");
  out = "";
  await displayJsonMessages(from(msgs.slice(0, 1)), { isTerminal: true, columns: () => undefined, write: (s) => (out += s) });
  expect(out).toContain("[=========================>");
});

test("an error in the stream ends the display with that error", async () => {
  const msgs: JsonMessage[] = [{ status: "Pulling fs layer", progressDetail: {}, id: "aaaaaaaaaaaa" }, { errorDetail: { message: "boom" }, error: "boom" }];
  expect(displayJsonMessages(from(msgs), { isTerminal: false, write: () => {} })).rejects.toThrow("boom");
});

test("image rows: one per tag, <none> for dangling images, newest first", () => {
  const now = Date.UTC(2024, 0, 1, 12);
  const base = { ParentId: "", SharedSize: -1, VirtualSize: 4_261_234, Labels: null, Containers: -1, Size: 4_261_234 };
  const rows = imageRows(
    [
      { ...base, Id: "sha256:" + "a".repeat(64), RepoTags: ["busybox:latest", "h:5000/bb:1"], RepoDigests: ["busybox@sha256:ff"], Created: now / 1000 - 7200 },
      { ...base, Id: "sha256:" + "b".repeat(64), RepoTags: [], RepoDigests: [], Created: now / 1000 - 60 },
    ],
    { now },
  );
  expect(rows.map((r) => [r.Repository, r.Tag, r.ID, r.CreatedSince, r.Size, r.Digest])).toEqual([
    ["<none>", "<none>", "bbbbbbbbbbbb", "About a minute ago", "4.26MB", "<none>"],
    ["busybox", "latest", "aaaaaaaaaaaa", "2 hours ago", "4.26MB", "sha256:ff"],
    ["h:5000/bb", "1", "aaaaaaaaaaaa", "2 hours ago", "4.26MB", "<none>"],
  ]);
});
