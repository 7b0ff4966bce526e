// Configs as tools build them: runc's default spec (what `skiff-oci spec` and `runc spec` write),
// then, drawn by fast-check, the things tools add: namespaces new, joined by path or left out; a
// root propagation; rlimits; capability sets; masked and read-only paths; devices; cgroup
// resources; a seccomp profile; hooks; user and groups; hostname, env, cwd. A draw is a Recipe:
// plain data, printed when a config fails, which recipe-config.ts turns into a config.json for a
// bundle whose namespace holders, rootfs and hook log the runner provides.
import fc from "fast-check";
import type { HostFacts } from "./host-facts.ts";

export const NS_TYPES = ["pid", "network", "ipc", "uts", "mount", "cgroup", "user", "time"] as const;
export type NsType = (typeof NS_TYPES)[number];
/** The namespaces runc's default spec gives a new one of; the others it leaves out. */
const SPEC_NAMESPACES: NsType[] = ["pid", "network", "ipc", "uts", "mount"];

export const HOOK_KINDS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

/** Every capability of Linux 5.9 and later, written here (not taken from the runtime's table). */
const CAPS = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
  "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
];

export interface CapSets {
  bounding: string[];
  effective: string[];
  permitted: string[];
  inheritable?: string[];
  ambient?: string[];
}

export interface SeccompRecipe {
  /** docker-default and the errno-* fixtures: an errno default with an allow list; deny-list: allow
   * by default, `names` answer an errno. */
  base: "docker-default" | "errno-2018" | "errno-2020" | "deny-list";
  /** Taken out of the allow rules (or, for deny-list, the calls denied). */
  names: string[];
  defaultErrnoRet?: number;
  flags?: string[];
}

/** A limit value too big for a JSON number: written into config.json as Go tools write it. */
export const RLIM_INFINITY = "RLIM_INFINITY" as const;
export type Rlimit = { type: string; soft: number | typeof RLIM_INFINITY; hard: number | typeof RLIM_INFINITY };

/** One generated config, as data. `undefined` keeps the spec's value; `null` removes the field. */
export interface Recipe {
  namespaces: Record<NsType, "new" | "joined" | "absent">;
  /** hostID of the uid and gid maps of a new user namespace (65536 ids from 0). */
  idMapHost: number;
  rootfsPropagation?: string;
  readonlyRoot: boolean;
  user: { uid: number; gid: number; additionalGids?: number[]; umask?: number };
  cwd: string;
  env: string[];
  dropTerm: boolean;
  noNewPrivileges?: boolean | null;
  capabilities?: CapSets | null;
  rlimits?: Rlimit[] | null;
  oomScoreAdj?: number;
  hostname?: string | null;
  domainname?: string;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  devices: Record<string, unknown>[];
  deviceRules?: Record<string, unknown>[] | null;
  resources: Record<string, Record<string, unknown>>;
  sysctl: Record<string, string>;
  seccomp?: SeccompRecipe;
  hooks: Partial<Record<HookKind, { fail: boolean }[]>>;
}

// ---- pieces ----

const weighted = <T>(...pairs: [number, fc.Arbitrary<T>][]) => fc.oneof(...pairs.map(([weight, arbitrary]) => ({ weight, arbitrary })));
const maybe = <T>(arb: fc.Arbitrary<T>, weightOfNone = 1) => weighted<T | undefined>([weightOfNone, fc.constant(undefined)], [1, arb]);
const subset = <T>(items: T[], maxLength = items.length) => fc.subarray(items, { maxLength: Math.min(maxLength, items.length) });

function namespaceChoice(type: NsType): fc.Arbitrary<"new" | "joined" | "absent"> {
  const usual = SPEC_NAMESPACES.includes(type) ? "new" : "absent";
  return weighted([6, fc.constant(usual)], [1, fc.constantFrom("new", "joined", "absent")]);
}

