import { expect, test } from "bun:test";
import { SkiffError } from "../../../common/errors.ts";
import type { ContainerDefaults } from "../../../oci/image/image-config.ts";
import { checkRuntimeConfig } from "../../../oci/runtime-config.ts";
import { compileSeccomp } from "../../../runtime/seccomp/compile.ts";
import { DEFAULT_CAPABILITIES } from "./capabilities.ts";
import { DEFAULT_DEVICE_RULES } from "./devices.ts";
import { buildContainerSpec, containerEnv, DEFAULT_PATH } from "./oci-spec.ts";
import type { ContainerOptions, HostDevice, SpecHost } from "./options.ts";

const ID = "e89892a490012ad5fa4da9242bace21b1baea9cbef3ed5a6aa0b8608caa2e2e2";
const files: Record<string, string> = {
  "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/sh\n",
  "/etc/group": "root:x:0:\nwww:x:33:\nstaff:x:50:www\n",
};
const fuse: HostDevice = { path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o600, uid: 0, gid: 0 };
const host: SpecHost = {
  id: ID,
  rootPath: "/var/lib/skiff/c/rootfs",
  cgroupParent: "/skiff",
  networkFiles: { resolvConf: "/c/resolv.conf", hostname: "/c/hostname", hosts: "/c/hosts" },
  initPath: "/usr/lib/skiff/skiff-init",
  hostHostname: "vm",
  cgroupVersion: 1,
  lastCap: 40,
  arch: "amd64",
  kernelRelease: "6.18.0",
  readImageFile: (p) => files[p],
  devicesAt: (p) => (p === "/dev/fuse" ? [fuse] : []),
  hostDevices: () => [fuse],
};
const image: ContainerDefaults = { Env: ["PATH=/bin", "X=1"], Cmd: ["sh"], ExposedPorts: [], Volumes: [], Labels: {} };
const build = (o: ContainerOptions = {}, h: Partial<SpecHost> = {}, img: Partial<ContainerDefaults> = {}) => buildContainerSpec({ ...image, ...img }, o, { ...host, ...h });

test("a container with no options: dockerd's config for it", () => {
  const s = build({ cmd: ["true"] });
  expect(s.ociVersion).toBe("1.0.2-dev");
  expect(s.process).toEqual({
    user: { uid: 0, gid: 0, additionalGids: [0] },
    args: ["true"],
    env: ["PATH=/bin", "HOSTNAME=e89892a49001", "X=1"],
    cwd: "/",
    capabilities: { bounding: [...DEFAULT_CAPABILITIES], effective: [...DEFAULT_CAPABILITIES], inheritable: [], permitted: [...DEFAULT_CAPABILITIES], ambient: [] },
    oomScoreAdj: 0,
  });
  expect(s.root).toEqual({ path: "/var/lib/skiff/c/rootfs" });
  expect(s.hostname).toBe("e89892a49001");
  expect(s.linux.namespaces.map((n) => n.type)).toEqual(["mount", "network", "uts", "pid", "ipc"]);
  expect(s.linux.cgroupsPath).toBe(`/skiff/${ID}`);
  expect(s.linux.sysctl).toEqual({ "net.ipv4.ip_unprivileged_port_start": "0", "net.ipv4.ping_group_range": "0 2147483647", "net.ipv6.conf.default.disable_ipv6": "1" });
  expect(s.linux.resources).toEqual({ devices: [...DEFAULT_DEVICE_RULES], memory: { disableOOMKiller: false }, cpu: { shares: 0 }, blockIO: { weight: 0 } });
  expect(s.linux.maskedPaths).toContain("/proc/kcore");
  expect(s.linux.readonlyPaths).toContain("/proc/sys");
  expect(s.linux.devices).toBeUndefined();
  expect((s.linux.seccomp!.syscalls as unknown[]).length).toBeGreaterThan(10);
});

test("what the builder writes is a config the runtime reads, seccomp filter included", () => {
  for (const o of [{}, { privileged: true }, { tty: true, init: true, readOnly: true, user: "www", ulimits: [{ name: "nofile", soft: 10, hard: 20 }] }, { capAdd: ["ALL"], devices: [{ pathOnHost: "/dev/fuse", pathInContainer: "/dev/fuse", permissions: "rwm" }] }] as ContainerOptions[]) {
    const s = build(o);
    const parsed = checkRuntimeConfig(JSON.parse(JSON.stringify(s)));
    expect(parsed.process!.args).toEqual(s.process.args);
    if (s.linux.seccomp) expect(compileSeccomp(s.linux.seccomp, { arch: "x86_64" }).instructions).toBeGreaterThan(100);
  }
});

