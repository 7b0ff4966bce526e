import { expect, test } from "bun:test";
import { closeSync, constants, lstatSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { errnoOf } from "../../../common/errno.ts";
import { absolutePath, goFileMode, resolvePath } from "./path-stat.ts";
import { entryPath } from "./tar-in.ts";

test("paths are absolute in the container, .. cannot climb over /, a trailing / or /. is kept", () => {
  expect(["etc", "/etc/", "/etc/.", "a//b/../c", "../../..", "/", ""].map(absolutePath)).toEqual(["/etc", "/etc/", "/etc/.", "/a/c", "/", "/", "/"]);
});

test("Go's FileMode: dir and symlink bits, permissions", () => {
  expect(goFileMode(lstatSync("/tmp")) >>> 0).toBe((2 ** 31 + 2 ** 20 + 0o777) >>> 0); // /tmp is 1777: dir, sticky
  expect(goFileMode(lstatSync("/proc/self")) & 2 ** 27).toBe(2 ** 27);
});

test("tar entry names stay under the destination: absolute names are relative, .. above it is refused", () => {
  expect(entryPath("/tmp", "/etc/passwd")).toBe("etc/passwd");
  expect(entryPath("/tmp", "a/../b/")).toBe("b");
  expect(entryPath("/tmp", "./")).toBe("");
  expect(() => entryPath("/tmp", "../x")).toThrow("is outside of");
  expect(() => entryPath("/tmp", "a/../../x")).toThrow("is outside of");
});

test("a trailing / or /. names a directory: a file there is ENOTDIR, as the kernel answers 'file/'", () => {
  const dir = mkdtempSync("/tmp/skiff-path-stat-");
  try {
    mkdirSync(join(dir, "d"));
    writeFileSync(join(dir, "f"), "x");
    const root = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      for (const p of ["/d/", "/d/.", "/f", "/d"]) closeSync(resolvePath(root, p).parent);
      for (const p of ["/f/", "/f/."]) expect([p, errnoOf(failureOf(() => resolvePath(root, p)))]).toEqual([p, "ENOTDIR"]);
    } finally {
      closeSync(root);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

function failureOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("no failure");
}
