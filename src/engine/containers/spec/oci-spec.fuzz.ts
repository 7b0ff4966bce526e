// Properties of the container spec builder for fast-check: a short seeded run in
// oci-spec-fuzz.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - anyOptions: whatever the options (hostile strings and numbers in every field), the builder
//   either refuses with an engine SkiffError or writes a config the runtime reads
//   (checkRuntimeConfig) whose seccomp filter compiles.
// - tmpfsOnce: merged tmpfs options hold one option of each family and data key, and merging
//   them again changes nothing.
// - envOnce: the environment names each variable once, PATH and HOSTNAME first, and a -e
//   NAME=VALUE is what the container gets for NAME.
import fc from "fast-check";
import { isSkiffError } from "../../../common/errors.ts";
import type { ContainerDefaults } from "../../../oci/image/image-config.ts";
import { checkRuntimeConfig } from "../../../oci/runtime-config.ts";
import { compileSeccomp } from "../../../runtime/seccomp/compile.ts";
import { tmpfsOptions } from "./mounts.ts";
import { buildContainerSpec, containerEnv } from "./oci-spec.ts";
import type { ContainerOptions, SpecHost } from "./options.ts";

const hostileString = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("", "/", "//", "/a/../..", "ALL", "all", "CAP_SYS_ADMIN", "sys_admin", "NET_RAW", "www", "www:staff", "0:0", "nobody", "=", "A=B=C", "size=1m", "ro", "exec,noexec", "__proto__", "constructor", "/dev/fuse", "/dev/null:/x:r", "{}", '{"defaultAction":"SCMP_ACT_ALLOW"}'));
const hostileNumber = fc.oneof(fc.integer(), fc.constantFrom(0, -1, -2, 1, 2 ** 31, 2 ** 53, 2 ** 64, 1e308, 0.5, Number.NaN, 6 * 1024 * 1024, 1e9));
const path = fc.oneof(hostileString, fc.constantFrom("/x", "/a/b", "/dev/shm", "/etc/hosts", "/dev", "/proc"));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });
/** Mostly valid values (so that most runs build a spec), now and then a hostile one. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>) => maybe(fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: hostile }));
const M = 1024 * 1024;
const capName = fc.constantFrom("CHOWN", "net_admin", "CAP_SYS_ADMIN", "SYS_PTRACE", "ALL", "NET_RAW", "KILL", "bpf", "CAP_CHECKPOINT_RESTORE");
const dest = fc.constantFrom("/x", "/a", "/a/b", "/a/b/c", "/run", "/tmp", "/dev/shm", "/etc/hosts", "/etc/resolv.conf", "/dev", "/sys/x", "/data/");
const profile = fc.constantFrom('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}', '{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],"syscalls":[{"name":"read","action":"SCMP_ACT_ALLOW"},{"names":["mount"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]}}]}');

export const anyContainerOptions: fc.Arbitrary<ContainerOptions> = fc.record(
  {
    cmd: mostly(fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 3 }), fc.array(hostileString, { maxLength: 3 })),
    entrypoint: mostly(fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }), fc.array(hostileString, { maxLength: 2 })),
    env: mostly(fc.array(fc.tuple(fc.constantFrom("A", "PATH", "HOSTNAME", "TERM", "X"), fc.string({ maxLength: 5 })).map(([k, v]) => `${k}=${v}`), { maxLength: 4 }), fc.array(hostileString, { maxLength: 4 })),
    workingDir: mostly(fc.constantFrom("/", "/x", "/a/b/"), path),
    user: mostly(fc.constantFrom("", "root", "www", "www:staff", "0:0", "33", "1000:1000", "0:50"), hostileString),
    tty: maybe(fc.boolean()),
    init: maybe(fc.boolean()),
    hostname: mostly(fc.constantFrom("h", "my-host"), hostileString),
    readOnly: maybe(fc.boolean()),
    binds: mostly(fc.uniqueArray(fc.record({ source: fc.constantFrom("/h", "/srv/data"), destination: dest, readOnly: fc.boolean() }), { maxLength: 3, selector: (b) => b.destination.replace(/\/$/, "") }), fc.array(fc.record({ source: path, destination: path, readOnly: fc.boolean() }), { maxLength: 3 })),
    tmpfs: mostly(fc.uniqueArray(fc.record({ destination: fc.constantFrom("/t1", "/t2", "/run/x"), options: fc.array(fc.constantFrom("ro", "exec", "noexec", "size=1m", "mode=1777", "shared", "defaults", "uid=1"), { maxLength: 4 }).map((x) => x.join(",")) }), { maxLength: 2, selector: (t) => t.destination }), fc.array(fc.record({ destination: path, options: hostileString }), { maxLength: 2 })),
    shmSize: mostly(fc.constantFrom(M, 64 * M), hostileNumber),
    memory: mostly(fc.constantFrom(6 * M, 64 * M, 1024 * M), hostileNumber),
    memorySwap: mostly(fc.constantFrom(-1, 2048 * M), hostileNumber),
    nanoCpus: mostly(fc.integer({ min: 10_000_000, max: 64e9 }), hostileNumber),
    cpuShares: mostly(fc.integer({ min: 0, max: 300_000 }), hostileNumber),
    cpusetCpus: mostly(fc.constantFrom("0", "0-1,3"), hostileString),
    pidsLimit: mostly(fc.integer({ min: -1, max: 100_000 }), hostileNumber),
    memoryReservation: mostly(fc.constantFrom(6 * M, 32 * M), hostileNumber),
    cpuQuota: mostly(fc.constantFrom(-1, 1000, 50_000), hostileNumber),
    cpuPeriod: mostly(fc.constantFrom(1000, 100_000, 1_000_000), hostileNumber),
    memorySwappiness: mostly(fc.integer({ min: -1, max: 100 }), hostileNumber),
    oomKillDisable: maybe(fc.boolean()),
    oomScoreAdj: mostly(fc.integer({ min: -1000, max: 1000 }), hostileNumber),
    pidMode: maybe(fc.constant("host" as const)),
    ipcMode: maybe(fc.constant("host" as const)),
    utsMode: maybe(fc.constant("host" as const)),
    sysctls: mostly(fc.dictionary(fc.constantFrom("net.ipv4.ip_forward", "kernel.shmmax", "fs.mqueue.msg_max"), fc.constantFrom("0", "1", "65536")), fc.dictionary(hostileString, hostileString, { maxKeys: 2 })),
    ulimits: mostly(fc.array(fc.tuple(fc.constantFrom("nofile", "nproc", "core", "stack"), fc.integer({ min: -1, max: 1e6 }), fc.integer({ min: 0, max: 1e6 })).map(([name, a, b]) => ({ name, soft: a === -1 ? -1 : Math.min(a, b), hard: a === -1 ? -1 : Math.max(a, b) })), { maxLength: 3 }), fc.array(fc.record({ name: hostileString, soft: hostileNumber, hard: hostileNumber }), { maxLength: 2 })),
    capAdd: mostly(fc.array(capName, { maxLength: 3 }), fc.array(hostileString, { maxLength: 3 })),
    capDrop: mostly(fc.array(capName, { maxLength: 3 }), fc.array(hostileString, { maxLength: 3 })),
    privileged: maybe(fc.boolean()),
    noNewPrivileges: maybe(fc.boolean()),
    seccomp: mostly(fc.oneof(fc.constant({ mode: "default" as const }), fc.constant({ mode: "unconfined" as const }), profile.map((p) => ({ mode: "profile" as const, profile: p }))), hostileString.map((p) => ({ mode: "profile" as const, profile: p }))),
    devices: mostly(fc.array(fc.record({ pathOnHost: fc.constantFrom("/dev/fuse", "/dev/null"), pathInContainer: fc.constantFrom("/dev/fuse", "/dev/null", "/dev/x"), permissions: fc.constantFrom("rwm", "r", "rw", "m") }), { maxLength: 2 }), fc.array(fc.record({ pathOnHost: path, pathInContainer: path, permissions: hostileString }), { maxLength: 2 })),
    network: maybe(fc.constantFrom("none" as const, "host" as const)),
  },
  { requiredKeys: [] },
);

const image: ContainerDefaults = { Env: ["PATH=/bin", "X=1"], Cmd: ["sh"], ExposedPorts: [], Volumes: [], Labels: {} };
const files: Record<string, string> = { "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/sh\n", "/etc/group": "root:x:0:\nwww:x:33:\nstaff:x:50:www\n" };
const host: SpecHost = {
  id: "a".repeat(64),
  rootPath: "/r",
  cgroupParent: "/skiff",
  networkFiles: { resolvConf: "/c/resolv.conf", hostname: "/c/hostname", hosts: "/c/hosts" },
  initPath: "/usr/lib/skiff/init",
  hostHostname: "vm",
  cgroupVersion: 1,
  lastCap: 40,
  arch: "amd64",
  kernelRelease: "6.18.0",
  readImageFile: (p) => files[p],
  devicesAt: (p) => (p === "/dev/fuse" || p === "/dev/null" ? [{ path: p, type: "c", major: 10, minor: 229, fileMode: 0o600, uid: 0, gid: 0 }] : []),
  hostDevices: () => [],
};

export const SPEC_PROPERTIES: Record<"anyOptions" | "tmpfsOnce" | "envOnce", () => fc.IRawProperty<any>> = {
  anyOptions: () =>
    fc.property(anyContainerOptions, (o) => {
      let spec;
      try {
        spec = buildContainerSpec(image, o, host);
      } catch (e) {
        if (isSkiffError(e) && e.layer === "engine" && e.kind === "invalid_argument") return;
        throw e;
      }
      const parsed = checkRuntimeConfig(JSON.parse(JSON.stringify(spec)));
      if (spec.linux.seccomp) compileSeccomp(spec.linux.seccomp, { arch: "x86_64" });
      if (parsed.process!.args.length === 0) throw new Error("no args");
    }),
  tmpfsOnce: () =>
    fc.property(fc.array(fc.constantFrom("ro", "rw", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "shared", "rprivate", "slave", "defaults", "size=1m", "size=2m", "mode=700", "uid=1", "nr_inodes=5", "atime", "noatime"), { maxLength: 8 }), (given) => {
      const once = tmpfsOptions({ destination: "/x", options: given.join(",") });
      const twice = tmpfsOptions({ destination: "/x", options: once.join(",") });
      if (JSON.stringify(once) !== JSON.stringify(twice)) throw new Error(`not stable: ${once} → ${twice}`);
      const keys = once.map((x) => (x.includes("=") ? x.split("=")[0] : x));
      if (new Set(keys).size !== keys.length) throw new Error(`a data key twice: ${once}`);
      for (const [a, b] of [["ro", "rw"], ["exec", "noexec"], ["suid", "nosuid"], ["dev", "nodev"], ["shared", "rprivate"], ["atime", "noatime"]]) if (once.includes(a!) && once.includes(b!)) throw new Error(`${a} and ${b}: ${once}`);
    }),
  envOnce: () =>
    fc.property(fc.array(fc.oneof(fc.constantFrom("A=1", "A=2", "B", "PATH=/x", "HOSTNAME=h", "TERM=t", "C=", "X"), fc.string({ maxLength: 6 })), { maxLength: 6 }), fc.boolean(), (runEnv, tty) => {
      const env = containerEnv(image.Env, runEnv, "host", tty);
      const names = env.map((e) => e.split("=", 1)[0]);
      if (new Set(names).size !== names.length) throw new Error(`a name twice: ${env}`);
      for (const e of runEnv) {
        if (!e.includes("=")) continue;
        const name = e.split("=", 1)[0]!;
        const last = runEnv.filter((x) => x.split("=", 1)[0] === name && x.includes("=")).at(-1);
        // a later "NAME" without "=" unsets it
        const unset = runEnv.lastIndexOf(name) > runEnv.lastIndexOf(last!);
        if (!unset && !env.includes(last!)) throw new Error(`-e ${last} lost: ${env}`);
      }
    }),
};