test("environment: PATH and HOSTNAME first, replaced in place; TERM with a tty; -e after the image's", () => {
  expect(build({ env: ["Y=3", "X=2", "PATH=/usr/bin", "HOSTNAME=h2"], tty: true }).process.env).toEqual(["PATH=/usr/bin", "HOSTNAME=h2", "TERM=xterm", "Y=3", "X=2"]);
  expect(build({}, {}, { Env: [] }).process.env).toEqual([DEFAULT_PATH, "HOSTNAME=e89892a49001"]);
  // -e first, then the image's others; a name without "=" unsets it
  expect(containerEnv(["PATH=/bin", "A=1", "X=1"], ["Y=3", "A=2", "X"], "h", false)).toEqual(["PATH=/bin", "HOSTNAME=h", "Y=3", "A=2"]);
  expect(containerEnv([], ["HOSTNAME"], "h", true)).toEqual([DEFAULT_PATH, "TERM=xterm"]);
});

test("entrypoint, cmd, -w and --init", () => {
  expect(build({ entrypoint: ["/bin/echo"] }, {}, { Entrypoint: ["/bin/sh", "-c"], Cmd: ["echo hi"] }).process.args).toEqual(["/bin/echo"]);
  expect(build({ entrypoint: [], cmd: ["ls"] }, {}, { Entrypoint: ["/bin/sh", "-c"] }).process.args).toEqual(["ls"]);
  expect(build({ workingDir: "/new/dir" }).process.cwd).toBe("/new/dir");
  expect(build({}, {}, { WorkingDir: "/etc" }).process.cwd).toBe("/etc");
  const init = build({ init: true, cmd: ["x"] });
  expect(init.process.args).toEqual(["/sbin/docker-init", "--", "x"]);
  expect(init.mounts.find((m) => m.destination === "/sbin/docker-init")).toEqual({ destination: "/sbin/docker-init", type: "bind", source: "/usr/lib/skiff/skiff-init", options: ["bind", "ro"] });
});

test("-u: ids from the image's files, the primary group listed first; another user keeps only the bounding set", () => {
  const www = build({ user: "www" }).process;
  expect(www.user).toEqual({ uid: 33, gid: 33, additionalGids: [33, 50] });
  expect(www.capabilities.effective).toEqual([]);
  expect(www.capabilities.bounding).toEqual([...DEFAULT_CAPABILITIES]);
  expect(build({ user: "www:staff" }).process.user).toEqual({ uid: 33, gid: 50, additionalGids: [50] });
  expect(build({ user: "1000:1000" }).process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [1000] });
  expect(build({ user: "0:50" }).process.user).toEqual({ uid: 0, gid: 50, additionalGids: [50] });
});

test("--hostname, --network host and none, cgroup v2", () => {
  expect(build({ hostname: "myhost" }).hostname).toBe("myhost");
  expect(build({ hostname: "myhost" }).process.env).toContain("HOSTNAME=myhost");
  const h = build({ network: "host" });
  expect(h.hostname).toBe("vm");
  expect(h.linux.namespaces.map((n) => n.type)).toEqual(["mount", "uts", "pid", "ipc"]);
  expect(h.linux.sysctl).toBeUndefined();
  expect(build({ network: "none" }).linux.namespaces.map((n) => n.type)).toContain("network");
  expect(build({}, { cgroupVersion: 2 }).linux.namespaces.map((n) => n.type)).toEqual(["mount", "network", "uts", "pid", "ipc", "cgroup"]);
});

test("IPv6 is off on the interfaces of a network (docker 26.0.2+), lo keeps it; no network sysctl for a namespace not the container's own", () => {
  const NET4 = { "net.ipv4.ip_unprivileged_port_start": "0", "net.ipv4.ping_group_range": "0 2147483647" };
  const off = { ...NET4, "net.ipv6.conf.default.disable_ipv6": "1" };
  for (const network of [undefined, "bridge", "mynet"]) expect(build({ network }).linux.sysctl).toEqual(off);
  // (`all` would take ::1 from lo as well)
  expect(Object.keys(build().linux.sysctl!).filter((k) => k.startsWith("net.ipv6.conf.all."))).toEqual([]);
  // no interface comes with none; a kernel without IPv6 has no such sysctl to write
  expect(build({ network: "none" }).linux.sysctl).toEqual(NET4);
  expect(build({}, { ipv6: false }).linux.sysctl).toEqual(NET4);
  // the host's namespace, or a joined container's, is not this container's to set (dockerd: IsPrivate)
  expect(build({ network: "host" }).linux.sysctl).toBeUndefined();
  const joined = build({ network: `container:${"a".repeat(64)}` });
  expect(joined.linux.sysctl).toBeUndefined();
  expect(joined.linux.namespaces.map((n) => n.type)).toContain("network"); // (its path is set at each start)
});

test("--domainname: the kernel.domainname sysctl, as dockerd writes it, with any network", () => {
  expect(build({ hostname: "myhost", domainname: "example.org" }).linux.sysctl).toMatchObject({ "kernel.domainname": "example.org" });
  expect(build({ domainname: "example.org", network: "host" }).linux.sysctl).toEqual({ "kernel.domainname": "example.org" });
  expect(Object.keys(build().linux.sysctl!)).not.toContain("kernel.domainname");
});

