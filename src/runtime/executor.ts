// Runs a launch plan with the native executor and speaks its report protocol: the plan goes in
// on one socket, {type, step, errno, value} records come back on another.
import { closeSync, existsSync, fstatSync, readFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { SkiffError } from "../common/errors.ts";
import { sealedCopy } from "../common/sys.ts";
import { errnoName, errnoOf, errnoText } from "../common/errno.ts";
import { boundingSetOf, capabilityNames } from "./capabilities.ts";
import { describeWaitStatus } from "./hooks.ts";
import { encodePlan } from "./plan/encode.ts";
import { CREATE } from "./plan/mount-steps.ts";
import { MSG } from "./plan/ops.ts";
import type { Step } from "./plan/step.ts";
import { plainSpawner, type Spawned, type Spawner } from "./spawner.ts";

export function nativeExecutorPath(): string {
  const candidates = [
    process.env.SKIFF_EXEC,
    join(dirname(process.execPath), "skiff-exec"),
    join(import.meta.dir, "../../native/build/skiff-exec"),
  ];
  const found = candidates.find((p): p is string => !!p && existsSync(p));
  if (!found)
    throw new SkiffError({ layer: "runtime", code: "RUNTIME_EXECUTOR_MISSING", kind: "failed_precondition", message: "find the native executor skiff-exec: not built", hint: "run ./setup (or make -C native) to build it" });
  return found;
}

let sealed: { from: string; path: string } | undefined;

/**
 * The executor as the runtime starts it: a sealed in-memory copy of skiff-exec that this process
 * holds (made once, at the first launch), started as /proc/PID/fd/FD. skiff-exec run from its file
 * copies itself into such a memfd and executes itself again, so that a container cannot reach the
 * host's binary through /proc/<pid>/exe; started from the copy, it skips that second exec (in a
 * burst of 20 `skiff run -d`, ~3 ms of CPU per container). Where no sealed copy can be made, the
 * file itself (and skiff-exec's own copy).
 */
export function executorToStart(): string {
  const from = nativeExecutorPath();
  if (sealed?.from !== from) {
    try {
      sealed = { from, path: `/proc/${process.pid}/fd/${sealedCopy(from, "skiff-exec")}` };
    } catch {
      return from;
    }
  }
  return sealed.path;
}

export interface Message {
  type: number;
  step: number;
  errno: number;
  value: number;
}

export class Launch {
  private buffered = Buffer.alloc(0);
  private readonly reader: { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> };
  constructor(
    readonly proc: Spawned,
    private readonly reportFd: number,
    readonly steps: readonly Step[],
  ) {
    // The socket is non-blocking; Bun's file stream polls it instead of reading in a thread.
    this.reader = Bun.file(reportFd).stream().getReader();
  }

  /** The next message, or undefined once every process holding the socket has closed it. */
  async next(): Promise<Message | undefined> {
    while (this.buffered.length < 16) {
      const { value, done } = await this.reader.read();
      if (done) return undefined;
      this.buffered = Buffer.concat([this.buffered, value!]);
    }
    const b = this.buffered;
    this.buffered = b.subarray(16);
    return { type: b.readInt32LE(0), step: b.readInt32LE(4), errno: b.readInt32LE(8), value: b.readInt32LE(12) };
  }

  /** Answers the plan's readState steps, in their order, with blob(which). */
  sendBlobs(blob: (which: number) => string): void {
    for (const s of this.steps) if (s.op === "readState") this.sendState(blob((s.args as { which: number }).which));
  }

  /** A blob a readState step waits for: u32 length, then the bytes. */
  private sendState(json: string): void {
    const body = Buffer.from(json);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length);
    writeAll(this.reportFd, Buffer.concat([head, body]), "send the container's state to the executor");
  }

  /** Lets a step waiting in syncRuntime go on (ok) or fail with ECANCELED. */
  resume(ok: boolean): void {
    writeAll(this.reportFd, Buffer.from([ok ? 0 : 1]), "let the executor go on");
  }

  close(): void {
    this.reader.cancel().catch(() => {});
    try {
      closeSync(this.reportFd);
    } catch {}
  }

  /** The typed error for a failure record: "runtime: mount proc on /proc: EPERM (...)". */
  stepError(m: Message): SkiffError {
    const s = this.steps[m.step];
    if (s?.op === "runHook") {
      const h = s.args as { path: string; timeout: number };
      const how = m.errno === 0 ? describeWaitStatus(m.value) : m.errno === 110 ? `timed out after ${h.timeout}s and was killed` : `${errnoName(m.errno)} (${errnoText(errnoName(m.errno))})`;
      return new SkiffError({ layer: "runtime", code: "RUNTIME_HOOK_FAILED", kind: "failed_precondition", message: `${s.what}: ${how}`, hint: "check the hook program and the hooks in config.json", details: { path: h.path, step: s.op } });
    }
    const name = errnoName(m.errno);
    const realDir = s?.op === "mount" && (s.args as { create: number }).create === CREATE.realDir;
    if (realDir && (name === "ELOOP" || name === "ENOTDIR")) {
      const { fstype, target } = s.args as { fstype: string; target: string };
      const field = s.field ?? "mounts";
      return new SkiffError({
        layer: "runtime", code: "RUNTIME_MOUNT_DESTINATION_INVALID", kind: "invalid_argument",
        message: `${s.what}: ${field}.destination /${target} is ${name === "ELOOP" ? "a symlink" : "not a directory"} in the rootfs, and ${fstype} is mounted only on a real directory`,
        hint: `point ${field}.destination at a directory of the rootfs (a symlink could put ${fstype} over any path)`, details: { step: s.op, errno: name, field },
      });
    }
    const what = s ? s.what : m.step === -1 ? "read the launch plan" : `step ${m.step}`;
    return new SkiffError({
      layer: "runtime",
      code: "RUNTIME_STEP_FAILED",
      kind: "failed_precondition",
      message: `${what}: ${name} (${errnoText(name)})`,
      hint: hintFor(s, name),
      details: { step: s?.op ?? String(m.step), errno: name },
    });
  }
}

