// Mount options as runc takes them, seen from inside the container.
import { expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleFactory, oci, runBundle, tempDir } from "./harness/oci.ts";

const bundle = bundleFactory();
const run = (args: string[], edit: (c: any) => void) => {
  const b = bundle(args, edit);
  return runBundle("skiff", b);
};

test("recursive attributes (rro, rnoexec) reach submounts of a bind mount", () => {
  const dir = tempDir("data");
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "f"), "x");
  const r = run(["sh", "-c", "touch /data/new 2>&1; grep ' /data ' /proc/self/mountinfo | cut -d' ' -f6"], (c) => {
    c.mounts.push({ destination: "/data", type: "bind", source: dir, options: ["rbind", "rro", "rnoexec"] });
  });
  expect(r.stdout).toContain("Read-only file system");
  expect(r.stdout).toMatch(/^ro,.*noexec/m);
});

test("tmpfs options: size, mode and flags", () => {
  const r = run(["sh", "-c", "stat -c %a /scratch; grep ' /scratch ' /proc/self/mountinfo"], (c) => {
    c.mounts.push({ destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1770", "size=1m"] });
  });
  expect(r.stdout).toMatch(/^1770\n/);
  expect(r.stdout).toMatch(/nosuid,nodev.* tmpfs tmpfs rw,size=1024k,mode=1770/);
});

test("a read-only bind of a single file", () => {
  const file = join(tempDir("file"), "conf");
  writeFileSync(file, "v=1\n");
  const r = run(["sh", "-c", "cat /etc/app.conf; echo x >> /etc/app.conf && echo wrote"], (c) => {
    c.root.readonly = true;
    c.mounts.push({ destination: "/etc/app.conf", type: "bind", source: file, options: ["bind", "ro"] });
  });
  expect(r.stdout).toBe("v=1\n");
  expect(r.stderr).toContain("Read-only file system");
});
