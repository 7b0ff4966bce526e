// docker exec: a further process in a running container, with a monitor of its own that holds
// its stdio (or pty) and records its exit code. An exec is made (create), then started once,
// attached or detached; its record stays (inspect) until its container is removed.
import { lstatSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Process } from "../../oci/runtime-config.ts";
import { mergeEnv, resolveGroups, resolveUser, type FileReader } from "../images/index.ts";
import { conflict, notFound } from "./errors.ts";
import { MONITOR, monitorFiles } from "./layout.ts";
import { attach, monitorSpawner, readExitFile, resize, waitExit, type AttachOptions, type Monitor } from "./monitor/index.ts";
import { isActive, type ContainerRecord } from "./record.ts";
import type { Runtimes } from "./runtimes.ts";
import type { ContainerImages } from "./images-port.ts";
import { allCapabilities, processCapabilities } from "./spec/capabilities.ts";
import { readHostFacts } from "./spec/host.ts";

export interface ExecConfig {
  cmd: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  tty?: boolean;
  privileged?: boolean;
  attachStdin?: boolean;
  attachStdout?: boolean;
  attachStderr?: boolean;
  detachKeys?: string;
}

export interface ExecRecord {
  id: string;
  containerId: string;
  /** Its monitor's state dir, once started. */
  dir?: string;
  config: ExecConfig;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
}

export class Execs {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(
    private readonly runtimes: Runtimes,
    private readonly images: ContainerImages,
  ) {}

  create(c: ContainerRecord, config: ExecConfig): ExecRecord {
    if (!isActive(c.state)) throw conflict("ENGINE_CONTAINER_NOT_RUNNING", `Container ${c.id} is not running`, `start it first: skiff start ${c.name}`);
    if (c.state.status === "paused") throw conflict("ENGINE_CONTAINER_PAUSED", `Container ${c.id} is paused, unpause the container before exec`, `skiff unpause ${c.name}`);
    if (!config.cmd.length) throw conflict("ENGINE_EXEC_NO_COMMAND", "No exec command specified", "give a command to run");
    const e: ExecRecord = { id: randomBytes(32).toString("hex"), containerId: c.id, config, running: false, started: false, exitCode: null, pid: 0 };
    this.execs.set(e.id, e);
    return e;
  }

  get(id: string): ExecRecord {
    const e = this.execs.get(id) ?? [...this.execs.values()].find((x) => x.id.startsWith(id) && id.length >= 12);
    if (!e) throw notFound("ENGINE_EXEC_NOT_FOUND", `No such exec instance: ${id}`, "exec instances live as long as their container and the daemon");
    // its stream may end (the client asks how it went) a moment before the exit is followed
    if (e.running && e.dir) {
      const x = readExitFile(join(e.dir, MONITOR.exitFile));
      if (x) {
        e.running = false;
        e.exitCode = x.exitCode;
      }
    }
    return e;
  }

  /** Execs of a container (ExecIDs in inspect); forgotten with it. */
  of(containerId: string): string[] {
    return [...this.execs.values()].filter((e) => e.containerId === containerId).map((e) => e.id);
  }

  forget(containerId: string): void {
    for (const id of this.of(containerId)) this.execs.delete(id);
  }

  /** Forgets an exec that has ended and removes its monitor's dir (a health probe: no one asks after it). */
  drop(execId: string): void {
    const e = this.execs.get(execId);
    this.execs.delete(execId);
    if (e?.dir) rmSync(e.dir, { recursive: true, force: true });
  }

  /** The exec's process: the container's own, with the exec's command, env, user, cwd and tty. */
  private process(c: ContainerRecord, cfg: ExecConfig): Process {
    const base = (JSON.parse(readFileSync(join(c.files.bundle, "config.json"), "utf8")) as { process: Process }).process;
    const p: Process = structuredClone(base);
    p.args = cfg.cmd;
    p.env = mergeEnv(p.env, cfg.env ?? []); // (as dockerd: a name alone removes the variable)
    if (cfg.workingDir) p.cwd = cfg.workingDir;
    p.terminal = cfg.tty ?? false;
    // as docker's exec -t: a terminal gets TERM=xterm unless the exec's or the container's env names one
    if (p.terminal && !p.env.some((v) => v.startsWith("TERM="))) p.env.push("TERM=xterm");
    if (cfg.user) {
      // names and group memberships as the container has them now (its /etc/passwd may have changed
      // since the image), read through its init's view of its own root
      const files = containerFileReader(c.state.pid, this.images.fileReader(c.imageId));
      const u = resolveUser(cfg.user, files);
      // (the container's --group-add goes with any user, as dockerd's exec has it)
      p.user = { ...p.user, uid: u.uid, gid: u.gid, additionalGids: [...new Set([...u.additionalGids, ...resolveGroups(c.options.groupAdd ?? [], files)])] };
    }
    if (cfg.privileged) p.capabilities = processCapabilities(allCapabilities(readHostFacts().lastCap, readHostFacts().heldCapabilities), p.user.uid);
    return p;
  }