function capSets(host: HostFacts): fc.Arbitrary<CapSets | null | undefined> {
  // the caps the runtime holds: asking for another fails under every runtime
  const held = CAPS.filter((_, i) => (host.heldCaps >> BigInt(i)) & 1n);
  return weighted<CapSets | null | undefined>(
  [4, fc.constant(undefined)],
  [1, fc.constant(null)],
  // docker's way: the same list in bounding, effective and permitted
  [3, subset(held).map((s) => ({ bounding: s, effective: s, permitted: s }))],
  // consistent sets: permitted and inheritable within bounding (capset refuses an inheritable
  // cap outside it), effective within permitted, ambient within both
  [3, subset(held).chain((bounding) => fc.tuple(subset(bounding), subset(bounding, 8)).chain(([permitted, inheritable]) => fc.record({
    bounding: fc.constant(bounding), permitted: fc.constant(permitted), effective: subset(permitted), inheritable: fc.constant(inheritable),
    ambient: subset(permitted.filter((c) => inheritable.includes(c)), 4),
  })))],
  // anything: the kernel decides what holds
  [1, fc.record({ bounding: subset(CAPS, 6), effective: subset(CAPS, 6), permitted: subset(CAPS, 6), inheritable: subset(CAPS, 6), ambient: subset(CAPS, 6) })],
  );
}

/** Values each limit may take without starving the probe (busybox sh, ls, awk) or the runtimes. */
const LIMIT_VALUES: Record<string, number[]> = {
  RLIMIT_CPU: [30, 600], RLIMIT_FSIZE: [1 << 20, 1 << 30], RLIMIT_DATA: [2 ** 30, 2 ** 33], RLIMIT_STACK: [1 << 20, 8 << 20, 64 << 20],
  RLIMIT_CORE: [0, 4096, 1 << 20], RLIMIT_RSS: [1 << 20, 2 ** 30], RLIMIT_NPROC: [512, 4096], RLIMIT_NOFILE: [64, 256, 1024, 4096],
  RLIMIT_MEMLOCK: [0, 65536, 8 << 20], RLIMIT_AS: [2 ** 31, 2 ** 33], RLIMIT_LOCKS: [16, 1024], RLIMIT_SIGPENDING: [64, 1024],
  RLIMIT_MSGQUEUE: [0, 8192, 819200], RLIMIT_NICE: [0, 10], RLIMIT_RTPRIO: [0, 1], RLIMIT_RTTIME: [1_000_000, 10_000_000],
};

function rlimit(type: string, hostHard: number | undefined): fc.Arbitrary<Rlimit> {
  const fits = (v: number) => hostHard === undefined || v <= hostHard;
  const hards: (number | typeof RLIM_INFINITY)[] = [...LIMIT_VALUES[type]!.filter(fits), ...(hostHard === undefined ? [RLIM_INFINITY] : [hostHard])];
  const pick = fc.constantFrom(...hards).chain((hard) => {
    const softs = hards.filter((s) => hard === RLIM_INFINITY || (s !== RLIM_INFINITY && s <= hard));
    return fc.constantFrom(...softs).map((soft) => ({ type, soft, hard }));
  });
  // now and then one above this host's hard limit: raising it needs CAP_SYS_RESOURCE (refused)
  if (hostHard === undefined) return pick;
  return weighted([40, pick], [1, fc.constant({ type, soft: hostHard + 1, hard: hostHard + 1 })]);
}

const rlimits = (host: HostFacts): fc.Arbitrary<Rlimit[] | null | undefined> =>
  weighted<Rlimit[] | null | undefined>(
    [3, fc.constant(undefined)],
    [1, fc.constant(null)],
    [4, subset(Object.keys(LIMIT_VALUES), 6).chain((types) => fc.tuple(...types.map((t) => rlimit(t, host.hardLimits[t]))))],
  );

const MASK_POOL = ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/acpi", "/sys/firmware", "/proc/sched_debug", "/proc/scsi", "/etc/group", "/tmp", "/nonexistent", "/proc/sys/kernel/hostname", "/dev/shm", "/proc/sysrq-trigger", "/etc/passwd"];
const READONLY_POOL = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", "/dev/shm", "/tmp", "/etc", "/nonexistent-ro", "/sys/fs", "/dev/mqueue"];
/** The spec's list, a list of its own, or the spec's with more. */
const pathList = (pool: string[]) => weighted<string[] | undefined>([3, fc.constant(undefined)], [1, subset(pool, 5)], [2, subset(pool, 4).map((more) => ["<spec>", ...more])]);

