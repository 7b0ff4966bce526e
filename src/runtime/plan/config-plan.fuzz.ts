// Properties of config.json → launch plan for fast-check: a short seeded run in
// config-plan-fuzz.test.ts, a long one in scripts/fuzz.ts. Test code only.
//
// - anyConfig: a config.json text (runc's default spec with some fields replaced by hostile
//   strings, huge or negative numbers, wrong types, or plausible entries with odd values) is read,
//   checked and turned into create and exec plans, which are encoded; every step either succeeds
//   or throws a SkiffError of the runtime layer with a hint. Never a TypeError, RangeError or the
//   plan encoder's own Error (those mean a check is missing before the plan is built).
// - anyText: the same for any text (random JSON, strings, the default spec with bytes changed).
// - goodConfig: configs as tools write them (the same mutations, valid values only) always give
//   a plan that ends with exec and encodes.
import fc from "fast-check";
import { isSkiffError } from "../../common/errors.ts";
import { parseRuntimeConfig } from "../../oci/runtime-config.ts";
import { validProfile } from "../seccomp/profile-bpf.fuzz.ts";
import { defaultSpec } from "../spec-default.ts";
import { buildCreatePlan } from "./build.ts";
import { buildExecPlan } from "./build-exec.ts";
import { encodePlan } from "./encode.ts";
import { checkConfigStrings } from "./plan-strings.ts";
import { seccompFilter } from "./seccomp-filter.ts";

const HOST = { lastCap: 40, apparmor: false, selinux: false, rootless: false, stackLimit: 8 * 1024 * 1024, pageSize: 4096 };

// ---- values ----

const hostileString = fc.oneof(
  fc.constantFrom("", "/", "..", "../../etc/passwd", "/proc/self/fd/0", "a\0b", "\0", "x".repeat(5000), "/dev/../../x", "é日本\u{1F600}", " ", "\n", "-1", "0x10", "1e3", "/a b/c"),
  fc.string({ maxLength: 20 }),
  fc.string({ maxLength: 8, unit: "binary" }),
);
const hostileNumber = fc.oneof(
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53, 2 ** 63, 2 ** 64, -(2 ** 63), 1e308, -1e308, 0.5, 65535, 65536, 0o7777, 0o10000),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const anyValue = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null), fc.anything({ maxDepth: 2 }));
const absPath = fc.oneof(fc.constantFrom("/", "/data", "/proc", "/sys", "/dev/null", "/tmp/x", "/a/../b", "//x//y/", "/dev/pts/ptmx"), hostileString.map((s) => `/${s}`));
const u32 = fc.oneof(fc.constantFrom(0, 1, 1000, 65534, 2 ** 32 - 1), fc.nat({ max: 2 ** 32 - 1 }));
/** A uid or gid a process may take: up to 2^31 - 1, as runc ((uid_t)-1 would mean "unchanged"). */
const processId = fc.oneof(fc.constantFrom(0, 1, 1000, 65534, 2 ** 31 - 1), fc.nat({ max: 2 ** 31 - 1 }));

// ---- plausible entries ----

