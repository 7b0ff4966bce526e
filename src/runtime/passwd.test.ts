import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { homeOf, resolveInRoot } from "./passwd.ts";

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
