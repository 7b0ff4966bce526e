import { expect, test } from "bun:test";
import { copyOwner } from "./copy-owner.ts";

const files: Record<string, string> = {
  "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nwww:x:33:34:www:/var/www:/bin/sh\n",
  "/etc/group": "root:x:0:\nwww:x:34:\nstaff:x:50:www\n",
};
const read = (p: string) => files[p];

test("without -a the tar's owners are kept (dockerd keeps the uid/gid docker's CLI sends)", () => {
  expect(copyOwner(false, "www", read)).toBeUndefined();
  expect(copyOwner(false, undefined, read)).toBeUndefined();
});

test("with -a every entry belongs to the container's user, resolved in its /etc/passwd and /etc/group; the tar's owners when none is set, as dockerd's", () => {
  expect(copyOwner(true, undefined, read)).toBeUndefined();
  expect(copyOwner(true, "", read)).toBeUndefined();
  expect(copyOwner(true, "www", read)).toEqual({ uid: 33, gid: 34 });
  expect(copyOwner(true, "www:staff", read)).toEqual({ uid: 33, gid: 50 });
  expect(copyOwner(true, "1000:2000", read)).toEqual({ uid: 1000, gid: 2000 });
  expect(copyOwner(true, "33", read)).toEqual({ uid: 33, gid: 34 });
  expect(() => copyOwner(true, "nobody", read)).toThrow(/nobody/);
});
