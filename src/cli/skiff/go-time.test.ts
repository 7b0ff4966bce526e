import { expect, test } from "bun:test";
import type { SkiffError } from "../../common/errors.ts";
import { getTimestamp, parseGoDuration } from "./go-time.ts";

test.each([
  ["42m", 42 * 60e9],
  ["1h30m", 90 * 60e9],
  ["1.5h", 90 * 60e9],
  ["300ms", 300e6],
  ["2h45m10.5s", (2 * 3600 + 45 * 60 + 10.5) * 1e9],
  ["-1m", -60e9],
  ["0", 0],
  ["1us", 1e3],
  ["1µs", 1e3],
] as const)("Go duration %s", (text, ns) => expect(parseGoDuration(text)).toBe(ns));

test.each(["", "1", "m", "1x", "1h x", ".h", "1.2.3s", "h1"])("%j is no Go duration", (text) => expect(parseGoDuration(text)).toBeUndefined());

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5, 600);

test.each([
  // a duration: that long before now, in whole Unix seconds
  ["10m", String(Math.floor(NOW / 1000) - 600)],
  ["1.5s", String(Math.floor((NOW - 1500) / 1000))],
  // an RFC 3339 time or a prefix of one: seconds and nanoseconds
  ["2013-01-02T13:23:37Z", "1357133017.000000000"],
  ["2013-01-02T13:23:37.5Z", "1357133017.500000000"],
  ["2013-01-02T13:23:37.123456789+01:00", "1357129417.123456789"],
  ["2013-01-02T13:23Z", "1357132980.000000000"],
  ["2013-01-02T13Z", "1357131600.000000000"],
  ["2013-01-02Z", "1357084800.000000000"],
  // Unix seconds go as they are, and "0" is a time, not a duration
  ["1700000000", "1700000000"],
  ["1700000000.25", "1700000000.25"],
  ["0", "0"],
] as const)("--since %s → %s", (value, sent) => expect(getTimestamp(value, "--since", NOW)).toBe(sent));

test("a local time (no zone) is read in this machine's zone", () => {
  const local = new Date(2013, 0, 2, 13, 23, 37).getTime() / 1000;
  expect(getTimestamp("2013-01-02T13:23:37", "--until", NOW)).toBe(`${local}.000000000`);
  expect(getTimestamp("2013-01-02", "--until", NOW)).toBe(`${new Date(2013, 0, 2).getTime() / 1000}.000000000`);
});

test.each(["yesterday", "2013-13-02", "2013-01-02T25:00Z", "1.2.3", "12abc"])("%j is refused with a hint, naming the flag", (value) => {
  let e: SkiffError | undefined;
  try {
    getTimestamp(value, "--until", NOW);
  } catch (x) {
    e = x as SkiffError;
  }
  expect([e?.layer, e?.code]).toEqual(["cli", "CLI_FLAG_VALUE_INVALID"]);
  expect(e!.message).toContain(`for --until`);
  expect(e!.hint).toContain("42m");
});