const MOUNT_TYPES = ["bind", "tmpfs", "proc", "sysfs", "mqueue", "devpts", "cgroup", "cgroup2", "none", "overlay", "x"];
const MOUNT_OPTIONS = ["rbind", "bind", "ro", "rw", "nosuid", "nodev", "noexec", "rro", "rnoexec", "private", "rshared", "rslave", "runbindable", "mode=755", "size=1m", "uid=0", "strictatime", "nofollow", "x-foo", "idmap", "tmpcopyup"];
const mount = fc.record(
  {
    destination: fc.oneof(absPath, hostileString),
    type: fc.oneof(fc.constantFrom(...MOUNT_TYPES), hostileString),
    source: fc.oneof(fc.constantFrom("/tmp", "/etc/hostname", "/nonexistent", "proc", "tmpfs", "relative"), hostileString),
    options: fc.array(fc.oneof(fc.constantFrom(...MOUNT_OPTIONS), hostileString), { maxLength: 5 }),
    uidMappings: fc.constantFrom(undefined, [], [{ containerID: 0, hostID: 1000, size: 1 }]),
  },
  { requiredKeys: ["destination"] },
);
const NS_TYPES = ["pid", "network", "ipc", "uts", "mount", "user", "cgroup", "time", "cpu"];
const namespaces = fc.array(fc.record({ type: fc.oneof(fc.constantFrom(...NS_TYPES), hostileString), path: fc.option(fc.oneof(absPath, fc.constantFrom("/proc/1/ns/net")), { nil: undefined }) }, { requiredKeys: ["type"] }), { maxLength: 9 });
const idMaps = fc.array(fc.record({ containerID: u32, hostID: u32, size: fc.oneof(u32, fc.constant(0)) }), { maxLength: 3 });
const rlimit = fc.record({ type: fc.oneof(fc.constantFrom("RLIMIT_NOFILE", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_NPROC", "RLIMIT_FOO"), hostileString), soft: hostileNumber, hard: hostileNumber });
const CAPS = ["CAP_SYS_ADMIN", "CAP_KILL", "CAP_NET_RAW", "CAP_CHOWN", "CAP_BPF", "CAP_CHECKPOINT_RESTORE", "CAP_LAST", "cap_kill", "SYS_ADMIN"];
const capList = fc.array(fc.oneof(fc.constantFrom(...CAPS), hostileString), { maxLength: 4 });
const hook = fc.record({ path: fc.oneof(absPath, hostileString), args: fc.array(hostileString, { maxLength: 3 }), env: fc.array(hostileString, { maxLength: 2 }), timeout: fc.option(hostileNumber, { nil: undefined }) }, { requiredKeys: ["path"] });
const device = fc.record({ type: fc.constantFrom("c", "b", "u", "p", "x"), path: fc.oneof(absPath, hostileString), major: hostileNumber, minor: hostileNumber, fileMode: fc.option(hostileNumber, { nil: undefined }), uid: fc.option(u32, { nil: undefined }), gid: fc.option(u32, { nil: undefined }) });
const sysctl = fc.dictionary(fc.oneof(fc.constantFrom("net.ipv4.ip_forward", "kernel.shmmax", "kernel.hostname", "fs.mqueue.msg_max", "vm.swappiness"), hostileString), hostileString, { maxKeys: 3 });

/** A change to the default spec: a field path and what to put there. */
type Mutation = [path: string, value: unknown];

const plausible: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constant("process.args"), fc.array(hostileString, { minLength: 1, maxLength: 4 })),
  fc.tuple(fc.constant("process.env"), fc.array(fc.oneof(hostileString, fc.constantFrom("PATH=", "HOME=/x", "PATH=/bin:/usr/bin", "A=B=C")), { maxLength: 4 })),
  fc.tuple(fc.constant("process.cwd"), fc.oneof(absPath, hostileString)),
  fc.tuple(fc.constant("process.user"), fc.record({ uid: u32, gid: u32, umask: fc.option(hostileNumber, { nil: undefined }), additionalGids: fc.array(u32, { maxLength: 3 }) })),
  fc.tuple(fc.constant("process.rlimits"), fc.array(rlimit, { maxLength: 3 })),
  fc.tuple(fc.constant("process.capabilities"), fc.record({ bounding: capList, effective: capList, permitted: capList, inheritable: capList, ambient: capList }, { requiredKeys: [] })),
  fc.tuple(fc.constant("process.consoleSize"), fc.record({ height: hostileNumber, width: hostileNumber })),
  fc.tuple(fc.constant("process.terminal"), fc.boolean()),
  fc.tuple(fc.constant("process.noNewPrivileges"), fc.boolean()),
  fc.tuple(fc.constant("process.oomScoreAdj"), hostileNumber),
  fc.tuple(fc.constant("hostname"), hostileString),
  fc.tuple(fc.constant("domainname"), hostileString),
  fc.tuple(fc.constant("root.readonly"), fc.boolean()),
  fc.tuple(fc.constant("mounts"), fc.array(mount, { maxLength: 4 })),
  fc.tuple(fc.constant("linux.namespaces"), namespaces),
  fc.tuple(fc.constant("linux.uidMappings"), idMaps),
  fc.tuple(fc.constant("linux.gidMappings"), idMaps),
  fc.tuple(fc.constant("linux.devices"), fc.array(device, { maxLength: 3 })),
  fc.tuple(fc.constant("linux.sysctl"), sysctl),
  fc.tuple(fc.constant("linux.maskedPaths"), fc.array(fc.oneof(absPath, hostileString), { maxLength: 3 })),
  fc.tuple(fc.constant("linux.readonlyPaths"), fc.array(fc.oneof(absPath, hostileString), { maxLength: 3 })),
  fc.tuple(fc.constant("linux.rootfsPropagation"), fc.oneof(fc.constantFrom("shared", "rslave", "private", "unbindable", "rshared"), hostileString)),
  fc.tuple(fc.constant("linux.personality"), fc.record({ domain: fc.constantFrom("LINUX", "LINUX32", "BSD"), flags: fc.array(hostileString, { maxLength: 2 }) })),
  fc.tuple(fc.constant("linux.seccomp"), validProfile),
  fc.tuple(fc.constantFrom("hooks.createContainer", "hooks.startContainer", "hooks.prestart", "hooks.poststop"), fc.array(hook, { maxLength: 2 })),
);
const FIELDS = ["ociVersion", "process", "process.args", "process.args.0", "process.env", "process.user", "process.user.uid", "process.cwd", "process.capabilities", "process.rlimits", "root", "root.path", "hostname", "mounts", "mounts.0", "mounts.0.options", "linux", "linux.namespaces", "linux.namespaces.0", "linux.uidMappings", "linux.sysctl", "linux.seccomp", "linux.devices", "hooks", "hooks.startContainer", "annotations"];
const wrongType: fc.Arbitrary<Mutation> = fc.tuple(fc.constantFrom(...FIELDS), anyValue);

function set(target: Record<string, any>, path: string, value: unknown): void {
  const keys = path.split(".");
  let o = target;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== "object" || o[k] === null) o[k] = {};
    o = o[k];
  }
  o[keys.at(-1)!] = value;
}

