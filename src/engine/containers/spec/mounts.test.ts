import { expect, test } from "bun:test";
import type { SkiffError } from "../../../common/errors.ts";
import { containerMounts, defaultMounts, INIT_DESTINATION, tmpfsOptions } from "./mounts.ts";

const networkFiles = { resolvConf: "/c/resolv.conf", hostname: "/c/hostname", hosts: "/c/hosts" };
const dests = (ms: { destination: string }[]) => ms.map((m) => m.destination);
const DEFAULTS = ["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm"];
const NET = ["/etc/resolv.conf", "/etc/hostname", "/etc/hosts"];

test("no options: dockerd's defaults, then the network files bound rbind, rprivate", () => {
  const ms = containerMounts({ networkFiles });
  expect(dests(ms)).toEqual([...DEFAULTS, ...NET]);
  expect(ms.at(-1)).toEqual({ destination: "/etc/hosts", type: "bind", source: "/c/hosts", options: ["rbind", "rprivate"] });
  expect(ms.find((m) => m.destination === "/dev/shm")!.options).toEqual(["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"]);
  expect(defaultMounts(1 << 20).at(-1)!.options.at(-1)).toBe("size=1048576");
});

test("user mounts are sorted parents first; ties keep binds, network files, tmpfs in turn", () => {
  const ms = containerMounts({
    networkFiles,
    binds: [{ source: "/h", destination: "/b", readOnly: false }, { source: "/h", destination: "/a/b/c", readOnly: true }, { source: "/h", destination: "/a", readOnly: false }],
    tmpfs: [{ destination: "/a/b", options: "" }],
  });
  expect(dests(ms).slice(7)).toEqual(["/b", "/a", ...NET, "/a/b", "/a/b/c"]);
  expect(ms.find((m) => m.destination === "/a/b/c")!.options).toEqual(["rbind", "ro", "rprivate"]);
  expect(ms.find((m) => m.destination === "/a/b")).toEqual({ destination: "/a/b", type: "tmpfs", source: "tmpfs", options: ["noexec", "nosuid", "nodev", "rprivate"] });
});

test("a user mount replaces the default at its place; one on /dev replaces everything under /dev", () => {
  const shm = containerMounts({ networkFiles, tmpfs: [{ destination: "/dev/shm", options: "size=1m" }] });
  expect(dests(shm)).toEqual([...DEFAULTS.slice(0, 6), ...NET, "/dev/shm"]);
  const dev = containerMounts({ networkFiles, binds: [{ source: "/dev", destination: "/dev", readOnly: false }] });
  expect(dests(dev)).toEqual(["/proc", "/sys", "/sys/fs/cgroup", "/dev", ...NET]);
});

test("a bind on a network file takes that file's place", () => {
  const ms = containerMounts({ networkFiles, binds: [{ source: "/my/hosts", destination: "/etc/hosts", readOnly: true }, { source: "/h", destination: "/dev/shm", readOnly: false }] });
  expect(dests(ms).slice(6)).toEqual(["/dev/shm", ...NET]);
  expect(ms.at(-1)).toEqual({ destination: "/etc/hosts", type: "bind", source: "/my/hosts", options: ["rbind", "ro", "rprivate"] });
});

test("--read-only: the network files read-only too; --privileged: /sys and the cgroup file system writable", () => {
  const ro = containerMounts({ networkFiles, readOnly: true, tmpfs: [{ destination: "/run", options: "" }] });
  expect(ro.filter((m) => NET.includes(m.destination)).map((m) => m.options)).toEqual([["rbind", "ro", "rprivate"], ["rbind", "ro", "rprivate"], ["rbind", "ro", "rprivate"]]);
  expect(ro.find((m) => m.destination === "/run")!.options).not.toContain("ro");
  expect(ro.find((m) => m.destination === "/dev/shm")!.options).not.toContain("ro");
  const priv = containerMounts({ networkFiles, privileged: true, readOnly: true });
  expect(priv.find((m) => m.destination === "/sys")!.options).toEqual(["nosuid", "noexec", "nodev"]);
  expect(priv.find((m) => m.destination === "/sys/fs/cgroup")!.options).toEqual(["nosuid", "noexec", "nodev"]);
});

