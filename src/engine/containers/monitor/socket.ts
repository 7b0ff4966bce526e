// The engine's side of the monitor's socket (protocol.ts): attach (a Node Duplex carrying the
// container's output one way and its stdin the other), resize, and wait, which falls back on the
// exit file once the monitor is gone (it removes its socket when it ends).
import { closeSync, openSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { basename, dirname } from "node:path";
import { invalid, SkiffError } from "../../../common/errors.ts";
import { errnoName, errnoOf, errnoText } from "../../../common/errno.ts";
import { readExitFile, rfc3339Nano, type ContainerExit } from "./exit-file.ts";
import { ATTACH, RECORD_SIZE, REPLY, REQUEST } from "./protocol.ts";
import { decodeWait } from "./wait-status.ts";

/** sun_path holds 108 bytes with its NUL. */
const SUN_PATH_MAX = 107;

const gone = (path: string, errno?: string) =>
  new SkiffError({
    layer: "engine", code: "ENGINE_MONITOR_GONE", kind: "unavailable",
    message: `connect to the container's monitor at ${path}: ${errno ? `${errno} (${errnoText(errno)})` : "it closed the connection"}`,
    hint: "the monitor has ended (the container exited) or was killed: its exit file says which",
    details: { path, errno },
  });

const socketError = (what: string, path: string, e: unknown) =>
  new SkiffError({ layer: "engine", code: "ENGINE_MONITOR_SOCKET", kind: "internal", message: `${what} at ${path}: ${errnoOf(e) ?? (e as Error).message}`, hint: "see the monitor's log in the container's state directory", details: { path, errno: errnoOf(e) }, cause: e });

/** Connects to a monitor's socket. A path too long for sun_path is reached through an open fd of
 *  its directory (/proc/self/fd/N/NAME), as conmon's clients do. */
export async function connectMonitor(path: string): Promise<Socket> {
  // ECONNREFUSED is a monitor killed (its socket file left) or, briefly, a full backlog: ask again
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectOnce(path);
    } catch (e) {
      if (!(e instanceof SkiffError && e.details.errno === "ECONNREFUSED") || attempt === 5) throw e;
      await Bun.sleep(20 * attempt);
    }
  }
}

function connectOnce(path: string): Promise<Socket> {
  let dirFd: number | undefined;
  let address = path;
  if (Buffer.byteLength(path) > SUN_PATH_MAX) {
    dirFd = openSync(dirname(path), "r");
    address = `/proc/self/fd/${dirFd}/${basename(path)}`;
  }
  return new Promise<Socket>((resolve, reject) => {
    const s = createConnection({ path: address, allowHalfOpen: true });
    s.once("connect", () => {
      s.removeAllListeners("error");
      resolve(s);
    });
    s.once("error", (e) => {
      const errno = errnoOf(e);
      // ECONNRESET: queued as the monitor closed its socket on the way out
      reject(errno === "ENOENT" || errno === "ECONNREFUSED" || errno === "ECONNRESET" ? gone(path, errno) : socketError("connect to the container's monitor", path, e));
    });
  }).finally(() => dirFd !== undefined && closeSync(dirFd));
}

interface Reply {
  type: number;
  errno: number;
  value: number;
}

/** The next record on s, or undefined if the monitor closed the connection first. */
function readReply(s: Socket): Promise<Reply | undefined> {
  return new Promise((resolve, reject) => {
    const done = (f: () => void) => {
      s.off("readable", onReadable).off("end", onEnd).off("close", onEnd).off("error", onError);
      f();
    };
    const onReadable = () => {
      const b = s.read(RECORD_SIZE) as Buffer | null;
      if (b) done(() => resolve(b.length < RECORD_SIZE ? undefined : { type: b.readInt32LE(0), errno: b.readInt32LE(8), value: b.readInt32LE(12) }));
    };
    const onEnd = () => done(() => resolve(undefined));
    const onError = (e: Error) => done(() => (errnoOf(e) === "ECONNRESET" || errnoOf(e) === "EPIPE" ? resolve(undefined) : reject(e)));
    s.on("readable", onReadable).once("end", onEnd).once("close", onEnd).once("error", onError);
    onReadable();
  });
}

function request(type: number, a = 0, b = 0): Buffer {
  const r = Buffer.alloc(RECORD_SIZE);
  r.writeUInt32LE(type, 0);
  r.writeInt32LE(a, 4);
  r.writeInt32LE(b, 8);
  return r;
}

export interface AttachOptions {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** docker's 8-byte frames ([stream, 0, 0, 0, u32 big-endian length]); else raw bytes (a tty). */
  multiplex?: boolean;
}