const changes = (mutation: fc.Arbitrary<Mutation>) => fc.array(mutation, { minLength: 1, maxLength: 5 });

/** The default spec with the changes applied, as config.json text. */
export function configText(list: Mutation[]): string {
  const c = defaultSpec() as Record<string, any>;
  c.process.terminal = false;
  c.root.path = "/tmp";
  for (const [path, value] of list) set(c, path, value);
  return JSON.stringify(c, (_, v) => (typeof v === "bigint" ? Number(v) : v));
}

/** Reads, checks, plans and encodes as create and exec do; returns the create plan's last op. */
function plan(text: string): string {
  const config = parseRuntimeConfig(text);
  checkConfigStrings(config);
  const seccomp = seccompFilter(config.linux.seccomp);
  const steps = buildCreatePlan({
    config, bundle: "/b", rootfs: "/tmp", fifoPath: "/run/x/exec.fifo", preserveFds: 0, noPivot: false, foreground: true,
    cgroupProcs: ["/sys/fs/cgroup/pids/x/cgroup.procs"], cgroup: { hierarchies: [], cgroupns: false }, home: "/root", seccomp, host: HOST,
  });
  encodePlan(steps);
  if (config.process)
    encodePlan(buildExecPlan({ proc: config.process, config, initPid: 1, cgroupProcs: [], preserveFds: 0, foreground: true, home: "/root", host: HOST, seccomp }));
  return steps.at(-1)!.op;
}

const anyConfig = () =>
  fc.property(changes(fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 1, arbitrary: wrongType })), (list) => {
    try {
      plan(configText(list));
    } catch (e) {
      if (!isSkiffError(e) || e.layer !== "runtime" || !e.hint) throw e;
    }
  });

// Whole texts: random JSON, random strings, the default spec with bytes changed.
const anyText = () =>
  fc.property(
    fc.oneof(
      fc.json({ maxDepth: 8 }),
      fc.string({ maxLength: 200 }),
      fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 4 })).map(([at, s]) => {
        const text = configText([]);
        const i = at % text.length;
        return text.slice(0, i) + s + text.slice(i + s.length);
      }),
    ),
    (text) => {
      try {
        plan(text);
      } catch (e) {
        if (!isSkiffError(e) || e.layer !== "runtime" || !e.hint) throw e;
      }
    },
  );

// Valid values only: each must give a plan.
const goodMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constant("process.args"), fc.array(fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !s.includes("\0")), { minLength: 1, maxLength: 4 })),
  // NAME=VALUE (one without "=" is refused, as runc's init refuses it)
  fc.tuple(fc.constant("process.env"), fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 18 })).map(([k, v]) => `${k}=${v}`).filter((s) => !s.includes("\0")), { maxLength: 4 })),
  fc.tuple(fc.constant("process.user"), fc.record({ uid: processId, gid: processId, additionalGids: fc.array(processId, { maxLength: 3 }) })),
  fc.tuple(fc.constant("process.rlimits"), fc.array(fc.record({ type: fc.constantFrom("RLIMIT_NOFILE", "RLIMIT_STACK", "RLIMIT_CORE"), soft: fc.nat({ max: 2 ** 40 }), hard: fc.constant(2 ** 41) }), { maxLength: 3 })),
  fc.tuple(fc.constant("process.noNewPrivileges"), fc.boolean()),
  fc.tuple(fc.constant("hostname"), fc.string({ maxLength: 64 }).filter((s) => !s.includes("\0"))),
  fc.tuple(fc.constant("mounts"), fc.array(fc.record({ destination: fc.constantFrom("/data", "/x/y", "/proc2"), type: fc.constantFrom("tmpfs", "proc", "sysfs", "mqueue"), source: fc.constant("none"), options: fc.subarray(["nosuid", "nodev", "ro", "mode=700"]) }), { maxLength: 3 })),
  fc.tuple(fc.constant("linux.seccomp"), validProfile),
  fc.tuple(fc.constant("linux.maskedPaths"), fc.array(fc.constantFrom("/proc/kcore", "/x", "/a b"), { maxLength: 3 })),
  fc.tuple(fc.constant("hooks.startContainer"), fc.array(fc.record({ path: fc.constantFrom("/bin/true", "/hook"), timeout: fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }) }), { maxLength: 2 })),
);

const goodConfig = () =>
  fc.property(changes(goodMutation), (list) => {
    try {
      if (plan(configText(list)) !== "exec") throw new Error("the plan does not end with exec");
    } catch (e) {
      // Only a filter over the kernel's size may refuse a valid config.
      if (!(isSkiffError(e) && e.code === "RUNTIME_SECCOMP_TOO_LARGE")) throw e;
    }
  });

export const CONFIG_PROPERTIES: Record<"anyConfig" | "anyText" | "goodConfig", () => fc.IRawProperty<any>> = { anyConfig, anyText, goodConfig };