test("--init binds the init read-only after the defaults", () => {
  const ms = containerMounts({ networkFiles, initPath: "/usr/libexec/skiff-init" });
  expect(ms[7]).toEqual({ destination: INIT_DESTINATION, type: "bind", source: "/usr/libexec/skiff-init", options: ["bind", "ro"] });
});

test.each([
  ["", ["noexec", "nosuid", "nodev", "rprivate"]],
  ["rw,size=65536k,mode=1777", ["noexec", "nosuid", "nodev", "rprivate", "rw", "size=65536k", "mode=1777"]],
  ["exec,size=1m", ["nosuid", "nodev", "rprivate", "exec", "size=1m"]],
  ["exec,size=1m,noexec,size=2m,ro,mode=700,uid=1000,nr_inodes=10", ["nosuid", "nodev", "rprivate", "noexec", "size=2m", "ro", "mode=700", "uid=1000", "nr_inodes=10"]],
  ["defaults,rbind,shared", ["noexec", "nosuid", "nodev", "shared"]],
])("--tmpfs /x:%s", (options, want) => {
  expect(tmpfsOptions({ destination: "/x", options })).toEqual(want);
});

const error = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return `${(e as SkiffError).code}: ${(e as SkiffError).message}`;
  }
  return "no error";
};

test("bad mounts are refused naming the flag", () => {
  expect(error(() => tmpfsOptions({ destination: "/x", options: "bogus" }))).toBe('ENGINE_INVALID_TMPFS: --tmpfs /x: unknown option "bogus"');
  expect(error(() => tmpfsOptions({ destination: "/x", options: "color=red" }))).toBe('ENGINE_INVALID_TMPFS: --tmpfs /x: unknown option "color=red"');
  expect(error(() => containerMounts({ networkFiles, tmpfs: [{ destination: "x", options: "" }] }))).toBe('ENGINE_INVALID_MOUNT: --tmpfs "x": the container path must be absolute');
  expect(error(() => containerMounts({ networkFiles, binds: [{ source: "/h", destination: "//", readOnly: false }] }))).toBe('ENGINE_INVALID_MOUNT: -v "//": cannot mount over the container\'s root');
  expect(error(() => containerMounts({ networkFiles, binds: [{ source: "vol", destination: "/v", readOnly: false }] }))).toBe("ENGINE_INVALID_MOUNT: -v vol:/v: the host path must be absolute");
  expect(error(() => containerMounts({ networkFiles, binds: [{ source: "/h", destination: "/v/", readOnly: false }], tmpfs: [{ destination: "/v", options: "" }] }))).toBe("ENGINE_DUPLICATE_MOUNT: Duplicate mount point: /v");
});

test("volumes are bound from their content's host path as dockerd binds them (rbind, ro when read-only, no propagation), sorted with the binds", () => {
  const ms = containerMounts({
    networkFiles,
    binds: [{ source: "/h", destination: "/b", readOnly: false }],
    volumes: [{ source: "/vol/a/_data", destination: "/data/x", readOnly: false }, { source: "/vol/b/_data", destination: "/ro", readOnly: true }],
  });
  expect(ms.slice(7)).toEqual([
    { destination: "/b", type: "bind", source: "/h", options: ["rbind", "rprivate"] },
    { destination: "/ro", type: "bind", source: "/vol/b/_data", options: ["rbind", "ro"] },
    { destination: "/data/x", type: "bind", source: "/vol/a/_data", options: ["rbind"] },
    ...NET.map((d) => expect.objectContaining({ destination: d })),
  ]);
  expect(error(() => containerMounts({ networkFiles, binds: [{ source: "/h", destination: "/v", readOnly: false }], volumes: [{ source: "/s", destination: "/v/", readOnly: false }] }))).toBe("ENGINE_DUPLICATE_MOUNT: Duplicate mount point: /v");
});
