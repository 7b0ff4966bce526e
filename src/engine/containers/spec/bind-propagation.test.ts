import { expect, test } from "bun:test";
import { propagationProblem, rootPropagationFor, sourceMount } from "./bind-propagation.ts";

// our own mount table: / shared, /srv private, /srv/slave a slave, /srv/both shared and a slave, a name with a space
const MOUNTINFO = [
  "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
  "30 22 0:40 / /srv rw,relatime - tmpfs tmpfs rw",
  "31 30 0:41 / /srv/slave rw,relatime master:7 - tmpfs tmpfs rw",
  "32 30 0:42 / /srv/both rw,relatime shared:9 master:7 - tmpfs tmpfs rw",
  "33 22 0:43 / /my\\040dir rw - tmpfs tmpfs rw",
  "",
].join("\n");
const same = (p: string) => p;

test("the source's mount is the longest mount point holding it; escapes undone", () => {
  expect(sourceMount(MOUNTINFO, "/srv/slave/a/b")).toEqual({ mountPoint: "/srv/slave", optional: ["master:7"] });
  expect(sourceMount(MOUNTINFO, "/srvx")).toEqual({ mountPoint: "/", optional: ["shared:1"] });
  expect(sourceMount(MOUNTINFO, "/my dir/x")?.mountPoint).toBe("/my dir");
});

test("shared needs a shared mount, slave a shared or slave one, in dockerd's words; private and none need nothing", () => {
  expect(propagationProblem("rshared", "/home/x", MOUNTINFO, same)).toBeUndefined();
  expect(propagationProblem("shared", "/srv/x", MOUNTINFO, same)).toBe("path /srv/x is mounted on /srv but it is not a shared mount");
  expect(propagationProblem("rshared", "/srv/slave/x", MOUNTINFO, same)).toBe("path /srv/slave/x is mounted on /srv/slave but it is not a shared mount");
  expect(propagationProblem("rslave", "/srv/slave/x", MOUNTINFO, same)).toBeUndefined();
  expect(propagationProblem("slave", "/srv/both", MOUNTINFO, same)).toBeUndefined();
  expect(propagationProblem("rslave", "/srv/x", MOUNTINFO, same)).toBe("path /srv/x is mounted on /srv but it is not a shared or slave mount");
  expect(propagationProblem("rslave", "/home/x", MOUNTINFO, same)).toBeUndefined();
  for (const p of ["private", "rprivate", undefined]) expect(propagationProblem(p, "/srv/x", MOUNTINFO, same)).toBeUndefined();
  // the path as resolved (a symlink into /srv), named as given
  expect(propagationProblem("rshared", "/link", MOUNTINFO, () => "/srv/x")).toBe("path /link is mounted on /srv but it is not a shared mount");
});

test("the container's root: shared when a bind is shared, else rslave when one is a slave, else the default", () => {
  expect(rootPropagationFor(["rslave", "rshared"])).toBe("shared");
  expect(rootPropagationFor(["slave", undefined])).toBe("rslave");
  expect(rootPropagationFor(["rprivate", undefined])).toBeUndefined();
});
