// The launch plan's instruction set: the one definition of every step the C executor performs.
// scripts/gen-native-ops.ts turns this table into native/gen/ops.h (opcode numbers, one struct
// and one bounds-checked decoder per step), so nothing here is written twice by hand.
//
// A plan runs in three processes, in order:
//   launcher      (host namespaces)  steps before `spawn`
//   intermediate  (joins / unshares) steps between `spawn` and `forkInit`
//   init          (the container)    steps after `forkInit`, ending with `exec`
// Field order is the wire order. Integers are little-endian; strings are u32-length-prefixed and NUL-terminated;
// lists are a u32 count followed by the items.

export type FieldType = "u32" | "u64" | "str" | "strs" | "u32s" | "bytes";

export interface OpDef {
  code: number;
  fields: ReadonlyArray<readonly [name: string, type: FieldType]>;
  doc: string;
}

export const OPS = {
  // ---- launcher ----
  openPath: { code: 1, fields: [["slot", "u32"], ["path", "str"], ["flags", "u32"]], doc: "open(path, flags|O_CLOEXEC) into fd slot" },
  connectSocket: { code: 2, fields: [["slot", "u32"], ["path", "str"]], doc: "connect a unix stream socket into fd slot" },
  consolePair: { code: 6, fields: [["slot", "u32"]], doc: "a socketpair whose far end (in slot) receives the pty master for the launcher to relay (run with a terminal, no console socket)" },
  attachDeviceFilter: { code: 7, fields: [["cgroup", "str"], ["program", "bytes"]], doc: "load an eBPF cgroup device program and attach it (BPF_F_ALLOW_MULTI) to the cgroup v2 directory" },
  userMaps: { code: 3, fields: [["uidMap", "str"], ["gidMap", "str"], ["setgroups", "str"]], doc: "id maps the launcher writes for the intermediate's new user namespace" },
  mkfifo: { code: 5, fields: [["path", "str"], ["mode", "u32"]], doc: "mkfifo(path, mode), the exec fifo that start writes to" },
  spawn: { code: 4, fields: [["waitInit", "u32"], ["ignoreSignals", "u32s"]], doc: "fork the intermediate; the launcher then serves it, reports the init pid, and exits or waits for the init (waitInit=1), ignoring ignoreSignals meanwhile" },
  // ---- intermediate ----
  joinCgroup: { code: 10, fields: [["slot", "u32"]], doc: "write '0' to an opened cgroup.procs" },
  setns: { code: 11, fields: [["slot", "u32"], ["nstype", "u32"]], doc: "setns(fd in slot, nstype)" },
  unshare: { code: 12, fields: [["flags", "u32"]], doc: "unshare(flags)" },
  syncUserMaps: { code: 13, fields: [], doc: "ask the launcher to write the id maps, then become root in the user namespace" },
  forkInit: { code: 14, fields: [], doc: "fork the init as a sibling (CLONE_PARENT); the intermediate reports its pid and exits" },
  // ---- init ----
  setsid: { code: 20, fields: [], doc: "setsid()" },
  mountRootPropagation: { code: 21, fields: [["flags", "u32"]], doc: "mount(NULL, \"/\", NULL, flags) before the rootfs is prepared" },
  bindRootfs: { code: 22, fields: [["slot", "u32"], ["path", "str"]], doc: "bind the rootfs onto itself and open it into fd slot (the root for in-root paths)" },
  mount: {
    code: 23,
    fields: [["root", "u32"], ["source", "str"], ["target", "str"], ["fstype", "str"], ["flags", "u64"], ["data", "str"], ["create", "u32"], ["covered", "u32"]],
    doc: "mount source on target, target resolved inside the root in fd slot `root` (create: 0 none, 1 dir, 2 file, 3 a real directory: ELOOP if it is a symlink); covered, what the new mount takes of the directory it covers: bit 1 its mode, bit 2 its content, copied in (tmpcopyup)",
  },
  mountSetattr: { code: 51, fields: [["root", "u32"], ["target", "str"], ["set", "u64"], ["clear", "u64"]], doc: "mount_setattr(AT_RECURSIVE) on target inside the root: the r* options (rro, rnosuid, ...)" },
  mknod: { code: 24, fields: [["root", "u32"], ["path", "str"], ["mode", "u32"], ["major", "u32"], ["minor", "u32"], ["uid", "u32"], ["gid", "u32"]], doc: "mknod a device inside the root and chown it" },
  symlink: { code: 25, fields: [["root", "u32"], ["target", "str"], ["path", "str"]], doc: "symlink(target, path) inside the root; an existing entry is kept" },
  privateParentMount: { code: 60, fields: [["path", "str"]], doc: "make the mount that holds path private if it is shared (pivot_root refuses a new root whose parent mount is shared, and a bind under it would reach its peers)" },
  pivotRoot: { code: 26, fields: [["slot", "u32"]], doc: "pivot_root into the root in fd slot and detach the old root" },
  moveRoot: { code: 27, fields: [["slot", "u32"]], doc: "no-pivot: move the root onto / and chroot into it" },
  mountRootfs: {
    code: 62,
    fields: [["slot", "u32"], ["path", "str"], ["fstype", "str"], ["source", "str"], ["data", "str"], ["cwd", "str"]],
    doc: "mount a file system (the engine's overlay of an image's layers) on the rootfs directory inside the new mount namespace, and open it into fd slot; with cwd, chdir there first and back to / after (overlay's lowerdir list is then relative to it: the absolute one may not fit overlay's one page of options)",
  },
  loopbackUp: { code: 63, fields: [], doc: "bring the loopback interface of the init's network namespace up (SIOCSIFFLAGS IFF_UP on lo), as docker's sandbox does for every container with a network of its own" },
  chrootRoot: { code: 61, fields: [["slot", "u32"]], doc: "no mount namespace: chroot into the root in fd slot (the caller's mounts stay as they are)" },
  maskPath: { code: 28, fields: [["path", "str"]], doc: "hide path: /dev/null over a file, a read-only tmpfs over a directory; missing is fine" },
  readonlyPath: { code: 29, fields: [["path", "str"], ["flags", "u64"]], doc: "bind path onto itself and remount it with flags; missing is fine" },
  remount: { code: 30, fields: [["path", "str"], ["flags", "u64"]], doc: "mount(NULL, path, NULL, flags) on a path in the new root" },
  writeFile: { code: 31, fields: [["path", "str"], ["value", "str"]], doc: "write value to an existing file (sysctl, oom_score_adj)" },
  sethostname: { code: 32, fields: [["name", "str"]], doc: "sethostname" },
  setdomainname: { code: 33, fields: [["name", "str"]], doc: "setdomainname" },
  console: { code: 34, fields: [["socketSlot", "u32"], ["rows", "u32"], ["cols", "u32"], ["mountConsole", "u32"]], doc: "open a pty in the container, send its master over the socket in slot, (mountConsole) bind its slave onto /dev/console, make the slave stdio and controlling tty" },
  setrlimit: { code: 35, fields: [["resource", "u32"], ["soft", "u64"], ["hard", "u64"]], doc: "prlimit(0, resource)" },
  personality: { code: 36, fields: [["persona", "u32"]], doc: "personality(persona)" },
  dropBounding: { code: 37, fields: [["caps", "u32s"]], doc: "PR_CAPBSET_DROP each cap" },
  setUser: { code: 38, fields: [["uid", "u32"], ["gid", "u32"], ["groups", "u32s"], ["setgroups", "u32"]], doc: "setgroups (setgroups=1; 2: unless /proc/self/setgroups says deny, as in a user namespace joined by path), setresgid, setresuid, keeping capabilities" },
  setCaps: { code: 39, fields: [["effective", "u64"], ["permitted", "u64"], ["inheritable", "u64"], ["ambient", "u32s"]], doc: "capset and raise ambient caps" },
  noNewPrivs: { code: 40, fields: [], doc: "PR_SET_NO_NEW_PRIVS" },
  umask: { code: 41, fields: [["mask", "u32"]], doc: "umask(mask)" },
  chdir: { code: 42, fields: [["path", "str"]], doc: "chdir(path)" },
  resolveExec: { code: 43, fields: [["file", "str"], ["path", "str"]], doc: "find file in the PATH list (as execvp) and keep the result for exec" },
  ready: { code: 44, fields: [], doc: "report that the container is created" },
  waitStart: { code: 45, fields: [["slot", "u32"], ["endingSignals", "u32s"]], doc: "block reading one byte from the exec fifo in slot; meanwhile each of endingSignals ends the process (handled: a pid namespace's init is spared unhandled ones), after it none is handled" },
  keepFds: { code: 46, fields: [["count", "u32"]], doc: "mark every fd from count up close-on-exec" },
  exec: { code: 47, fields: [["argv", "strs"], ["env", "strs"]], doc: "execve the resolved file" },
  syncRuntime: { code: 48, fields: [["tag", "u32"]], doc: "report tag to the runtime and wait for its go-ahead (hooks run meanwhile)" },
  readState: { code: 52, fields: [["which", "u32"]], doc: "read a blob (u32 length, bytes) from the runtime: which=0 the state JSON for the hooks' stdin, 1 the seccomp listener's message" },
  seccompNotify: { code: 54, fields: [["filter", "bytes"], ["flags", "u32"], ["socketSlot", "u32"]], doc: "load a filter with a user-notification listener and send the listener fd with blob 1 over the socket in slot" },
  runHook: { code: 53, fields: [["path", "str"], ["args", "strs"], ["env", "strs"], ["timeout", "u32"]], doc: "run a hook with the state on stdin and wait (timeout in seconds, 0 = none); a non-zero status fails the step with the wait status as value" },
  mkdir: { code: 50, fields: [["root", "u32"], ["path", "str"]], doc: "create a directory and its parents inside the root" },
  seccomp: { code: 49, fields: [["filter", "bytes"], ["flags", "u32"]], doc: "load a classic BPF filter (an array of struct sock_filter)" },
  afterStart: { code: 72, fields: [["whats", "strs"]], doc: "the words of the steps that follow, for a failure no runtime hears any more (after start): the init writes \"<what>: <errno name> (<text>)\" (or how a hook ended) on its stderr" },
  sessionKeyring: { code: 71, fields: [["name", "str"], ["perm", "u32"]], doc: "join a session keyring of this name (KEYCTL_JOIN_SESSION_KEYRING: a new one unless it exists) and, if perm is not 0, set its permissions; a kernel without keyrings (ENOSYS) is fine" },
  seccompCheck: { code: 70, fields: [["filter", "bytes"], ["flags", "u32"]], doc: "load the filter in a child process that exits at once: the kernel's verdict on it, its flags and the right to load it, before the real load just ahead of exec" },
} as const satisfies Record<string, OpDef>;

export type OpName = keyof typeof OPS;

/** Messages from the native side to the runtime: 16 bytes, host order: type, step, errno, value. */
export const MSG = { pid: 1, ready: 2, error: 3, sync: 4, intermediatePid: 5 } as const;

export const PLAN_MAGIC = 0x4e4c5053; // "SPLN"
export const PLAN_VERSION = 1;