function hintFor(s: Step | undefined, errno: string): string | undefined {
  if (!s) return "the executor and the runtime may be from different builds: run ./setup again";
  if (s.op === "resolveExec") return "check the command (process.args[0]) and the PATH in its environment (process.env), and that the file is executable in the container's root filesystem";
  if (s.op === "chdir") return errno === "ENOTDIR" ? "the working directory (process.cwd, -w) is a file in the container's root filesystem: name a directory" : "check the working directory (process.cwd, -w): it must be a directory the process's user may enter";
  if (s.op === "setrlimit" && errno === "EPERM") return "the hard limit is above this process's own; raising it needs CAP_SYS_RESOURCE";
  if (s.op === "connectSocket") return "check that the console socket exists and something listens on it";
  if (s.op === "setCaps" && errno === "EPERM") return unheldCapabilities(s as Step<"setCaps">);
  if (s.op === "mount" && errno === "ENOENT") return "check the mount's source path and type";
  if (s.op === "mount" && errno === "ENODEV") return `the kernel has no filesystem of type "${(s as Step<"mount">).args.fstype}": check the mount's type (the kernel's are listed in /proc/filesystems; a module may provide it)`;
  if (s.op === "writeFile" && s.what.startsWith("set sysctl") && errno === "ENOENT") return "the kernel has no such sysctl in the container's namespaces (see /proc/sys): check linux.sysctl's key";
  if (s.op === "writeFile" && s.what.startsWith("set sysctl")) return "check linux.sysctl's value: the kernel refused it";
  if (s.op === "writeFile" && s.what.startsWith("set oom_score_adj") && (errno === "EACCES" || errno === "EPERM")) return "a value below the runtime's own oom_score_adj needs CAP_SYS_RESOURCE, which this runtime lacks (see CapBnd in /proc/self/status)";
  if (s.op === "openPath" && s.what.includes("namespace")) return "the namespace's path (linux.namespaces[].path) must name a namespace file that exists, such as /proc/PID/ns/TYPE of a live process";
  if (s.op === "mount" && errno === "ENOTDIR") return "are you mounting a directory onto a file (or a file onto a directory)? Check that the source exists and is of the destination's type";
  if (errno === "EPERM" || errno === "EACCES") return "the runtime lacks a privilege for this step: run as root, or check the user namespace mappings";
  return undefined;
}

