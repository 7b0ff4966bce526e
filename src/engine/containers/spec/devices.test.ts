import { expect, test } from "bun:test";
import { SkiffError } from "../../../common/errors.ts";
import { containerDevices, DEFAULT_DEVICE_RULES, mappedDevices, parseDeviceSpec } from "./devices.ts";
import { devicesAt, hostDevices } from "./host-devices.ts";
import type { HostDevice } from "./options.ts";

test.each([
  ["/dev/fuse", { pathOnHost: "/dev/fuse", pathInContainer: "/dev/fuse", permissions: "rwm" }],
  ["/dev/null:/dev/mynull:r", { pathOnHost: "/dev/null", pathInContainer: "/dev/mynull", permissions: "r" }],
  ["/dev/null:rw", { pathOnHost: "/dev/null", pathInContainer: "/dev/null", permissions: "rw" }],
  ["/dev/fuse:/dev/f2", { pathOnHost: "/dev/fuse", pathInContainer: "/dev/f2", permissions: "rwm" }],
])("--device %s", (spec, want) => {
  expect(parseDeviceSpec(spec)).toEqual(want);
});

const message = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as SkiffError).message;
  }
  return "no error";
};

test.each([
  ["dev/fuse", "the host path must be absolute"],
  ["/dev/fuse:dev/f", "the container path must be absolute"],
  ["/dev/fuse:/dev/f:rx", '"rx" is not a set of r, w, m'],
  ["/dev/fuse:/dev/f:rr", '"rr" is not a set of r, w, m'],
  ["/a:/b:r:w", "too many colons"],
])("--device %s is refused", (spec, why) => {
  expect(message(() => parseDeviceSpec(spec))).toBe(`--device ${JSON.stringify(spec)}: ${why}`);
});

const fuse: HostDevice = { path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o600, uid: 0, gid: 0 };
const tun: HostDevice = { path: "/dev/net/tun", type: "c", major: 10, minor: 200, fileMode: 0o666, uid: 0, gid: 7 };

test("a node keeps its host mode and owner under its container path, with an allow rule", () => {
  expect(mappedDevices({ pathOnHost: "/dev/fuse", pathInContainer: "/dev/f2", permissions: "rw" }, [fuse])).toEqual({
    devices: [{ path: "/dev/f2", type: "c", major: 10, minor: 229, fileMode: 0o600, uid: 0, gid: 0 }],
    rules: [{ allow: true, type: "c", major: 10, minor: 229, access: "rw" }],
  });
});

test("a directory's nodes keep their place under the container path", () => {
  expect(mappedDevices({ pathOnHost: "/dev/net/", pathInContainer: "/dev/n", permissions: "rwm" }, [tun]).devices[0]!.path).toBe("/dev/n/tun");
});

test("no node at the host path is an error naming it", () => {
  expect(message(() => mappedDevices({ pathOnHost: "/dev/nope", pathInContainer: "/dev/nope", permissions: "rwm" }, []))).toBe('error gathering device information while adding custom device "/dev/nope": no such file or directory');
  expect(message(() => mappedDevices({ pathOnHost: "/etc/hostname", pathInContainer: "/dev/x", permissions: "rwm" }, []))).toBe("--device /etc/hostname: no device node there on the host");
});

test("defaults: dockerd's rules and no nodes; privileged: every host node and one rule allowing all", () => {
  const host = { devicesAt: (p: string) => (p === "/dev/fuse" ? [fuse] : []), hostDevices: () => [fuse, tun] };
  expect(containerDevices({}, host)).toEqual({ devices: [], rules: [...DEFAULT_DEVICE_RULES] });
  const withFuse = containerDevices({ devices: [{ pathOnHost: "/dev/fuse", pathInContainer: "/dev/fuse", permissions: "rwm" }] }, host);
  expect(withFuse.rules.at(-1)).toEqual({ allow: true, type: "c", major: 10, minor: 229, access: "rwm" });
  expect(containerDevices({ privileged: true, devices: [] }, host)).toEqual({ devices: [fuse, tun], rules: [{ allow: true, access: "rwm" }] });
});

test("the host's /dev as read: nodes with their numbers, no console, no pts, no symlinks", () => {
  const all = hostDevices();
  const byPath = new Map(all.map((d) => [d.path, d]));
  expect(byPath.get("/dev/null")).toEqual({ path: "/dev/null", type: "c", major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 });
  expect(byPath.has("/dev/console")).toBe(false);
  expect(all.some((d) => d.path.startsWith("/dev/pts/"))).toBe(false);
  expect(byPath.has("/dev/stdin")).toBe(false);
  expect(all.map((d) => d.path)).toEqual([...all.map((d) => d.path)].sort());
  expect(devicesAt("/dev/null")).toEqual([byPath.get("/dev/null")!]);
  expect(devicesAt("/no/such/device")).toEqual([]);
  expect(devicesAt("/etc/hostname")).toEqual([]);
});
