import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lsetxattr, mknod, S_IFCHR } from "../common/sys.ts";
import { PASSWD_PROPERTIES } from "./passwd.fuzz.ts";
import { homeOf, mountLayers, overlayPath, resolveInRoot } from "./passwd.ts";

const dir = mkdtempSync("/tmp/skiff-test-passwd-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rootfs = join(dir, "rootfs");
mkdirSync(join(rootfs, "etc"), { recursive: true });
mkdirSync(join(rootfs, "usr/lib"), { recursive: true });
writeFileSync(join(rootfs, "usr/lib/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
symlinkSync("/usr/lib/passwd", join(rootfs, "etc/passwd"));
writeFileSync(join(dir, "bound"), "app:x:1000:1000::/home/bound:/bin/sh\n");

test("follows an absolute symlink inside the rootfs, not on the host", () => {
  expect(resolveInRoot(rootfs, "etc/passwd")).toBe(join(rootfs, "usr/lib/passwd"));
  expect(resolveInRoot(rootfs, "../../etc/passwd")).toBe(join(rootfs, "usr/lib/passwd"));
  expect(homeOf(rootfs, 1000)).toBe("/home/app");
});

test("reads a passwd bound over /etc/passwd, and falls back to /", () => {
  const mounts = [{ destination: "/etc/passwd", type: "bind", source: join(dir, "bound"), options: ["bind"], uidMappings: [], gidMappings: [] }];
  expect(homeOf(rootfs, 1000, mounts)).toBe("/home/bound");
  expect(homeOf(rootfs, 4242)).toBe("/");
  expect(homeOf(rootfs, 0, [{ destination: "/etc", type: "tmpfs", source: "tmpfs", options: [], uidMappings: [], gidMappings: [] }])).toBe("/");
});

test("a masked /etc/passwd (or /etc) reads empty, as in the container: HOME is /, whatever is bound there", () => {
  const mounts = [{ destination: "/etc/passwd", type: "bind", source: join(dir, "bound"), options: ["bind"], uidMappings: [], gidMappings: [] }];
  expect(homeOf(rootfs, 1000, [], "/", ["/proc/kcore", "/etc/passwd"])).toBe("/");
  expect(homeOf(rootfs, 1000, mounts, "/", ["/etc/"])).toBe("/");
  expect(homeOf(rootfs, 1000, [], "/", ["/etc/group"])).toBe("/home/app");
});

test("the engine's rootfs, mounted in the container only, is read through its layers (HOME was / under skiffd)", () => {
  const lower = join(dir, "layers/1");
  const middle = join(dir, "layers/2");
  const upper = join(dir, "upper");
  for (const d of [lower, middle, upper]) mkdirSync(join(d, "etc"), { recursive: true });
  writeFileSync(join(lower, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  const mount = { fstype: "overlay", source: "overlay", data: "lowerdir=2:1,upperdir=" + upper + ",workdir=/w", cwd: join(dir, "layers") };
  expect(mountLayers(mount)).toEqual([upper, middle, lower]);
  expect(homeOf(join(dir, "empty-mountpoint"), 0, [], "/", [], mount)).toBe("/root");
  expect(homeOf(join(dir, "empty-mountpoint"), 65534, [], "/", [], mount)).toBe("/nonexistent");
  // a layer above wins; a symlink is followed in the merged tree
  mkdirSync(join(middle, "usr/lib"), { recursive: true });
  writeFileSync(join(middle, "usr/lib/passwd"), "root:x:0:0:root:/home/admin:/bin/sh\n");
  symlinkSync("/usr/lib/passwd", join(middle, "etc/passwd"));
  expect(homeOf(join(dir, "empty-mountpoint"), 0, [], "/", [], mount)).toBe("/home/admin");
  // a whiteout in the upper layer removes it: /
  mknod(join(upper, "etc/passwd"), S_IFCHR | 0o600, 0, 0);
  expect(overlayPath(mountLayers(mount), "etc/passwd")).toBeUndefined();
  expect(homeOf(join(dir, "empty-mountpoint"), 0, [], "/", [], mount)).toBe("/");
  // an opaque /etc hides the layers below it
  rmSync(join(upper, "etc/passwd"));
  lsetxattr(join(upper, "etc"), "trusted.overlay.opaque", "y");
  expect(overlayPath(mountLayers(mount), "etc/passwd")).toBeUndefined();
  // a bind over /etc/passwd still wins over the layers
  const bound = [{ destination: "/etc/passwd", type: "bind", source: join(dir, "bound"), options: ["bind"], uidMappings: [], gidMappings: [] }];
  expect(homeOf(join(dir, "empty-mountpoint"), 1000, bound, "/", [], mount)).toBe("/home/bound");
  // a one-layer image is a bind of that layer
  expect(mountLayers({ fstype: "none", source: lower, data: "bind" })).toEqual([lower]);
});

test("hostile layers (links out and in loops, whiteouts, FIFOs) never lead the read outside them (passwd.fuzz.ts, seeded)", () => {
  fc.assert(PASSWD_PROPERTIES(join(dir, "fuzz")).layersStayInside(), { seed: 8, numRuns: 150 });
});
