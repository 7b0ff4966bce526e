import { afterAll, expect, test } from "bun:test";
import { chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lgetxattr, lsetxattr, mknod, S_IFCHR } from "../../common/sys.ts";
import { copyUp } from "./copy-up.ts";

const dir = mkdtempSync(join(tmpdir(), "skiff-copyup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// two layers, topmost first: the top one deletes a file, makes a directory opaque and adds a file
let images = 0;
function image() {
  const top = join(dir, `top${images}`);
  const low = join(dir, `low${images++}`);
  mkdirSync(join(low, "data/sub"), { recursive: true });
  mkdirSync(join(low, "data/hidden"), { recursive: true });
  writeFileSync(join(low, "data/hidden/old"), "old");
  writeFileSync(join(low, "data/gone"), "gone");
  writeFileSync(join(low, "data/f"), "hello");
  chownSync(join(low, "data/f"), 1234, 5678);
  chmodSync(join(low, "data/f"), 0o640);
  lsetxattr(join(low, "data/f"), "user.k", "v");
  symlinkSync("/etc/passwd", join(low, "data/link"));
  linkSync(join(low, "data/f"), join(low, "data/sub/hard"));
  chownSync(join(low, "data/sub"), 42, 43);
  mkdirSync(join(top, "data/hidden"), { recursive: true });
  for (const d of [low, top]) {
    chownSync(join(d, "data"), 7, 8);
    chmodSync(join(d, "data"), 0o750);
  }
  lsetxattr(join(top, "data/hidden"), "trusted.overlay.opaque", "y");
  writeFileSync(join(top, "data/hidden/new"), "new");
  mknod(join(top, "data/gone"), S_IFCHR, 0, 0); // a whiteout
  mkdirSync(join(top, "data/sub"));
  chownSync(join(top, "data/sub"), 42, 43); // (the topmost copy of a directory decides its owner)
  writeFileSync(join(top, "data/sub/added"), "added");
  return [top, low];
}

test("copy-up fills an empty volume with the merged image content, owners, modes, symlinks and xattrs kept", () => {
  const layers = image();
  const vol = join(dir, "vol");
  mkdirSync(vol);
  expect(copyUp(layers, "/data", vol)).toBe(true);
  expect(readdirSync(vol).sort()).toEqual(["f", "hidden", "link", "sub"]);
  const f = lstatSync(join(vol, "f"));
  expect([readFileSync(join(vol, "f"), "utf8"), f.uid, f.gid, f.mode & 0o7777]).toEqual(["hello", 1234, 5678, 0o640]);
  expect(lgetxattr(join(vol, "f"), "user.k")?.toString()).toBe("v");
  expect(readlinkSync(join(vol, "link"))).toBe("/etc/passwd"); // the link itself, never its target
  expect(readdirSync(join(vol, "hidden"))).toEqual(["new"]); // opaque: the lower layer's "old" is hidden
  expect(readdirSync(join(vol, "sub")).sort()).toEqual(["added", "hard"]);
  expect(lstatSync(join(vol, "sub/hard")).ino).toBe(f.ino); // a hard link stays one
  expect([lstatSync(join(vol, "sub")).uid, lstatSync(join(vol, "sub")).gid]).toEqual([42, 43]);
  const root = lstatSync(vol);
  expect([root.uid, root.gid, root.mode & 0o7777]).toEqual([7, 8, 0o750]); // the volume's root as the image's dir
});

test("copy-up leaves a volume with content alone, and copies nothing where the image has no directory", () => {
  const layers = image();
  const full = join(dir, "full");
  mkdirSync(full);
  writeFileSync(join(full, "mine"), "x");
  expect(copyUp(layers, "/data", full)).toBe(false);
  expect(readdirSync(full)).toEqual(["mine"]);
  const empty = join(dir, "empty");
  mkdirSync(empty);
  expect(copyUp(layers, "/nothing/here", empty)).toBe(false);
  expect(copyUp(layers, "/data/f", empty)).toBe(false); // a file, not a directory
  expect(copyUp(layers, "/data/gone", empty)).toBe(false); // whited out
  expect(readdirSync(empty)).toEqual([]);
});
