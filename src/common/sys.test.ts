import { afterAll, beforeAll, expect, test } from "bun:test";
import fc from "fast-check";
import { existsSync, lstatSync, mkdirSync, readFileSync, readSync, rmSync, symlinkSync, writeFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import * as sys from "./sys.ts";
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

/** The node:fs error of `f`, to compare sys's with. */
function errorOf(f: () => unknown): { code?: string; syscall?: string; path?: string; message: string } {
  try {
    f();
  } catch (e) {
    const { code, syscall, path } = e as NodeJS.ErrnoException;
    return { code, syscall, path, message: (e as Error).message };
  }
  throw new Error("did not throw");
}

test("readText reads what readFileSync reads: any text, any size, procfs, a BOM kept", () => {
  const f = join(dir, "text");
  const seed = Number(process.env.SKIFF_FUZZ_SEED ?? Date.now() % 100000);
  try {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40000 }), fc.constantFrom("", "\uFEFF"), (text, bom) => {
        writeFileSync(f, bom + text);
        expect(sys.readText(f)).toBe(readFileSync(f, "utf8"));
      }),
      { seed, numRuns: 60 },
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\nrerun with SKIFF_FUZZ_SEED=${seed}`);
  }
  writeFileSync(f, new Uint8Array([0xff, 0x41, 0xc3])); // not UTF-8: replaced as node replaces it
  expect(sys.readText(f)).toBe(readFileSync(f, "utf8"));
  writeFileSync(f, "a".repeat(8192) + "é".repeat(5000)); // a buffer's end inside a character
  expect(sys.readText(f)).toBe(readFileSync(f, "utf8"));
  expect(sys.readText("/proc/self/stat")).toStartWith(`${process.pid} (`);
  expect(sys.readText("/proc/self/mountinfo")).toBe(readFileSync("/proc/self/mountinfo", "utf8"));
});

test("readTextIfOpens reads as readText, and gives undefined (no exception) where open fails", () => {
  const f = join(dir, "if-opens");
  writeFileSync(f, "a\né\n");
  expect(sys.readTextIfOpens(f)).toBe(sys.readText(f));
  expect(sys.readTextIfOpens("/proc/self/stat")).toStartWith(`${process.pid} (`);
  expect(sys.readTextIfOpens(join(dir, "nope", "x"))).toBeUndefined();
  expect(sys.readTextIfOpens("/proc/999999999/stat")).toBeUndefined();
  expect(errorOf(() => sys.readTextIfOpens(dir)).code).toBe("EISDIR"); // opened, then read fails: as readText
});

test("file calls fail as node:fs does: code, syscall, path and message", () => {
  const missing = join(dir, "nope", "x");
  expect(errorOf(() => sys.readText(missing))).toEqual(errorOf(() => readFileSync(missing, "utf8")));
  expect(errorOf(() => sys.unlink(missing))).toEqual({ code: "ENOENT", syscall: "unlink", path: missing, message: `ENOENT: no such file or directory, unlink '${missing}'` });
  mkdirSync(join(dir, "full"), { recursive: true });
  writeFileSync(join(dir, "full", "f"), "");
  expect(errorOf(() => sys.rmdir(join(dir, "full"))).code).toBe("ENOTEMPTY");
  expect(errorOf(() => sys.readText(dir)).code).toBe("EISDIR");
  // a NUL would cut the path short in C: refused before any call, as node:fs refuses it
  expect(errorOf(() => sys.readText(`${join(dir, "full", "f")}\0tail`)).code).toBe("ERR_INVALID_ARG_VALUE");
  expect(errorOf(() => sys.unlink(`${join(dir, "full", "f")}\0`)).code).toBe("ERR_INVALID_ARG_VALUE");
  expect(existsSync(join(dir, "full", "f"))).toBe(true);
  expect(sys.exists(`${join(dir, "full", "f")}\0`)).toBe(false);
});

test("writeText writes and appends; exists, unlink and rmdir", () => {
  const d = join(dir, "w");
  mkdirSync(d);
  const f = join(d, "f");
  expect(sys.exists(f)).toBe(false);
  sys.writeText(f, "long first line\n");
  sys.writeText(f, "één\n");
  expect(readFileSync(f, "utf8")).toBe("één\n");
  sys.writeText(f, "more\n", { append: true });
  expect(readFileSync(f, "utf8")).toBe("één\nmore\n");
  expect(sys.exists(f)).toBe(true);
  sys.unlink(f);
  expect(sys.exists(f)).toBe(false);
  sys.rmdir(d);
  expect(existsSync(d)).toBe(false);
});

test("a fifo without a reader: open for writing without blocking is ENXIO; with one, the byte arrives", () => {
  const p = join(dir, "fifo2");
  mknod(p, S_IFIFO | 0o600);
  expect(errorOf(() => sys.open(p, sys.O_WRONLY | sys.O_NONBLOCK)).code).toBe("ENXIO");
  const reader = sys.open(p, sys.O_RDONLY | sys.O_NONBLOCK);
  const writer = sys.open(p, sys.O_WRONLY | sys.O_NONBLOCK);
  expect(sys.write(writer, new Uint8Array([7, 8, 9]), 1)).toBe(2);
  sys.close(writer);
  const got = new Uint8Array(8);
  expect([...got.subarray(0, readSync(reader, got))]).toEqual([8, 9]);
  sys.close(reader);
  // every fd is close-on-exec: nothing of the runtime's leaks into a hook or the executor
  const fd = sys.open(p, sys.O_RDONLY | sys.O_NONBLOCK);
  expect(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8")).toMatch(/^flags:\s+0[0-7]*2[0-7]{6}$/m);
  sys.close(fd);
});

afterAll(() => {
  try {
    rmdirSync(`/tmp/skiff-test-${process.pid}`); // only when empty: other test files of this run may use it
  } catch {}
});