test("--privileged: every capability, every host device, no masks, no seccomp, /sys writable", () => {
  const s = build({ privileged: true, seccomp: { mode: "profile", profile: "{}" } });
  expect(s.process.capabilities.bounding).toHaveLength(41);
  expect(s.linux.devices).toEqual([fuse]);
  expect(s.linux.resources.devices).toEqual([{ allow: true, access: "rwm" }]);
  expect(s.linux.maskedPaths).toBeUndefined();
  expect(s.linux.readonlyPaths).toBeUndefined();
  expect(s.linux.seccomp).toBeUndefined();
  expect(s.mounts.find((m) => m.destination === "/sys")!.options).not.toContain("ro");
});

test("--security-opt: no-new-privileges, seccomp=unconfined, seccomp=FILE; --cap-add SYS_ADMIN opens mount", () => {
  expect(build({ noNewPrivileges: true }).process.noNewPrivileges).toBe(true);
  expect(build().process.noNewPrivileges).toBeUndefined();
  expect(build({ seccomp: { mode: "unconfined" } }).linux.seccomp).toBeUndefined();
  expect(build({ seccomp: { mode: "profile", profile: '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}' } }).linux.seccomp).toEqual({
    defaultAction: "SCMP_ACT_ALLOW",
    architectures: [],
    syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }],
  });
  const names = (o: ContainerOptions) => (build(o).linux.seccomp!.syscalls as { names: string[] }[]).flatMap((r) => r.names);
  expect(names({})).not.toContain("mount");
  expect(names({ capAdd: ["SYS_ADMIN"] })).toContain("mount");
  // a user other than root is filtered by its bounding set, as dockerd does
  expect(names({ capAdd: ["SYS_PTRACE"], user: "www" })).toContain("kcmp");
});

test("--read-only, --device, resources and ulimits reach the config", () => {
  const s = build({ readOnly: true, devices: [{ pathOnHost: "/dev/fuse", pathInContainer: "/dev/f2", permissions: "rw" }], memory: 64 << 20, nanoCpus: 1.5e9, pidsLimit: 100, ulimits: [{ name: "nproc", soft: 50, hard: 50 }] });
  expect(s.root.readonly).toBe(true);
  expect(s.linux.devices).toEqual([{ ...fuse, path: "/dev/f2" }]);
  expect(s.linux.resources.devices.at(-1)).toEqual({ allow: true, type: "c", major: 10, minor: 229, access: "rw" });
  expect(s.linux.resources.memory).toEqual({ limit: 64 << 20, swap: 128 << 20, disableOOMKiller: false });
  expect(s.linux.resources.cpu).toEqual({ shares: 0, quota: 150000, period: 100000 });
  expect(s.linux.resources.pids).toEqual({ limit: 100 });
  expect(s.process.rlimits).toEqual([{ type: "RLIMIT_NPROC", hard: 50, soft: 50 }]);
});

const error = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return `${(e as SkiffError).code}: ${(e as SkiffError).message}`;
  }
  return "no error";
};

test("bad options are refused before anything is made", () => {
  expect(error(() => build({ user: "nobody" }))).toBe('ENGINE_USER_NOT_FOUND: resolve user "nobody": no matching entry in the image\'s /etc/passwd');
  expect(error(() => build({ init: true }, { initPath: undefined }))).toBe("ENGINE_NO_INIT: --init: no init binary is configured");
  expect(error(() => build({ workingDir: "rel" }))).toBe('ENGINE_INVALID_WORKDIR: -w "rel": the working directory must be absolute');
  expect(error(() => build({ devices: [{ pathOnHost: "/dev/nope", pathInContainer: "/dev/nope", permissions: "rwm" }] }))).toBe('ENGINE_DEVICE_NOT_FOUND: error gathering device information while adding custom device "/dev/nope": no such file or directory');
  expect(error(() => build({ seccomp: { mode: "profile", profile: "[]" } }))).toBe("ENGINE_SECCOMP_INVALID: read --security-opt seccomp: profile must be an object, got []");
  expect(error(() => build({}, {}, { Cmd: undefined }))).toStartWith("ENGINE_NO_COMMAND: ");
});

test("bind propagation: the bind's mode in place of rprivate; a shared bind makes the root shared, a slave one rslave; none leaves the default", () => {
  const s = build({ binds: [{ source: "/a", destination: "/a", readOnly: false, propagation: "rshared" }, { source: "/b", destination: "/b", readOnly: true, propagation: "rslave" }, { source: "/c", destination: "/c", readOnly: false }] });
  const opts = (d: string) => s.mounts.find((m) => m.destination === d)?.options;
  expect([opts("/a"), opts("/b"), opts("/c")]).toEqual([["rbind", "rshared"], ["rbind", "ro", "rslave"], ["rbind", "rprivate"]]);
  expect(s.linux.rootfsPropagation).toBe("shared");
  expect(build({ binds: [{ source: "/b", destination: "/b", readOnly: false, propagation: "slave" }] }).linux.rootfsPropagation).toBe("rslave");
  expect(build({ binds: [{ source: "/c", destination: "/c", readOnly: false }] }).linux.rootfsPropagation).toBeUndefined();
});