/** Attaches to the container: the socket's reads are its output, its writes its stdin, and end()
 *  closes stdin when the container was started with stdinOnce. The output ends when the container
 *  has exited and its output is drained. The container's output waits for a client that reads
 *  slowly (nothing is lost, as with docker's attach): one that stops reading must go (destroy). */
export async function attach(path: string, o: AttachOptions): Promise<Socket> {
  const s = await connectMonitor(path);
  const flags = (o.stdin ? ATTACH.stdin : 0) | (o.stdout ? ATTACH.stdout : 0) | (o.stderr ? ATTACH.stderr : 0) | (o.multiplex ? ATTACH.multiplex : 0);
  s.write(request(REQUEST.attach, flags));
  const r = await readReply(s).catch((e) => {
    s.destroy();
    throw socketError("attach to the container", path, e);
  });
  if (r?.type === REPLY.ok) {
    // the output's end is the attach's: our side ends too, which lets the monitor close its side
    // (it reads until then, so that stdin in flight does not reset the connection) and exit
    s.once("end", () => s.end());
    return s;
  }
  s.destroy();
  if (!r) throw gone(path);
  throw socketError("attach to the container", path, new Error(`the monitor answered ${r.type} (${errnoName(r.errno)})`));
}

/** Sets the container's pty to rows × cols (the kernel sends SIGWINCH to its foreground group). */
export async function resize(path: string, rows: number, cols: number): Promise<void> {
  for (const [name, n] of [["rows", rows], ["columns", cols]] as const)
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw invalid("engine", "ENGINE_MONITOR_RESIZE", `resize the container's tty: ${name} ${n} is not a size`, "give whole numbers from 0 to 65535");
  const s = await connectMonitor(path);
  try {
    s.write(request(REQUEST.resize, rows, cols));
    const r = await readReply(s);
    if (!r) throw gone(path);
    if (r.type === REPLY.ok) return;
    const name = errnoName(r.errno);
    throw new SkiffError({
      layer: "engine", code: "ENGINE_MONITOR_RESIZE", kind: name === "ENOTTY" ? "failed_precondition" : "internal",
      message: `resize the container's tty to ${rows}x${cols}: ${name} (${errnoText(name)})`,
      hint: name === "ENOTTY" ? "the container was started without a tty (-t)" : "see the monitor's log in the container's state directory",
      details: { errno: name },
    });
  } finally {
    s.destroy();
  }
}

/** The init's wait status once the container has exited and its output is drained; undefined when
 *  the monitor is gone (or goes) without answering. */
export async function waitSocket(path: string, signal?: AbortSignal): Promise<number | undefined> {
  let s: Socket;
  try {
    s = await connectMonitor(path);
  } catch (e) {
    if (e instanceof SkiffError && e.code === "ENGINE_MONITOR_GONE") return undefined;
    throw e;
  }
  const abort = () => s.destroy();
  signal?.addEventListener("abort", abort);
  try {
    s.write(request(REQUEST.wait));
    const r = await readReply(s);
    signal?.throwIfAborted();
    return r?.type === REPLY.exited ? r.value : undefined;
  } finally {
    signal?.removeEventListener("abort", abort);
    s.destroy();
  }
}

/** How the container ended: from the monitor while it runs, from the exit file once it is gone. */
export async function waitExit(socketPath: string, exitFile: string, signal?: AbortSignal): Promise<ContainerExit> {
  const status = await waitSocket(socketPath, signal);
  const recorded = readExitFile(exitFile);
  if (recorded) return recorded;
  if (status !== undefined) {
    // the monitor answered but could not write its file (its log says why): the answer stands
    const now = Date.now();
    return { status, ...decodeWait(status), finishedAt: rfc3339Nano(Math.floor(now / 1000), (now % 1000) * 1e6) };
  }
  throw new SkiffError({
    layer: "engine", code: "ENGINE_MONITOR_GONE", kind: "unavailable",
    message: `wait for the container: its monitor is gone and recorded no exit in ${exitFile}`,
    hint: "the monitor was killed while the container ran: the container's exit status is lost",
    details: { path: exitFile },
  });
}

export interface MonitorProbe {
  /** The monitor answers on its socket (the container may have exited while its output drains). */
  alive: boolean;
  /** The container's recorded exit, if it has exited. */
  exit?: ContainerExit;
}

/** What a restarted daemon finds of a container's monitor: alive or not, and any recorded exit.
 *  Not alive and no exit: the monitor was killed while the container ran (its status is lost). */
export async function probeMonitor(socketPath: string, exitFile: string): Promise<MonitorProbe> {
  let alive = false;
  try {
    (await connectMonitor(socketPath)).destroy();
    alive = true;
  } catch (e) {
    if (!(e instanceof SkiffError && e.code === "ENGINE_MONITOR_GONE")) throw e;
  }
  const exit = readExitFile(exitFile);
  return exit ? { alive, exit } : { alive };
}
