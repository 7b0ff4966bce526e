import { afterEach, expect, test } from "bun:test";
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { directorySize } from "./directory-size.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

test("files count, a hard link once, directories and what a symlink points at not at all", () => {
  const d = mkdtempSync("/tmp/skiff-test-du-");
  dirs.push(d);
  mkdirSync(join(d, "a/b"), { recursive: true });
  writeFileSync(join(d, "a/b/f"), Buffer.alloc(1000));
  writeFileSync(join(d, "g"), Buffer.alloc(24));
  linkSync(join(d, "g"), join(d, "a/g2"));
  symlinkSync("/etc", join(d, "etc")); // a link's own size is its target's length: 4
  expect(directorySize(d)).toBe(1000 + 24 + 4);
  expect(directorySize(join(d, "missing"))).toBe(0);
});