const DEVICES: Record<string, unknown>[] = [
  // (fileMode as podman writes it: st_mode, S_IFCHR included)
  { path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o020666, uid: 0, gid: 0 },
  { path: "/dev/net/tun", type: "c", major: 10, minor: 200, fileMode: 0o620 },
  { path: "/dev/loop-control", type: "c", major: 10, minor: 237 },
  { path: "/dev/disks/loop200", type: "b", major: 7, minor: 200, fileMode: 0o060600, uid: 1000, gid: 1000 },
  { path: "/dev/kmsg", type: "c", major: 1, minor: 11, fileMode: 0o440 },
  { path: "/dev/null", type: "c", major: 1, minor: 3, fileMode: 0o666 },
  { path: "/dev/custom0", type: "c", major: 240, minor: 0 },
  { path: "/dev/unbuffered", type: "u", major: 1, minor: 5, fileMode: 0o644 },
  { path: "/dev/fifo0", type: "p", fileMode: 0o600 },
];
const DEVICE_RULES: Record<string, unknown>[] = [
  { allow: true, type: "c", major: 10, minor: 229, access: "rwm" },
  { allow: true, type: "b", major: 7, access: "r" },
  { allow: true, type: "c", minor: 3, access: "rw" },
  { allow: false, type: "c", major: 1, minor: 3, access: "w" },
  { allow: true, access: "rwm" },
  { allow: true, type: "a", access: "m" },
];
const deviceRules = weighted<Record<string, unknown>[] | null | undefined>([4, fc.constant(undefined)], [1, fc.constant(null)], [3, subset(DEVICE_RULES, 3).map((r) => [{ allow: false, access: "rwm" }, ...r])]);

/** linux.resources within what this host's cgroups offer (files probed, cpus and nodes present). */
function resources(host: HostFacts): fc.Arbitrary<Recipe["resources"]> {
  const has = (file: string) => host.cgroupFiles.has(file);
  const only = <T>(file: string, arb: fc.Arbitrary<T>) => (has(file) ? maybe(arb) : fc.constant(undefined));
  const MiB = 1 << 20;
  const memory = only("memory/memory.limit_in_bytes", fc.constantFrom(64 * MiB, 256 * MiB, 1024 * MiB, -1)).chain((limit) =>
    fc.record({
      limit: fc.constant(limit),
      reservation: only("memory/memory.soft_limit_in_bytes", fc.constantFrom(16 * MiB, 128 * MiB)),
      // runc refuses swap below the limit; with swap accounting only
      swap: limit === undefined || limit < 0 ? fc.constant(undefined) : only("memory/memory.memsw.limit_in_bytes", fc.constantFrom(limit, 2 * limit, -1)),
      swappiness: only("memory/memory.swappiness", fc.constantFrom(0, 10, 60, 100)),
      disableOOMKiller: only("memory/memory.oom_control", fc.boolean()),
    }),
  );
  const cpuList = host.cpus.length > 1 ? [String(host.cpus[0]), `${host.cpus[0]}-${host.cpus.at(-1)}`, host.cpus.join(","), String(host.cpus.at(-1))] : [String(host.cpus[0])];
  const cpu = fc.record({
    shares: only("cpu/cpu.shares", fc.constantFrom(2, 512, 1024, 4096, 262144)),
    // at least a fifth of a cpu: the probe must finish in time
    quota: only("cpu/cpu.cfs_quota_us", fc.constantFrom(-1, 50000, 100000, 200000)),
    period: only("cpu/cpu.cfs_period_us", fc.constantFrom(50000, 100000, 250000)),
    cpus: only("cpuset/cpuset.cpus", fc.constantFrom(...cpuList)),
    mems: only("cpuset/cpuset.mems", fc.constantFrom(...host.mems.map(String))),
  });
  const pids = fc.record({ limit: fc.constantFrom(64, 1024, -1) });
  const disk = host.disk;
  const throttle = (file: string, rates: number[]) => (disk ? only(`blkio/blkio.throttle.${file}`, fc.constantFrom(...rates).map((rate) => [{ ...disk, rate }])) : fc.constant(undefined));
  const blockIO = fc.record({
    throttleReadBpsDevice: throttle("read_bps_device", [1 << 20, 10 << 20]),
    throttleWriteBpsDevice: throttle("write_bps_device", [1 << 20]),
    throttleReadIOPSDevice: throttle("read_iops_device", [100, 1000]),
    throttleWriteIOPSDevice: throttle("write_iops_device", [500]),
  });
  const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return fc
    .record({ memory: maybe(memory), cpu: maybe(cpu), pids: has("pids/pids.max") ? maybe(pids) : fc.constant(undefined), blockIO: maybe(blockIO, 2) })
    .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v && Object.keys(clean(v)).length).map(([k, v]) => [k, clean(v!)])));
}

