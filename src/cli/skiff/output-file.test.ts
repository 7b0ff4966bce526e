import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { outputPlan } from "./output-file.ts";

const dir = mkdtempSync("/tmp/skiff-output-file-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a new or regular file is written beside itself and renamed; a device, FIFO or directory is not replaced", () => {
  const fresh = join(dir, "new.tar");
  expect(outputPlan(fresh)).toEqual({ path: `${fresh}.tmp-${process.pid}`, inPlace: false, isDir: false });
  const regular = join(dir, "old.tar");
  writeFileSync(regular, "x");
  expect(outputPlan(regular)).toEqual({ path: `${regular}.tmp-${process.pid}`, inPlace: false, isDir: false });
  // (only looked at, never written: this test must not be the one that breaks /dev/null)
  expect(outputPlan("/dev/null")).toEqual({ path: "/dev/null", inPlace: true, isDir: false });
  const fifo = join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
  expect(outputPlan(fifo)).toEqual({ path: fifo, inPlace: true, isDir: false });
  const sub = join(dir, "sub");
  mkdirSync(sub);
  expect(outputPlan(sub).isDir).toBe(true);
});