/** A setCaps refused: the capabilities asked for that the runtime's own bounding set lacks (read
 *  only now, on the failure's path), which no process it starts can have. */
function unheldCapabilities(s: Step<"setCaps">): string {
  let held = -1n;
  try {
    held = boundingSetOf(readFileSync("/proc/self/status", "utf8"));
  } catch {}
  const asked = BigInt(s.args.permitted) | BigInt(s.args.effective) | BigInt(s.args.inheritable);
  const names = capabilityNames(asked & ~held);
  return names.length
    ? `${names.join(", ")}: not in the runtime's own bounding set (CapBnd in /proc/self/status), so no process it starts can have ${names.length > 1 ? "them" : "it"}: leave ${names.length > 1 ? "them" : "it"} out of process.capabilities`
    : "the runtime lacks a privilege for this step: run as root, or check the user namespace mappings";
}

export interface LaunchOptions {
  preserveFds: number;
  /** Who starts the executor (default: a plain child sharing our stdio). */
  spawner?: Spawner;
}

/** Starts the executor: container stdio is ours, fds 3.. 3+N-1 are passed through as they are. */
export function launch(steps: readonly Step[], opts: LaunchOptions): Launch {
  const extra: (number | "pipe")[] = [];
  for (let fd = 3; fd < 3 + opts.preserveFds; fd++) {
    // (runc's words; else the spawn's EBADF named no fd)
    try {
      fstatSync(fd);
    } catch (e) {
      throw new SkiffError({ layer: "runtime", code: "RUNTIME_PRESERVED_FD_MISSING", kind: "invalid_argument", message: `unable to stat preserved-fd ${fd - 2} (of ${opts.preserveFds}): fd ${fd}: ${errnoOf(e) ?? (e as Error).message}`, hint: `--preserve-fds ${opts.preserveFds} passes fds 3 to ${2 + opts.preserveFds}: open them before the call, or pass fewer`, cause: e });
    }
    extra.push(fd);
  }
  const planFd = 3 + opts.preserveFds;
  const proc = (opts.spawner ?? plainSpawner)({ argv: [executorToStart(), String(planFd), String(planFd + 1)], fds: [...extra, "pipe", "pipe"], env: {} });
  const stdio = proc.stdio as number[];
  const planSock = stdio[planFd]!;
  try {
    writeAll(planSock, encodePlan(steps), "send the launch plan to the executor");
  } finally {
    closeSync(planSock);
  }
  return new Launch(proc, stdio[planFd + 1]!, steps);
}

const WRITE_DEADLINE_MS = 30_000;
const napper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of bytes to one of the executor's sockets. Bun makes them non-blocking, and a plan
 * (or a state) larger than the socket's buffer meets EAGAIN until the executor has read some: the
 * write then waits, briefly and more each time, while the executor (another process) reads. A
 * closed peer (EPIPE) ends it quietly: the executor's own report says why it stopped reading.
 */
export function writeAll(fd: number, bytes: Uint8Array, what: string): void {
  let nap = 0.05;
  const deadline = Date.now() + WRITE_DEADLINE_MS;
  for (let off = 0; off < bytes.length; ) {
    try {
      off += writeSync(fd, bytes, off);
      nap = 0.05;
    } catch (e) {
      const code = errnoOf(e);
      if (code === "EPIPE" || code === "ECONNRESET") return;
      if (code !== "EAGAIN" && code !== "EINTR") throw kernelError(e, what);
      if (Date.now() > deadline)
        throw new SkiffError({ layer: "runtime", code: "RUNTIME_EXECUTOR_STUCK", kind: "unavailable", message: `${what}: the executor read nothing for ${WRITE_DEADLINE_MS / 1000}s`, hint: "run with --debug and check that the skiff-exec process is alive" });
      Atomics.wait(napper, 0, 0, nap);
      nap = Math.min(nap * 2, 2);
    }
  }
}

function kernelError(e: unknown, what: string): SkiffError {
  const name = errnoOf(e) ?? "EIO";
  return new SkiffError({ layer: "kernel", code: "RUNTIME_EXECUTOR_WRITE", kind: "internal", message: `${what}: ${name} (${errnoText(name)})`, hint: "the executor's socket failed: run with --debug", details: { errno: name } });
}

export { MSG };
