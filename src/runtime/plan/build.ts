// config.json → the launch plan for a new container. All policy and defaults live here; the C
// executor performs the steps in order. Pure apart from stat-ing bind mount sources.
import { invalid } from "../../common/errors.ts";
import type { Hook, HookKind, IdMapping, Process, RuntimeConfig } from "../../oci/runtime-config.ts";
import { processSteps, validateProcess, type HostFacts } from "./process-steps.ts";
import type { SeccompFilter } from "./seccomp-filter.ts";
import { devicesSteps } from "./devices.ts";
import { inRoot, mountSteps, type CgroupMountContext } from "./mount-steps.ts";
import { MS, PROPAGATION } from "./mount-options.ts";
import { FORWARDED_SIGNALS, parseSignal } from "../signals.ts";
import { CLONE, planNamespaces } from "./namespaces.ts";
import { step, type Step } from "./step.ts";


export interface PlanInput {
  config: RuntimeConfig;
  bundle: string;
  /** Absolute host path of the rootfs. */
  rootfs: string;
  fifoPath: string;
  consoleSocket?: string;
  preserveFds: number;
  noPivot: boolean;
  /** The launcher stays and exits with the container's status (`run` in the foreground). */
  foreground: boolean;
  /** cgroup.procs files the container joins. */
  cgroupProcs: string[];
  cgroup: CgroupMountContext;
  /** HOME for the process when its env has none (from the rootfs's /etc/passwd). */
  home: string;
  /** linux.seccomp compiled (plan/seccomp-filter.ts), when the config has one. */
  seccomp?: SeccompFilter;
  /** The name of the container's own session keyring (runc's "_ses.ID"); none: the process keeps
   * its caller's (--no-new-keyring). */
  keyring?: string;
  /** cgroup v2 device rules as an eBPF program, attached before the init joins the cgroup. */
  deviceFilter?: { cgroup: string; program: Uint8Array };
  host: HostFacts;
  /** The engine's rootfs as a mount to perform on `rootfs` inside the new mount namespace (an
   * overlay of the image's layers), instead of binding the directory: nothing is mounted on the host. */
  rootfsMount?: RootfsMount;
  /** The engine's: bring lo up in the container's new network namespace (docker users expect 127.0.0.1 to answer). */
  loopbackUp?: boolean;
}

export interface RootfsMount {
  fstype: string;
  source: string;
  data: string;
  /** The directory overlay's relative lowerdir paths start from (see engine snapshots). */
  cwd?: string;
}

const O_RDONLY = 0;
const O_WRONLY = 1;
const O_RDWR = 2;


/** sysctl prefixes that belong to a namespace the container must own (as runc checks). */
const SYSCTL_NAMESPACE: [RegExp, string][] = [
  [/^net\./, "network"],
  [/^(kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)$|fs\.mqueue\.)/, "ipc"],
  [/^kernel\.(hostname|domainname)$/, "uts"],
];

/** Signals a waiting launcher ignores: those the runtime forwards to the container (the
 * launcher shares its process group and must live on to report the exit status), job control,
 * and SIGPIPE. */
export const LAUNCHER_IGNORES = [...FORWARDED_SIGNALS, "TSTP", "TTIN", "TTOU", "PIPE"].map((s) => parseSignal(s));

/** What a readState step receives: which=0 the hooks' state, 1 the seccomp listener's message. */
export const BLOB = { hookState: 0, listenerMessage: 1 } as const;

/** Why the init stops and waits for the runtime (syncRuntime's tag). */
export const SYNC_TAG = { createRuntime: 1 } as const;

export const hookStep = (h: Hook, kind: HookKind): Step =>
  step("runHook", { path: h.path, args: h.args.length ? h.args : [h.path], env: h.env, timeout: h.timeout ?? 0 }, `run ${kind} hook ${h.path}`);

const mapText = (maps: readonly IdMapping[]) => maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");