  /** Runs the exec; attached, resolves with the stream once it is joined (the process then starts).
   *  `onExit` hears the exit code of a process that started, once it has ended. */
  async start(c: ContainerRecord, execId: string, o: { detach: boolean; onExit?: (exitCode: number) => void }): Promise<Socket | undefined> {
    const e = this.get(execId);
    if (e.started) throw conflict("ENGINE_EXEC_STARTED", `Error: Exec command ${e.id} has already run`, "create a new exec");
    if (!isActive(c.state)) throw conflict("ENGINE_CONTAINER_NOT_RUNNING", `Container ${c.id} is not running`, `start it first: skiff start ${c.name}`);
    e.started = true;
    const dir = join(c.files.stateDir, `exec-${e.id.slice(0, 12)}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tty = e.config.tty ?? false;
    const attached = !o.detach;
    let joined: Promise<Socket> | undefined;
    let monitor: Monitor | undefined;
    const spawner = monitorSpawner(
      {
        ...monitorFiles(dir),
        ...(tty ? { consoleSocket: MONITOR.console } : {}),
        stdin: attached && (e.config.attachStdin ?? false),
        stdinOnce: true,
        attachFirst: attached,
      },
      (m) => {
        monitor = m;
        if (!attached) return;
        const opts: AttachOptions = { stdin: e.config.attachStdin, stdout: e.config.attachStdout ?? true, stderr: e.config.attachStderr ?? true, multiplex: !tty };
        joined = m.listening.then(() => attach(join(dir, MONITOR.socket), opts));
      },
    );
    e.dir = dir;
    const runtime = this.runtimes.get(c.runtime);
    let process: Process;
    try {
      process = this.process(c, e.config);
    } catch (err) {
      // docker's exit code for an exec that could not be started (an unknown user, say)
      e.exitCode = 126;
      throw err;
    }
    const created = runtime.exec(c.id, process, { spawner, pidFile: join(dir, MONITOR.pidFile), ...(tty ? { consoleSocket: MONITOR.console } : {}) });
    // a process that could not be started: 127 when its command is not there, else 126, as docker
    created.catch((err: unknown) => {
      e.exitCode = execStartFailureCode(String((err as Error).message), e.config.cmd[0] ?? "");
      // its monitor would wait for a process that never comes; the stream to it goes unused
      void joined?.then((s) => s.destroy(), () => undefined);
      void monitor?.abandon();
    });
    // attached: the monitor runs the process only once we are joined, so join first
    const socket = attached ? await waitForJoin(() => joined, created) : undefined;
    const { pid } = await created;
    e.pid = pid;
    e.running = true;
    waitExit(join(dir, MONITOR.socket), join(dir, MONITOR.exitFile)).then(
      (x) => {
        e.running = false;
        e.exitCode = x.exitCode;
        o.onExit?.(x.exitCode);
      },
      () => {
        e.running = false;
        e.exitCode = 126;
        o.onExit?.(126);
      },
    );
    return socket;
  }

  async resize(execId: string, c: ContainerRecord, rows: number, cols: number): Promise<void> {
    const e = this.get(execId);
    // an exec that has ended has no terminal left to size: nothing to do (a client's last resize
    // often comes just after the end; it was a 503, logged as the daemon's error)
    if (e.started && !e.running && e.exitCode !== null) return;
    await resize(join(c.files.stateDir, `exec-${e.id.slice(0, 12)}`, MONITOR.socket), rows, cols);
  }
}

/**
 * dockerd's exit code for an exec whose process could not start: 127 when the error names the
 * command and says it is not there (or a file is where a directory should be), else 126. A working
 * directory that is not there is 126: its error names no command (a new-user trial: it was 127).
 */
export function execStartFailureCode(message: string, command: string): number {
  const m = message.toLowerCase();
  if (m.includes(command.toLowerCase()) && /enoent|not found|no such file or directory/.test(m)) return 127;
  if (/enotdir|not a directory/.test(m)) return 127;
  return 126;
}

/**
 * A file of the running container as it is now, through its init's root (/proc/PID/root), else the
 * image's. Only real directories and a regular file are read there: a symlink the container made
 * would be resolved against the daemon's own root, so any symlink on the way means the image's.
 */
function containerFileReader(pid: number, image: FileReader): FileReader {
  return (path) => {
    if (pid > 0) {
      const parts = path.split("/").filter(Boolean);
      let at = `/proc/${pid}/root`;
      try {
        for (const [i, part] of parts.entries()) {
          at += `/${part}`;
          const st = lstatSync(at);
          if (i < parts.length - 1 ? !st.isDirectory() : !st.isFile()) throw new Error("not a plain path");
        }
        return readFileSync(at);
      } catch {} // not there, or not plainly: the image's (which may not have it either)
    }
    return image(path);
  };
}

/** The attach promise, once the spawner has made it; a create that fails first is the error. */
async function waitForJoin(joined: () => Promise<Socket> | undefined, created: Promise<unknown>): Promise<Socket> {
  for (;;) {
    const j = joined();
    if (j) return j;
    const failedFirst = await Promise.race([created.then(() => false, () => true), Bun.sleep(5).then(() => false)]);
    if (failedFirst) await created; // throws the runtime's error
  }
}
