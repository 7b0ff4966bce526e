import { expect, test } from "bun:test";
import { humanDuration, humanSize, progressString } from "./units.ts";

test("sizes use decimal units and Go's %g as docker prints them", () => {
  expect(humanSize(4_261_234, 3)).toBe("4.26MB");
  expect(humanSize(4_261_234)).toBe("4.261MB");
  expect(humanSize(999)).toBe("999B");
  expect(humanSize(1000)).toBe("1kB");
  expect(humanSize(77_800_000, 3)).toBe("77.8MB");
  expect(humanSize(1_500_000_000, 3)).toBe("1.5GB");
  expect(humanSize(0)).toBe("0B");
});

test("durations read as docker's CREATED column", () => {
  expect(humanDuration(500)).toBe("Less than a second");
  expect(humanDuration(1000)).toBe("1 second");
  expect(humanDuration(45_000)).toBe("45 seconds");
  expect(humanDuration(61_000)).toBe("About a minute");
  expect(humanDuration(2 * 3_600_000)).toBe("2 hours");
  expect(humanDuration(3_600_000)).toBe("About an hour");
  expect(humanDuration(3 * 86_400_000)).toBe("3 days");
  expect(humanDuration(20 * 86_400_000)).toBe("2 weeks");
  expect(humanDuration(90 * 86_400_000)).toBe("3 months");
  expect(humanDuration(800 * 86_400_000)).toBe("2 years");
});

test("the progress string has docker's bar and byte counts", () => {
  expect(progressString({ current: 1_200_000, total: 3_400_000 })).toBe(`[=================>${" ".repeat(33)}]    1.2MB/3.4MB`);
  expect(progressString({ current: 3_400_000, total: 3_400_000 })).toBe(`[${"=".repeat(50)}>]    3.4MB/3.4MB`);
  expect(progressString({ current: 1_200_000, total: 3_400_000 }, 80)).toBe("   1.2MB/3.4MB");
  expect(progressString({})).toBe("");
  expect(progressString({ current: 2048 })).toBe(" 2.048kB");
});
