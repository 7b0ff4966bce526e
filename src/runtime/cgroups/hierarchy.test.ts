import { expect, test } from "bun:test";
import { parseCgroupLayout } from "./hierarchy.ts";
import { cgroupDirs } from "./manager.ts";

const HYBRID_MOUNTINFO = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate`;
const HYBRID_SELF = `3:cpu,cpuacct:/user.slice
2:memory:/user.slice/x
1:name=systemd:/user.slice/session-1.scope
0::/user.slice/session-1.scope`;

test("reads a hybrid layout: v1 controllers (comounted too) and the unified tree", () => {
  const layout = parseCgroupLayout(HYBRID_MOUNTINFO, HYBRID_SELF);
  expect(layout.mode).toBe("hybrid");
  expect(layout.hierarchies.map((h) => [h.key, h.version, h.mountpoint, h.current])).toEqual([
    ["cpu,cpuacct", 1, "/sys/fs/cgroup/cpu,cpuacct", "/user.slice"],
    ["memory", 1, "/sys/fs/cgroup/memory", "/user.slice/x"],
    ["name=systemd", 1, "/sys/fs/cgroup/systemd", "/user.slice/session-1.scope"],
    ["", 2, "/sys/fs/cgroup/unified", "/user.slice/session-1.scope"],
  ]);
});

test("reads a v2-only layout, as most hosts have", () => {
  const layout = parseCgroupLayout("30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot", "0::/init.scope\n");
  expect(layout).toEqual({ mode: "v2", hierarchies: [{ key: "", version: 2, mountpoint: "/sys/fs/cgroup", current: "/init.scope" }] });
});

test("places an absolute cgroupsPath as is and a relative one (or the id) under the caller's cgroup", () => {
  const layout = parseCgroupLayout("30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw", "0::/user.slice\n");
  expect(cgroupDirs(layout, "/a/../b/c", "id").dirs).toEqual(["/sys/fs/cgroup/b/c"]);
  expect(cgroupDirs(layout, "x/y", "id").dirs).toEqual(["/sys/fs/cgroup/user.slice/x/y"]);
  expect(cgroupDirs(layout, undefined, "id").dirs).toEqual(["/sys/fs/cgroup/user.slice/id"]);
});

test("decodes mountinfo's octal escapes and skips lines that are not mounts", () => {
  const layout = parseCgroupLayout(
    "garbage\n\n33 31 0:30 / /sys/fs/cgroup/my\\040pids rw - cgroup cgroup rw,pids\n34 31 0:31 / /x\\134y\\12 rw - cgroup cgroup rw,freezer\n36 31 0:33 / /n rw shared:5 - cgroup cgroup rw,name=systemd",
    "12:pids:/a:b\nx:freezer:/no\n5:freezer:/f\n1:name=systemd:/s\n",
  );
  expect(layout.hierarchies.map((h) => [h.key, h.mountpoint, h.current])).toEqual([
    ["pids", "/sys/fs/cgroup/my pids", "/a:b"],
    ["freezer", "/x\\y\\12", "/f"],
    ["name=systemd", "/n", "/s"],
  ]);
  expect(layout.mode).toBe("v1");
});