export function buildCreatePlan(input: PlanInput): Step[] {
  const { config } = input;
  const proc = config.process;
  if (!proc) throw invalid("runtime", "RUNTIME_CONFIG_INVALID", "read config.json: process is missing", "a container needs process.args");
  const ns = planNamespaces(config.linux.namespaces);
  validate(input, proc, ns.isNew, ns.has);

  const steps: Step[] = [];
  let slots = 0;
  const slot = () => slots++;

  // ---- launcher: open in the host's namespaces what the others need ----
  const nsSlots = ns.joined.map((j) => {
    const s = slot();
    steps.push(step("openPath", { slot: s, path: j.path, flags: O_RDONLY }, `open ${j.type} namespace ${j.path}`));
    return { ...j, slot: s };
  });
  const cgroupSlots = input.cgroupProcs.map((path) => {
    const s = slot();
    steps.push(step("openPath", { slot: s, path, flags: O_WRONLY }, `open ${path}`));
    return s;
  });
  const fifo = slot();
  steps.push(step("mkfifo", { path: input.fifoPath, mode: 0o600 }, `create exec fifo ${input.fifoPath}`));
  steps.push(step("openPath", { slot: fifo, path: input.fifoPath, flags: O_RDWR }, `open exec fifo ${input.fifoPath}`));
  let consoleSlot = -1;
  if (proc.terminal && input.consoleSocket) {
    consoleSlot = slot();
    steps.push(step("connectSocket", { slot: consoleSlot, path: input.consoleSocket }, `connect to console socket ${input.consoleSocket}`));
  } else if (proc.terminal) {
    consoleSlot = slot();
    steps.push(step("consolePair", { slot: consoleSlot }, "create the terminal relay's socket pair"));
  }
  const seccomp = input.seccomp;
  let listenerSlot: number | undefined;
  if (seccomp?.listenerPath !== undefined) {
    listenerSlot = slot();
    steps.push(step("connectSocket", { slot: listenerSlot, path: seccomp.listenerPath }, `connect to the seccomp listener socket ${seccomp.listenerPath}`));
  }
  const newUser = ns.isNew("user");
  if (newUser)
    steps.push(step("userMaps", { uidMap: mapText(config.linux.uidMappings), gidMap: mapText(config.linux.gidMappings), setgroups: input.host.rootless ? "deny" : "" }, "write uid_map and gid_map of the user namespace"));
  if (input.deviceFilter)
    steps.push(step("attachDeviceFilter", { cgroup: input.deviceFilter.cgroup, program: input.deviceFilter.program }, `attach the device rules (eBPF) to cgroup ${input.deviceFilter.cgroup}`));
  steps.push(step("spawn", { waitInit: input.foreground ? 1 : 0, ignoreSignals: input.foreground ? LAUNCHER_IGNORES : [] }, "fork the container's intermediate process"));

  // ---- intermediate: cgroup, namespaces ----
  // (before any namespace, as runc sets it: from a new user namespace the file is its owner's, a
  // host uid that need not be mapped there, EACCES; the init inherits it)
  if (proc.oomScoreAdj !== undefined) steps.push(step("writeFile", { path: "/proc/self/oom_score_adj", value: String(proc.oomScoreAdj) }, `set oom_score_adj to ${proc.oomScoreAdj} (process.oomScoreAdj)`));
  for (const s of cgroupSlots) steps.push(step("joinCgroup", { slot: s }, `join cgroup ${input.cgroupProcs[cgroupSlots.indexOf(s)]}`));
  for (const j of nsSlots) steps.push(step("setns", { slot: j.slot, nstype: CLONE[j.type]! }, `join ${j.type} namespace ${j.path}`));
  if (newUser) {
    steps.push(step("unshare", { flags: CLONE.user! }, "create user namespace"));
    steps.push(step("syncUserMaps", {}, "map ids in the user namespace"));
  }
  const others = [...ns.created].filter((t) => t !== "user");
  const flags = others.reduce((f, t) => f | CLONE[t]!, 0);
  if (flags) steps.push(step("unshare", { flags }, `create ${others.join(", ")} namespaces`));
  steps.push(step("forkInit", {}, "fork the container's init"));

  // ---- init: root filesystem ----
  steps.push(step("setsid", {}, "start a new session"));
  if (input.loopbackUp) {
    if (!ns.created.has("network")) throw invalid("runtime", "RUNTIME_CONFIG_INVALID", "create container: the engine's loopback needs a new network namespace", 'add {"type": "network"} to linux.namespaces');
    steps.push(step("loopbackUp", {}, "bring the loopback interface up"));
  }
  const { hooks } = config;
  if (hooks.createContainer?.length || hooks.startContainer?.length) steps.push(step("readState", { which: BLOB.hookState }, "receive the state for the container's hooks"));
  if (listenerSlot !== undefined) steps.push(step("readState", { which: BLOB.listenerMessage }, "receive the message for the seccomp listener"));
  // Without a mount namespace of its own the container mounts in the caller's (runtime-spec: a
  // type not listed is inherited), so the caller's propagation is left alone and chroot stands
  // in for pivot_root, which would move the root of every process there.
  const ownMounts = ns.has("mount");
  const propagation = rootfsPropagation(config.linux.rootfsPropagation);
  if (ownMounts) {
    steps.push(step("mountRootPropagation", { flags: propagation.before }, `set the propagation of the mount namespace's mounts to ${propagation.beforeName}`));
    if (propagation.mayLeaveShared) steps.push(step("privateParentMount", { path: input.rootfs }, `make the mount holding rootfs ${input.rootfs} private if it is shared`));
  }
  const root = slot();
  const rm = input.rootfsMount;
  if (rm && !ownMounts) throw invalid("runtime", "RUNTIME_CONFIG_INVALID", "create container: the engine's rootfs mount needs a mount namespace of the container's own", 'add {"type": "mount"} to linux.namespaces');
  if (rm) steps.push(step("mountRootfs", { slot: root, path: input.rootfs, fstype: rm.fstype, source: rm.source, data: rm.data, cwd: rm.cwd ?? "" }, `mount the ${rm.fstype} rootfs on ${input.rootfs}`));
  else steps.push(step("bindRootfs", { slot: root, path: input.rootfs }, `bind rootfs ${input.rootfs} onto itself`));
  config.mounts.forEach((m, i) => steps.push(...mountSteps(m, i, { root, bundle: input.bundle, cgroup: input.cgroup })));
  const devBound = config.mounts.some((m) => inRoot(m.destination) === "dev" && (m.type === "bind" || m.options.includes("bind") || m.options.includes("rbind")));
  if (!devBound) steps.push(...devicesSteps(config.linux.devices, root, ns.has("user")));
  steps.push(step("mkdir", { root, path: inRoot(proc.cwd) }, `create working directory ${proc.cwd}`));
  if (hooks.prestart?.length || hooks.createRuntime?.length) steps.push(step("syncRuntime", { tag: SYNC_TAG.createRuntime }, "wait for the prestart and createRuntime hooks"));
  for (const h of hooks.createContainer ?? []) steps.push(hookStep(h, "createContainer"));
  if (!ownMounts) steps.push(step("chrootRoot", { slot: root }, `chroot into ${input.rootfs} (no mount namespace)`));
  else if (input.noPivot) steps.push(step("moveRoot", { slot: root }, `move rootfs ${input.rootfs} to / and chroot`));
  else steps.push(step("pivotRoot", { slot: root }, `pivot_root into ${input.rootfs}`));

  // ---- init: inside the new root ----
  // (the runtime-spec's /dev/console for a terminal, as runc binds it: a new-user trial found none)
  if (consoleSlot >= 0) steps.push(step("console", { socketSlot: consoleSlot, rows: proc.consoleSize?.height ?? 0, cols: proc.consoleSize?.width ?? 0, mountConsole: 1 }, "set up the terminal, bind it onto /dev/console and send its master to the console socket"));
  // hostname and domainname before the sysctls, as runc: a kernel.domainname sysctl beside the
  // domainname field wins (kernel.hostname is refused: it has a field of its own)
  if (config.hostname !== undefined && config.hostname !== "") steps.push(step("sethostname", { name: config.hostname }, `set hostname "${config.hostname}"`));
  if (config.domainname) steps.push(step("setdomainname", { name: config.domainname }, `set domainname "${config.domainname}"`));
  for (const [key, value] of Object.entries(config.linux.sysctl)) steps.push(step("writeFile", { path: `/proc/sys/${key.replaceAll(".", "/")}`, value }, `set sysctl ${key}=${value}`));
  for (const path of config.linux.readonlyPaths) steps.push(step("readonlyPath", { path, flags: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.REC }, `make ${path} read-only`));
  for (const path of config.linux.maskedPaths) steps.push(step("maskPath", { path }, `mask ${path}`));
  if (config.root?.readonly) steps.push(step("remount", { path: "/", flags: MS.BIND | MS.REMOUNT | MS.RDONLY }, "remount the root read-only"));
  // last of the mount steps: an unbindable root would refuse the binds of masked and read-only paths
  if (propagation.after) steps.push(step("remount", { path: "/", flags: propagation.after }, `make the root ${config.linux.rootfsPropagation}`));
  steps.push(...processSteps({ proc, personality: config.linux.personality, lastCap: input.host.lastCap, home: input.home, preserveFds: input.preserveFds, fifo, seccomp, listenerSlot, setgroups: input.host.rootless ? false : ns.has("user") && !ns.isNew("user") ? "unlessDenied" : true, stackLimit: input.host.stackLimit, pageSize: input.host.pageSize, keyring: sessionKeyring(input.keyring, config), startHooks: (hooks.startContainer ?? []).map((h) => hookStep(h, "startContainer")) }));
  return steps;
}

