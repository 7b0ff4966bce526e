// linux.rootfsPropagation: every mode runs, and the container's root carries it, read from the
// container's own /proc/self/mountinfo. The rootfs sits under a shared mount, as on systemd hosts
// (where pivot_root refused a new root whose parent mount is shared). Compared with runc where
// runc 1.1 gets it right.
import { expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { bundleFactory, busyboxRootfs, runBundle, tempDir, type RuntimeName } from "./harness/oci.ts";

const bundle = bundleFactory(["skiff", "runc"]);

/** The busybox bundle directory bound on a temp directory made shared in a peer group of its own
 * (private first, so nothing mounted under it reaches the real directory). */
function sharedParent(): { dir: string; rootfs: string; unmount(): void } {
  const dir = tempDir("shared");
  execFileSync("mount", ["--bind", dirname(busyboxRootfs()), dir]);
  execFileSync("mount", ["--make-private", dir]);
  execFileSync("mount", ["--make-shared", dir]);
  return { dir, rootfs: join(dir, "rootfs"), unmount: () => execFileSync("umount", [dir]) };
}

/** The propagation tags of the container's "/" ("shared", "master", "unbindable"; none: private). */
function rootTags(runtime: RuntimeName, mode: string, rootfs: string): { code: number; tags: string; stderr: string } {
  const b = bundle(["sh", "-c", `awk '$5 == "/"' /proc/self/mountinfo`], (c) => {
    c.root.path = rootfs;
    c.linux.rootfsPropagation = mode;
  });
  const r = runBundle(runtime, b);
  const fields = r.stdout.trim().split(" ");
  const tags = fields.slice(6, fields.indexOf("-")).map((t) => t.replace(/:\d+$/, ""));
  return { code: r.code, tags: tags.join(" "), stderr: r.stderr };
}

test.each([
  // runc 1.1 leaves the root private for the shared modes (runc 1.2 sets them after pivot_root, as here)
  ["shared", "shared", false],
  ["rshared", "shared", false],
  // the rootfs's parent is shared, so it is made private before the bind (pivot_root needs it): as runc
  ["slave", "", true],
  ["rslave", "master", true],
  ["private", "", true],
  ["rprivate", "", true],
  // runc fails to bind an unbindable rootfs (EINVAL) or leaves the root bindable
  ["unbindable", "unbindable", false],
  ["runbindable", "unbindable", false],
] as const)("rootfsPropagation %s runs and the root reads %p", (mode, tags, sameAsRunc) => {
  const host = sharedParent();
  try {
    const skiff = rootTags("skiff", mode, host.rootfs);
    expect(skiff).toEqual({ code: 0, tags, stderr: "" });
    if (sameAsRunc) expect(rootTags("runc", mode, host.rootfs)).toEqual(skiff);
    // nothing the container mounted reached the shared parent on the host
    expect(readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(host.dir))).toHaveLength(1);
  } finally {
    host.unmount();
  }
});

test("with runbindable every mount in the container is unbindable, and masked and read-only paths still apply", () => {
  const b = bundle(["sh", "-c", "grep -vc unbindable /proc/self/mountinfo; awk '$5 == \"/proc/sys\" || $5 == \"/proc/keys\" { print $5, $6 }' /proc/self/mountinfo"], (c) => {
    c.linux.rootfsPropagation = "runbindable";
    c.linux.maskedPaths = ["/proc/keys"];
    c.linux.readonlyPaths = ["/proc/sys"];
  });
  const r = runBundle("skiff", b);
  expect(r.stdout).toMatch(/^0\n\/proc\/sys ro,.*\n\/proc\/keys /);
});
