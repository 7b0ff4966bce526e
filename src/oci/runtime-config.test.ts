import { expect, test } from "bun:test";
import { parseRuntimeConfig } from "./runtime-config.ts";

const base = { ociVersion: "1.0.2", process: { args: ["sh"], cwd: "/" }, root: { path: "rootfs" } };
const parse = (edit: (c: any) => void) => {
  const c = structuredClone(base) as any;
  edit(c);
  return parseRuntimeConfig(JSON.stringify(c));
};

test("accepts any 1.x version and fills defaults", () => {
  for (const v of ["1.0.0", "1.0.2-dev", "1.2.0", "1.3.0"]) expect(parse((c) => (c.ociVersion = v)).ociVersion).toBe(v);
  const c = parse(() => {});
  expect(c.process).toMatchObject({ terminal: false, user: { uid: 0, gid: 0, additionalGids: [] }, env: [], rlimits: [], noNewPrivileges: false });
  expect(c.mounts).toEqual([]);
  expect(c.linux.namespaces).toEqual([]);
});

test("reads rlimits up to RLIM_INFINITY", () => {
  const c = parseRuntimeConfig('{"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/","rlimits":[{"type":"RLIMIT_CORE","soft":18446744073709551615,"hard":18446744073709551615}]}}');
  expect(c.process!.rlimits[0]!.hard).toBeGreaterThan(2 ** 63);
});

test("takes a device's fileMode with its file type bits, as podman writes it (st_mode)", () => {
  const devices = [
    { path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 8630 },
    { path: "/dev/loop9", type: "b", major: 7, minor: 9, fileMode: 0o060660 },
    { path: "/dev/null", type: "c", major: 1, minor: 3, fileMode: 0o666 },
  ];
  expect(parse((c) => (c.linux = { devices })).linux.devices.map((d) => d.fileMode)).toEqual([0o666, 0o660, 0o666]);
});

test("takes the largest uid and gid runc takes", () => {
  expect(parse((c) => (c.process.user = { uid: 2 ** 31 - 1, gid: 2 ** 31 - 1, additionalGids: [2 ** 31 - 1] })).process!.user).toMatchObject({ uid: 2 ** 31 - 1, gid: 2 ** 31 - 1 });
});

test.each([
  ["JSON that is cut short", null, /parse config.json: /],
  ["a version 2 config", (c: any) => (c.ociVersion = "2.0.0"), /ociVersion must be a 1.x version/],
  ["a uid as a string", (c: any) => (c.process.user = { uid: "0" }), /process.user.uid must be an integer/],
  ["a negative gid", (c: any) => (c.process.user = { gid: -1 }), /process.user.gid must be an integer in \[0, 2147483647\]/],
  // (uid_t)-1 is "unchanged" to setresuid: the process would have run as root (found by trying it)
  ["uid 4294967295", (c: any) => (c.process.user = { uid: 4294967295, gid: 0 }), /process.user.uid must be an integer in \[0, 2147483647\], got 4294967295/],
  ["gid 4294967295", (c: any) => (c.process.user = { uid: 1000, gid: 4294967295 }), /process.user.gid must be an integer in \[0, 2147483647\]/],
  ["an additional gid of 2^31", (c: any) => (c.process.user = { additionalGids: [2 ** 31] }), /process.user.additionalGids\[0\] must be an integer in \[0, 2147483647\]/],
  ["a char device's fileMode with a block device's type bits", (c: any) => (c.linux = { devices: [{ path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o060666 }] }), /linux.devices\[0\].fileMode must be permission bits .*"c" device/],
  ["a mount without destination", (c: any) => (c.mounts = [{ type: "tmpfs" }]), /mounts\[0\].destination must be a string/],
  ["an oomScoreAdj out of range", (c: any) => (c.process.oomScoreAdj = 2000), /oomScoreAdj must be an integer in \[-1000, 1000\]/],
  ["env that is not strings", (c: any) => (c.process.env = [1]), /process.env\[0\] must be a string/],
  ["an id map of size 0", (c: any) => (c.linux = { uidMappings: [{ containerID: 0, hostID: 0, size: 0 }] }), /linux.uidMappings\[0\].size must be an integer in \[1,/],
])("refuses %s", (_, edit, message) => {
  expect(() => (edit ? parse(edit) : parseRuntimeConfig('{"ociVersion": '))).toThrow(message);
});
