import { expect, test } from "bun:test";
import { lstatSync } from "node:fs";
import { absolutePath, goFileMode } from "./path-stat.ts";
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
