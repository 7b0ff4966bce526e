// procfs and sysfs are mounted only on a real directory of the rootfs: a symlink there (or a
// file) is refused by runc and by skiff-oci, naming the mount; nothing is left behind.
import { expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleFactory, busyboxRootfs, oci, runBundle, tempDir, type RuntimeName } from "./harness/oci.ts";

const bundle = bundleFactory(["skiff", "runc"]);

/** A writable copy of the busybox rootfs with /real (a directory), /link -> /real and /file. */
function trappedRootfs(): string {
  const rootfs = join(tempDir("rootfs"), "rootfs");
  mkdirSync(rootfs);
  execFileSync("cp", ["-a", ...["bin", "etc"].map((d) => join(busyboxRootfs(), d)), rootfs]);
  mkdirSync(join(rootfs, "real"));
  writeFileSync(join(rootfs, "real/canary"), "untouched\n");
  symlinkSync("/real", join(rootfs, "link"));
  writeFileSync(join(rootfs, "file"), "");
  return rootfs;
}

function runBoth(type: string, destination: string) {
  const rootfs = trappedRootfs();
  const out = {} as Record<RuntimeName, { code: number; stdout: string; stderr: string }>;
  let index = -1;
  for (const runtime of ["runc", "skiff"] as const) {
    const b = bundle(["cat", "/real/canary"], (c) => {
      c.root = { path: rootfs, readonly: false };
      index = c.mounts.push({ destination, type, source: type, options: [] }) - 1;
    });
    out[runtime] = runBundle(runtime, b);
    expect(oci(runtime, ["list", "-q"]).stdout).not.toContain(b.id);
  }
  return { ...out, index };
}

for (const type of ["proc", "sysfs"]) {
  test(`${type} on a symlink in the rootfs is refused, as by runc`, () => {
    const r = runBoth(type, "/link");
    expect(r.runc.code).toBe(1);
    expect(r.runc.stderr).toContain(`filesystem \\"${type}\\" must be mounted on ordinary directory`);
    expect(r.skiff.code).toBe(1);
    expect(r.skiff.stderr).toBe(
      `runtime: mount ${type} on /link: mounts[${r.index}].destination /link is a symlink in the rootfs, and ${type} is mounted only on a real directory (RUNTIME_MOUNT_DESTINATION_INVALID)\n` +
        `hint: point mounts[${r.index}].destination at a directory of the rootfs (a symlink could put ${type} over any path)\n`,
    );
  });

  test(`${type} on a file is refused, as by runc`, () => {
    const r = runBoth(type, "/file");
    expect(r.runc.code).toBe(1);
    expect(r.skiff.code).toBe(1);
    expect(r.skiff.stderr).toStartWith(`runtime: mount ${type} on /file: mounts[${r.index}].destination /file is not a directory in the rootfs`);
  });

  test(`${type} on a missing directory is made, as by runc`, () => {
    const r = runBoth(type, "/new/dir");
    expect(r.runc).toEqual({ code: 0, stdout: "untouched\n", stderr: "" });
    expect(r.skiff).toEqual(r.runc);
  });
}