/** Calls the probe, busybox or a runtime may make late: each taken out of an allow list now and then.
 * Not wait4: a shell that cannot wait lets its children's output interleave with its own as the
 * scheduler likes, and the report would differ from run to run under any runtime (nor dup2, with
 * which busybox's redirections fail and its read loops never end). */
const LATE_CALLS = [
  "close_range", "fcntl", "capset", "capget", "prctl", "setgroups", "setresuid", "setresgid", "setuid", "setgid", "chdir", "fchdir", "umask",
  "getcwd", "close", "newfstatat", "fstat", "statx", "getdents64", "readlinkat", "clone", "clone3", "vfork", "pipe2",
  "rt_sigaction", "rt_sigprocmask", "execve", "execveat", "ioctl", "lseek", "uname", "setrlimit", "prlimit64", "kill", "poll", "ppoll",
  "faccessat", "faccessat2", "access", "getuid", "getgroups", "sendmsg", "recvmsg", "futex", "set_robust_list", "rseq", "personality",
  "sched_getaffinity", "sethostname", "mount", "unshare", "setns", "seccomp", "getppid", "openat2", "sigaltstack", "tgkill",
];
const seccomp: fc.Arbitrary<SeccompRecipe> = fc.record(
  {
    base: fc.constantFrom("docker-default", "errno-2018", "errno-2020", "deny-list"),
    names: weighted([2, fc.constant([] as string[])], [3, subset(LATE_CALLS, 3)]),
    defaultErrnoRet: fc.constantFrom(1, 13, 38),
    flags: fc.constantFrom(["SECCOMP_FILTER_FLAG_LOG"], ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"], []),
  },
  { requiredKeys: ["base", "names"] },
);

const SYSCTLS: Record<string, string> = {
  "net.ipv4.ip_forward": "1", "net.core.somaxconn": "512", "kernel.shm_rmid_forced": "1", "kernel.msgmax": "16384", "fs.mqueue.msg_max": "20",
  "vm.swappiness": "10", "kernel.domainname": "from.sysctl", "kernel.hostname": "from-sysctl",
};

const hookList = weighted<{ fail: boolean }[] | undefined>([5, fc.constant(undefined)], [2, fc.array(fc.record({ fail: weighted([15, fc.constant(false)], [1, fc.constant(true)]) }), { minLength: 1, maxLength: 2 })]);

const ENV_POOL = ["HOME=/home/probe", "EMPTY=", "SPACES=a b  c", "EQUALS=x=y", "LANG=C.UTF-8", "DUP=1", "DUP=2", "TERM=dumb", "PATH=/bin", "UNICODE=é日本"];

/** The namespace each sysctl lives in (runc and the kernel refuse it without one of the
 * container's own); vm.* lives in none. */
const SYSCTL_NAMESPACE = (key: string): NsType | undefined =>
  key.startsWith("net.") ? "network" : /^kernel\.(domainname|hostname)$/.test(key) ? "uts" : key.startsWith("kernel.") || key.startsWith("fs.mqueue.") ? "ipc" : undefined;

export function recipeArbitrary(host: HostFacts): fc.Arbitrary<Recipe> {
  const namespaces = fc.record(Object.fromEntries(NS_TYPES.map((t) => [t, namespaceChoice(t)])) as Record<NsType, fc.Arbitrary<"new" | "joined" | "absent">>);
  // Tools fit what they add to the namespaces they chose (no hostname without a uts namespace, a
  // net.* sysctl only with a network namespace, root alone in a joined user namespace that maps
  // only root); now and then they do not, and both runtimes must refuse the same.
  return namespaces.chain((ns) => {
    const has = (t: NsType | undefined) => t !== undefined && ns[t] !== "absent";
    const fitting = Object.keys(SYSCTLS).filter((k) => has(SYSCTL_NAMESPACE(k)));
    const sysctlKeys = weighted([8, subset(fitting, 2)], [1, subset(Object.keys(SYSCTLS), 2)]);
    const anyHostname = weighted<string | null | undefined>([4, fc.constant(undefined)], [1, fc.constant(null)], [2, fc.constantFrom("gen-host", "", "h".repeat(64), "h".repeat(65))]);
    const ids = ns.user === "joined" ? [0] : [0, 0, 1000, 65534, 4242];
    const gids = ns.user === "joined" ? [0] : [0, 1000, 65534, 100];
    return fc
      .record(
        {
          idMapHost: fc.constantFrom(0, 100000),
          rootfsPropagation: maybe(fc.constantFrom("shared", "rshared", "slave", "rslave", "private", "rprivate", "unbindable", "runbindable"), 4),
          readonlyRoot: fc.boolean(),
          user: fc.record(
            // (now and then (uid_t)-1, which both must refuse: it would leave the process root)
            { uid: ns.user === "joined" ? fc.constantFrom(...ids) : weighted([15, fc.constantFrom(...ids)], [1, fc.constant(2 ** 32 - 1)]), gid: fc.constantFrom(...gids), additionalGids: ns.user === "joined" ? fc.constant([] as number[]) : subset([10, 20, 1001, 65534]), umask: fc.constantFrom(0, 0o22, 0o27, 0o77) },
            { requiredKeys: ["uid", "gid"] },
          ),
          cwd: weighted([6, fc.constant("/")], [3, fc.constantFrom("/tmp", "/etc", "/bin")], [1, fc.constantFrom("/new/dir", "/etc/passwd")]),
          env: subset(ENV_POOL, 4),
          dropTerm: fc.boolean(),
          noNewPrivileges: weighted<boolean | null | undefined>([3, fc.constant(undefined)], [2, fc.constant(false)], [1, fc.constant(null)]),
          capabilities: capSets(host),
          rlimits: rlimits(host),
          // lowering it below the runtime's own needs CAP_SYS_RESOURCE, which root lacks here
          oomScoreAdj: maybe(weighted([6, fc.constantFrom(0, 100, 500, 1000)], [1, fc.constantFrom(-1000, -500)]), 3),
          hostname: has("uts") ? anyHostname : weighted([6, fc.constant(null)], [1, anyHostname]),
          domainname: maybe(fc.constantFrom("gen.example", ""), 4),
          maskedPaths: pathList(MASK_POOL),
          readonlyPaths: pathList(READONLY_POOL),
          devices: weighted([2, fc.constant([] as Record<string, unknown>[])], [1, subset(DEVICES, 3)]),
          deviceRules,
          resources: weighted([1, fc.constant({})], [2, resources(host)]),
          sysctl: weighted([3, fc.constant([] as string[])], [1, sysctlKeys]).map((keys) => Object.fromEntries(keys.map((k) => [k, SYSCTLS[k]!]))),
          seccomp: maybe(seccomp, 2),
          hooks: fc.record(Object.fromEntries(HOOK_KINDS.map((k) => [k, hookList])) as Record<HookKind, typeof hookList>, { requiredKeys: [] }),
        },
        { requiredKeys: ["idMapHost", "readonlyRoot", "user", "cwd", "env", "dropTerm", "devices", "resources", "sysctl", "hooks"] },
      )
      .map((rest) => ({ namespaces: ns, ...rest }));
  });
}

/** The recipe a seed gives: each config has a seed of its own, so one can be rerun alone. */
export const recipeForSeed = (host: HostFacts, seed: number): Recipe => fc.sample(fc.noBias(recipeArbitrary(host)), { seed, numRuns: 1 })[0]!;

/** The seed after `seed` in a run (a 32-bit mix, so that neighbouring seeds draw unlike configs). */
export function nextSeed(seed: number): number {
  let x = (seed ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