/** linux.rootfsPropagation in two moves, as runc does: the namespace's mounts get the mode before
 * the rootfs is bound (so that binding and mounting reach the host only as asked), and the new
 * root gets it after pivot_root (whose new root must not be shared). An unbindable mode cannot be
 * set before: the rootfs could not be bound (runc fails there with EINVAL), so the mounts are made
 * private first, which unbindable implies, and unbindable after. Unset: rslave, and nothing after. */
export function rootfsPropagation(mode: string | undefined): { before: number; beforeName: string; after: number; mayLeaveShared: boolean } {
  if (!mode) return { before: MS.SLAVE | MS.REC, beforeName: "rslave", after: 0, mayLeaveShared: false };
  const flags = PROPAGATION[mode]!;
  const rec = flags & MS.REC;
  const unbindable = (flags & MS.UNBINDABLE) !== 0;
  const before = unbindable ? MS.PRIVATE | rec : flags;
  // After rslave or rprivate no mount is shared; otherwise the rootfs's own mount may be.
  const mayLeaveShared = !(rec && before & (MS.SLAVE | MS.PRIVATE));
  return { before, beforeName: unbindable ? (rec ? "rprivate" : "private") : mode, after: flags, mayLeaveShared };
}

function validate(input: PlanInput, proc: Process, isNew: (t: string) => boolean, has: (t: string) => boolean): void {
  const { config } = input;
  const bad = (message: string, hint: string, code = "RUNTIME_CONFIG_INVALID") => {
    throw invalid("runtime", code, `read config.json: ${message}`, hint);
  };
  // A user namespace joined by path has its maps already; configs joining one carry them too (runc
  // 1.1 requires them, containerd writes them for a pod's namespace), and they are not written again.
  if ((config.linux.uidMappings.length || config.linux.gidMappings.length) && !has("user"))
    bad("uidMappings/gidMappings are set but the container has no user namespace", 'add {"type": "user"} to linux.namespaces or remove the mappings');
  if (isNew("user") && (!config.linux.uidMappings.length || !config.linux.gidMappings.length))
    bad("a new user namespace needs linux.uidMappings and linux.gidMappings", "map at least container id 0 to a host id");
  // A namespace joined by path is the container's own as much as a new one (runc checks the type).
  if (config.hostname && !has("uts")) bad("hostname is set but the container has no uts namespace of its own", 'add {"type": "uts"} to linux.namespaces');
  if (config.domainname && !has("uts")) bad("domainname is set but the container has no uts namespace of its own", 'add {"type": "uts"} to linux.namespaces');
  for (const key of Object.keys(config.linux.sysctl)) {
    // as runc refuses it, whether or not hostname is set
    if (key === "kernel.hostname") bad('sysctl "kernel.hostname" conflicts with the hostname field', "set the hostname with the hostname field, not linux.sysctl");
    const need = SYSCTL_NAMESPACE.find(([re]) => re.test(key))?.[1];
    if (!need) bad(`sysctl "${key}" is not namespaced and cannot be set for one container`, "remove it from linux.sysctl");
    if (!has(need!)) bad(`sysctl "${key}" needs the container's own ${need} namespace`, `add {"type": "${need}"} to linux.namespaces`);
  }
  if (config.linux.rootfsPropagation && !(config.linux.rootfsPropagation in PROPAGATION))
    bad(`linux.rootfsPropagation "${config.linux.rootfsPropagation}" is not a propagation mode`, `use one of ${Object.keys(PROPAGATION).join(", ")}`);
  validateProcess(proc, config.linux.personality, input.host);
  // (the terminal and its console socket: console-check.ts, before anything is made)
  if (input.preserveFds < 0) bad("--preserve-fds must not be negative", "pass a count of file descriptors");
}

/** A new session keyring's permissions: the kernel's (possessor all; user view, read, link) and
 * search, for the owner's uid, or for others in a user namespace where that uid is not the
 * container's (runc's choice, so that runc exec and hooks can join it). */
const KEYRING_PERM = 0x3f130000;
const KEY_USR_SEARCH = 0x80000;
const KEY_OTH_SEARCH = 0x8;

function sessionKeyring(name: string | undefined, config: RuntimeConfig): { name: string; perm: number } | undefined {
  if (name === undefined) return undefined;
  const userns = config.linux.namespaces.some((n) => n.type === "user");
  return { name, perm: KEYRING_PERM | (userns ? KEY_OTH_SEARCH : KEY_USR_SEARCH) };
}
