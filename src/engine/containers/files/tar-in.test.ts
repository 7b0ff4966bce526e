import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { closeSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { buildTar, type TarWriteEntry } from "../../archive/index.ts";
import { openRoot } from "./scoped-open.ts";
import * as sys from "../../../common/sys.ts";
import { extractTar } from "./tar-in.ts";
import { EXTRACT_PROPERTIES } from "./tar-in.fuzz.ts";

const scratch = mkdtempSync("/tmp/skiff-tar-in-");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function extract(entries: TarWriteEntry[], o: { owner?: { uid: number; gid: number }; noOverwriteDirNonDir?: boolean } = {}): Promise<string> {
  const root = mkdtempSync(join(scratch, "root-"));
  mkdirSync(join(root, "dest"));
  const fd = openRoot(root);
  try {
    await extractTar(fd, Readable.from([buildTar(entries)]), { dest: "/dest", noOverwriteDirNonDir: o.noOverwriteDirNonDir ?? false, owner: o.owner });
  } finally {
    closeSync(fd);
  }
  return join(root, "dest");
}

test("files, directories, symlinks, hardlinks and modes land under the destination; parents are made", async () => {
  const dest = await extract([
    { name: "d/", type: "dir", mode: 0o750 },
    { name: "d/f", type: "file", data: "hello\n", mode: 0o640, uid: 7, gid: 8 },
    { name: "deep/er/g", type: "file", data: "g" },
    { name: "l", type: "symlink", linkname: "d/f" },
    { name: "h", type: "hardlink", linkname: "d/f" },
  ]);
  expect(readFileSync(join(dest, "d/f"), "utf8")).toBe("hello\n");
  expect(statSync(join(dest, "d")).mode & 0o7777).toBe(0o750);
  expect([statSync(join(dest, "d/f")).mode & 0o7777, statSync(join(dest, "d/f")).uid, statSync(join(dest, "d/f")).gid]).toEqual([0o640, 7, 8]);
  expect(readFileSync(join(dest, "deep/er/g"), "utf8")).toBe("g");
  expect(readlinkSync(join(dest, "l"))).toBe("d/f");
  expect(statSync(join(dest, "h")).ino).toBe(statSync(join(dest, "d/f")).ino);
});

test("owner overrides the archive's ids (copy without -a: root)", async () => {
  const dest = await extract([{ name: "f", type: "file", data: "x", uid: 1234, gid: 4321 }], { owner: { uid: 0, gid: 0 } });
  expect([statSync(join(dest, "f")).uid, statSync(join(dest, "f")).gid]).toEqual([0, 0]);
});

test("an existing file is replaced; with noOverwriteDirNonDir a directory is not replaced by a file", async () => {
  const dest = await extract([{ name: "f", type: "file", data: "1" }, { name: "f", type: "file", data: "2" }]);
  expect(readFileSync(join(dest, "f"), "utf8")).toBe("2");
  await expect(extract([{ name: "d/", type: "dir" }, { name: "d", type: "file", data: "x" }], { noOverwriteDirNonDir: true })).rejects.toThrow('cannot overwrite directory "d"');
});

test("breakouts are refused: .. above the destination, a symlink out then a file through it, a hardlink out", async () => {
  await expect(extract([{ name: "../x", type: "file", data: "x" }])).rejects.toThrow("is outside of");
  await expect(extract([{ name: "l", type: "symlink", linkname: "/" }, { name: "l/x", type: "file", data: "x" }])).rejects.toThrow("is outside of");
  await expect(extract([{ name: "l", type: "symlink", linkname: "../.." }, { name: "l/x", type: "file", data: "x" }])).rejects.toThrow("is outside of");
  await expect(extract([{ name: "h", type: "hardlink", linkname: "../../etc/passwd" }])).rejects.toThrow("is outside of");
  // a symlink that stays inside is followed
  const dest = await extract([{ name: "sub/", type: "dir" }, { name: "l", type: "symlink", linkname: "sub" }, { name: "l/x", type: "file", data: "in" }]);
  expect(readFileSync(join(dest, "sub/x"), "utf8")).toBe("in");
  expect(lstatSync(join(dest, "l")).isSymbolicLink()).toBe(true);
});

test("a symlink in the destination already there (made by the container) is not followed out", async () => {
  const root = mkdtempSync(join(scratch, "root-"));
  mkdirSync(join(root, "dest"));
  symlinkSync(scratch, join(root, "dest", "esc"));
  const fd = openRoot(root);
  try {
    await expect(extractTar(fd, Readable.from([buildTar([{ name: "esc/planted", type: "file", data: "x" }])]), { dest: "/dest", noOverwriteDirNonDir: false })).rejects.toThrow("is outside of");
  } finally {
    closeSync(fd);
  }
  expect(() => lstatSync(join(scratch, "planted"))).toThrow();
});

test("property: no hostile archive changes anything outside the destination (seeded)", async () => {
  await fc.assert(EXTRACT_PROPERTIES(scratch).staysInside(), { seed: 11, numRuns: 150 });
}, 30_000);

test("xattrs: a file's capabilities are set, overlayfs's own never taken from an archive", async () => {
  const caps = Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // v2, effective, cap_net_raw
  const dest = await extract([{ name: "ping", type: "file", data: "x", mode: 0o755, xattrs: new Map([["security.capability", caps], ["trusted.overlay.opaque", Buffer.from("y")]]) }]);
  expect(sys.lgetxattr(join(dest, "ping"), "security.capability")).toEqual(caps);
  expect(sys.lgetxattr(join(dest, "ping"), "trusted.overlay.opaque")).toBeUndefined();
});
