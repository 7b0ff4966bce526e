import { describe, expect, test } from "bun:test";
import type { JsonMessage } from "../../api/client.ts";
import { displayJsonMessages, speedString } from "./progress-display.ts";
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

describe("speed in a terminal", () => {
  /** Messages of one layer, each arriving at its time on the injected clock. */
  async function show(events: { at: number; m: JsonMessage }[], o: { isTerminal: boolean; columns?: number }) {
    let t = 0;
    let out = "";
    async function* timed() {
      for (const e of events) {
        t = e.at;
        yield e.m;
      }
    }
    await displayJsonMessages(timed(), { isTerminal: o.isTerminal, columns: () => o.columns, now: () => t, write: (s) => (out += s) });
    return out;
  }
  const dl = (current: number, id = "aaaaaaaaaaaa"): JsonMessage => ({ status: "Downloading", progressDetail: { current, total: 4_001_000 }, id });
  /** What each redraw of a layer's line shows, escape sequences and CRs left out. */
  const lines = (out: string) => out.split(/\x1b\[2K\r/).slice(1).map((l) => l.split("\r")[0]!);

  test("after half a second of data, the rate over it follows the byte counts", async () => {
    // 100 kB every 50 ms: 2 MB/s.
    const events = Array.from({ length: 13 }, (_, i) => ({ at: 1000 + 50 * i, m: dl(100_000 * (i + 1)) }));
    const out = await show(events, { isTerminal: true, columns: 80 });
    const shown = lines(out);
    expect(shown.slice(0, 10).every((l) => !l.includes("/s"))).toBe(true); // 450 ms of data at most
    expect(shown[10]).toBe("aaaaaaaaaaaa: Downloading    1.1MB/4.001MB  2MB/s");
    expect(shown[12]).toBe("aaaaaaaaaaaa: Downloading    1.3MB/4.001MB  2MB/s");
  });

  test("measured over the last 2 s: a slowdown shows within them; a new status or a count that goes back starts over", async () => {
    const events: { at: number; m: JsonMessage }[] = [];
    let bytes = 0;
    // 4 s at 1 MB/s, then 2.5 s at 200 kB/s (a message every 100 ms).
    for (let t = 0; t <= 4000; t += 100) events.push({ at: t, m: dl((bytes = t * 1000)) });
    for (let t = 4100; t <= 6500; t += 100) events.push({ at: t, m: dl((bytes += 20_000)) });
    events.push({ at: 6600, m: { status: "Extracting", progressDetail: { current: 100_000, total: 4_001_000 }, id: "aaaaaaaaaaaa" } });
    events.push({ at: 7200, m: { status: "Extracting", progressDetail: { current: 700_000, total: 4_001_000 }, id: "aaaaaaaaaaaa" } });
    events.push({ at: 7300, m: { status: "Extracting", progressDetail: { current: 10_000, total: 4_001_000 }, id: "aaaaaaaaaaaa" } });
    events.push({ at: 7900, m: { status: "Extracting", progressDetail: { current: 310_000, total: 4_001_000 }, id: "aaaaaaaaaaaa" } });
    const shown = lines(await show(events, { isTerminal: true, columns: 80 }));
    const speedAt = (i: number) => / {2}(\S+\/s)$/.exec(shown[i]!)?.[1];
    expect(speedAt(40)).toBe("1MB/s"); // 4 s in
    expect(speedAt(41 + 9)).toBe("600kB/s"); // 1 s later: 1 s at 1 MB/s and 1 s at 200 kB/s
    expect(speedAt(41 + 24)).toBe("200kB/s"); // 2.5 s later: only the slow part
    expect(speedAt(66)).toBeUndefined(); // Extracting: a status of its own, one message so far
    expect(speedAt(67)).toBe("1MB/s");
    expect(speedAt(68)).toBeUndefined(); // the count went back
    expect(speedAt(69)).toBe("500kB/s");
  });

  test("measured from the first count above 0: the jump to it (latency, an upload's socket buffers) is not a pace", async () => {
    const push = (current: number): JsonMessage => ({ status: "Pushing", progressDetail: { current, total: 12_000_000 }, id: "aaaaaaaaaaaa" });
    const events = [
      { at: 0, m: push(0) },
      { at: 10, m: push(5_000_000) },
      { at: 260, m: push(5_500_000) },
      { at: 510, m: push(6_000_000) },
    ];
    expect(lines(await show(events, { isTerminal: true, columns: 80 }))).toEqual([
      "aaaaaaaaaaaa: Pushing       0B/12MB",
      "aaaaaaaaaaaa: Pushing      5MB/12MB",
      "aaaaaaaaaaaa: Pushing    5.5MB/12MB",
      "aaaaaaaaaaaa: Pushing      6MB/12MB  2MB/s",
    ]);
  });

  test("the line keeps within the width: the speed is left out rather than wrap; with the bar, after its counts", async () => {
    const events = [
      { at: 0, m: dl(1_000_000) },
      { at: 1000, m: dl(3_000_000) },
    ];
    // "aaaaaaaaaaaa: Downloading      3MB/4.001MB" is 42 columns, "  2MB/s" 7 more: 49, and the last column stays free.
    expect(lines(await show(events, { isTerminal: true, columns: 50 })).at(-1)).toBe("aaaaaaaaaaaa: Downloading      3MB/4.001MB  2MB/s");
    expect(lines(await show(events, { isTerminal: true, columns: 49 })).at(-1)).toBe("aaaaaaaaaaaa: Downloading      3MB/4.001MB");
    const wide = lines(await show(events, { isTerminal: true, columns: 120 })).at(-1)!;
    expect(wide).toBe(`aaaaaaaaaaaa: Downloading [${"=".repeat(37)}>${" ".repeat(13)}]      3MB/4.001MB  2MB/s`);
    expect(wide.length).toBeLessThan(120);
    expect(wide.length).toBe(103); // 96 without the speed: with the bar (over 110 columns) any speed fits
  });

  test("not in plain output; each layer measured on its own", async () => {
    const events = [
      { at: 0, m: dl(1_000_000) },
      { at: 0, m: dl(100_000, "bbbbbbbbbbbb") },
      { at: 1000, m: dl(4_000_000) },
      { at: 1000, m: dl(600_000, "bbbbbbbbbbbb") },
      { at: 1000, m: { status: "Pull complete", progressDetail: {}, id: "aaaaaaaaaaaa" } },
    ];
    expect(await show(events, { isTerminal: false })).toBe("aaaaaaaaaaaa: Pull complete\n");
    const shown = lines(await show(events, { isTerminal: true, columns: 80 }));
    expect(shown.slice(2)).toEqual(["aaaaaaaaaaaa: Downloading      4MB/4.001MB  3MB/s", "bbbbbbbbbbbb: Downloading    600kB/4.001MB  500kB/s", "aaaaaaaaaaaa: Pull complete "]);
  });
});

test("speeds print with 3 significant digits in docker's units", () => {
  expect([0, 0.4, 999, 1234, 999_600, 2_134_567, 12_345_678, 1.5e9].map(speedString)).toEqual(["0B/s", "0B/s", "999B/s", "1.23kB/s", "1MB/s", "2.13MB/s", "12.3MB/s", "1.5GB/s"]);
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
