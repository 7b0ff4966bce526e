import { expect, test } from "bun:test";
import { invalid, type SkiffError } from "../../common/errors.ts";
import { ioError } from "./io-error.ts";

const sys = (code: string, syscall = "open") => Object.assign(new Error(`${code}: failed`), { code, syscall });

test("every errno of the store gets IMAGE_IO, the action, the errno and a hint", () => {
  for (const errno of ["ENOSPC", "EDQUOT", "ENOENT", "EACCES", "EPERM", "EROFS", "EOPNOTSUPP", "EEXIST", "EIO", "EMFILE", "EXDEV"]) {
    const e = ioError("write blob sha256:ab", "/var/lib/skiff/blobs/x", sys(errno)) as SkiffError;
    expect([e.code, e.layer, e.details.errno, e.details.path]).toEqual(["IMAGE_IO", "image", errno, "/var/lib/skiff/blobs/x"]);
    expect(e.message).toStartWith("write blob sha256:ab: ");
    expect(e.hint).toBeTruthy();
  }
  expect((ioError("read", "/p", sys("ENOSPC")) as SkiffError).hint).toContain("free space");
  expect((ioError("read", "/p", sys("EROFS")) as SkiffError).hint).toContain("read-only");
  expect((ioError("unpack", "/p", sys("EIO"), "IMAGE_UNPACK_FAILED") as SkiffError).code).toBe("IMAGE_UNPACK_FAILED");
});

test("SkiffErrors and programmer errors pass through", () => {
  const s = invalid("image", "X", "x");
  expect(ioError("a", "/p", s)).toBe(s);
  const plain = new TypeError("bug");
  expect(ioError("a", "/p", plain)).toBe(plain);
});
