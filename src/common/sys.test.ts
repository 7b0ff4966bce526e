import { afterAll, beforeAll, expect, test } from "bun:test";
import { lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { lgetxattr, llistxattr, lremovexattr, lsetxattr, makedev, mknod, S_IFBLK, S_IFCHR, S_IFIFO, utimensat } from "./sys.ts";

const dir = `/tmp/skiff-test-${process.pid}/sys`;
beforeAll(() => mkdirSync(dir, { recursive: true }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("makedev follows glibc's layout", () => {
  expect(makedev(0, 0)).toBe(0n);
  expect(makedev(1, 3)).toBe(0x103n);
  expect(makedev(0x1234, 0x56789)).toBe((0x1000n << 32n) | (0x234n << 8n) | (0x56700n << 12n) | 0x89n);
});

test("mknod makes char and block devices and fifos", () => {
  mknod(join(dir, "null"), S_IFCHR | 0o666, 1, 3);
  mknod(join(dir, "blk"), S_IFBLK | 0o600, 7, 200);
  mknod(join(dir, "fifo"), S_IFIFO | 0o644);
  const c = lstatSync(join(dir, "null"));
  expect(c.isCharacterDevice()).toBe(true);
  expect(c.rdev).toBe(0x103);
  const b = lstatSync(join(dir, "blk"));
  expect(b.isBlockDevice()).toBe(true);
  expect([Math.floor(b.rdev / 256) & 0xfff, b.rdev & 0xff]).toEqual([7, 200]);
  expect(lstatSync(join(dir, "fifo")).isFIFO()).toBe(true);
});

test("mknod reports errno like node:fs", () => {
  try {
    mknod(join(dir, "nope/x"), S_IFIFO | 0o644);
    throw new Error("did not throw");
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe("ENOENT");
    expect((e as NodeJS.ErrnoException).syscall).toBe("mknod");
    expect((e as Error).message).toContain("nope/x");
  }
});

test("xattrs are set, read, listed and removed on the path itself", () => {
  const f = join(dir, "f");
  writeFileSync(f, "x");
  lsetxattr(f, "user.greeting", "hello");
  lsetxattr(f, "trusted.bin", new Uint8Array([0, 1, 2, 255]));
  lsetxattr(f, "trusted.empty", new Uint8Array());
  expect(lgetxattr(f, "user.greeting")?.toString()).toBe("hello");
  expect([...lgetxattr(f, "trusted.bin")!]).toEqual([0, 1, 2, 255]);
  expect(lgetxattr(f, "trusted.empty")?.byteLength).toBe(0);
  expect(lgetxattr(f, "user.absent")).toBeUndefined();
  expect(llistxattr(f).sort()).toEqual(["trusted.bin", "trusted.empty", "user.greeting"]);
  lremovexattr(f, "user.greeting");
  expect(lgetxattr(f, "user.greeting")).toBeUndefined();
  const l = join(dir, "link");
  symlinkSync(f, l);
  lsetxattr(l, "trusted.onlink", "1");
  expect(lgetxattr(f, "trusted.onlink")).toBeUndefined();
  expect(lgetxattr(l, "trusted.onlink")?.toString()).toBe("1");
});

test("utimensat sets nanoseconds and does not follow symlinks", () => {
  const f = join(dir, "t");
  writeFileSync(f, "x");
  const l = join(dir, "tl");
  symlinkSync("t", l);
  utimensat(f, { sec: 100, nsec: 0 }, { sec: 1700000000, nsec: 123456789 });
  utimensat(l, { sec: 5, nsec: 0 }, { sec: 42, nsec: 7 });
  expect(lstatSync(f, { bigint: true }).mtimeNs).toBe(1700000000123456789n);
  expect(lstatSync(l, { bigint: true }).mtimeNs).toBe(42000000007n);
});

afterAll(() => {
  try {
    rmdirSync(`/tmp/skiff-test-${process.pid}`); // only when empty: other test files of this run may use it
  } catch {}
});
