// An in-memory container store for the fake daemon (fake-daemon.ts): containers and execs with
// docker's states and rules (what may be started, stopped, paused, removed, and the daemon's words
// when not), processes from fake-programs.ts, a json-file-like log, waiters for the three wait
// conditions, and the wire shapes of list and inspect. Test code only.
import { randomBytes } from "node:crypto";
import { SkiffError } from "../../common/errors.ts";
import { humanDuration } from "../units.ts";
import type { ContainerCreateBody, ExecCreateBody } from "../client-containers.ts";
import { signalName, startFailure, startProgram, type Program } from "./fake-programs.ts";

export interface LogEntry {
  stream: 1 | 2;
  data: string;
  /** Unix time in ms. */
  time: number;
}

type Listener = (stream: 1 | 2, data: string) => void;

/** A running program with a tty's size, its listeners and its exit. */
export class FakeProcess {
  readonly listeners = new Set<Listener>();
  readonly exitListeners = new Set<(code: number) => void>();
  rows: number;
  cols: number;
  exitCode?: number;
  private program?: Program;

  constructor(
    readonly argv: string[],
    readonly tty: boolean,
    size: [number, number] = [0, 0],
  ) {
    [this.rows, this.cols] = size;
  }

  start(): void {
    this.program = startProgram(this.argv, {
      tty: this.tty,
      write: (stream, data) => {
        if (this.exitCode !== undefined) return;
        const out = this.tty ? data.replace(/(?<!\r)\n/g, "\r\n") : data;
        for (const l of this.listeners) l(this.tty ? 1 : stream, out);
      },
      exit: (code) => {
        if (this.exitCode !== undefined) return;
        this.exitCode = code;
        for (const l of this.exitListeners) l(code);
      },
      size: () => ({ rows: this.rows, cols: this.cols }),
    });
  }

  get running(): boolean {
    return this.program !== undefined && this.exitCode === undefined;
  }
  stdin = (d: Buffer) => this.running && this.program?.stdin?.(d);
  stdinEnd = () => this.running && this.program?.stdinEnd?.();
  signal = (name: string) => this.running && this.program?.signal?.(name);
}

export interface FakeImage {
  Id: string;
  Config: { Cmd?: string[] | null; Entrypoint?: string[] | null; Env?: string[] };
}

export interface FakeContainer {
  id: string;
  name: string;
  created: number;
  body: ContainerCreateBody;
  image: FakeImage;
  argv: string[];
  state: "created" | "running" | "paused" | "exited";
  exitCode: number;
  error: string;
  startedAt?: number;
  finishedAt?: number;
  process?: FakeProcess;
  log: LogEntry[];
  listeners: Set<Listener>;
  exitWaiters: Set<(code: number) => void>;
  removedWaiters: Set<(code: number) => void>;
  /** Signals sent to it, in order: what the tests of signal forwarding look at. */
  signals: string[];
  execs: string[];
  /** stdin that came before the start (attach precedes start), delivered once it runs; null: it ended. */
  pendingStdin: Buffer[] | null;
  stdinEnded: boolean;
}

export interface FakeExec {
  id: string;
  container: FakeContainer;
  body: ExecCreateBody;
  process?: FakeProcess;
  exitCode: number | null;
}

const fail = (status: number, message: string) =>
  new SkiffError({ layer: "engine", code: `FAKE_${status}`, kind: status === 404 ? "not_found" : status === 409 ? "conflict" : status === 400 ? "invalid_argument" : "internal", message, details: { status } });

const NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const hex = () => randomBytes(32).toString("hex");
const normalize = (ref: string) => (/:[^/]*$/.test(ref) || ref.includes("@") ? ref : `${ref}:latest`);

export class FakeContainers {
  readonly containers = new Map<string, FakeContainer>();
  readonly execs = new Map<string, FakeExec>();
  readonly images = new Map<string, FakeImage>();
  /** Images the fake registry has: a pull adds them. */
  readonly pullable = new Map<string, FakeImage>();

  addImage(ref: string, config: FakeImage["Config"] = { Cmd: ["echo", "hello"] }, where: "local" | "registry" = "local"): FakeImage {
    const img = { Id: `sha256:${hex()}`, Config: config };
    (where === "local" ? this.images : this.pullable).set(normalize(ref), img);
    return img;
  }

  image(ref: string): FakeImage {
    const img = this.images.get(normalize(ref)) ?? [...this.images.values()].find((i) => ref.length >= 4 && i.Id.slice(7).startsWith(ref));
    if (!img) throw fail(404, `No such image: ${normalize(ref)}`);
    return img;
  }

  find(ref: string): FakeContainer {
    const byName = [...this.containers.values()].find((c) => c.name === ref.replace(/^\//, ""));
    const c = this.containers.get(ref) ?? byName ?? [...this.containers.values()].find((x) => ref.length > 0 && x.id.startsWith(ref));
    if (!c) throw fail(404, `No such container: ${ref}`);
    return c;
  }

  create(body: ContainerCreateBody, name?: string): { Id: string; Warnings: string[] } {
    const image = this.image(body.Image);
    if (name !== undefined && name !== "") {
      if (!NAME.test(name)) throw fail(400, `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      const other = [...this.containers.values()].find((c) => c.name === name.replace(/^\//, ""));
      if (other) throw fail(409, `Conflict. The container name "/${other.name}" is already in use by container "${other.id}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    const id = hex();
    const entrypoint = body.Entrypoint ?? image.Config.Entrypoint ?? [];
    const cmd = body.Cmd ?? (body.Entrypoint ? [] : (image.Config.Cmd ?? []));
    const c: FakeContainer = {
      id, name: name?.replace(/^\//, "") || `fake_${id.slice(0, 6)}`, created: Date.now(), body, image,
      argv: [...entrypoint.filter((e) => e !== ""), ...cmd], state: "created", exitCode: 0, error: "",
      log: [], listeners: new Set(), exitWaiters: new Set(), removedWaiters: new Set(), signals: [], execs: [], pendingStdin: [], stdinEnded: false,
    };
    this.containers.set(id, c);
    return { Id: id, Warnings: [] };
  }

  start(ref: string): "started" | "already" {
    const c = this.find(ref);
    if (c.state === "running" || c.state === "paused") return "already";
    const why = startFailure(c.argv);
    if (why) {
      c.exitCode = why.includes("permission denied") ? 126 : 127;
      c.error = why;
      if (c.body.HostConfig.AutoRemove) this.delete(c);
      throw fail(400, `failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${why}: unknown`);
    }
    const p = new FakeProcess(c.argv, c.body.Tty, c.body.HostConfig.ConsoleSize);
    c.process = p;
    c.state = "running";
    c.startedAt = Date.now();
    c.exitCode = 0;
    p.listeners.add((stream, data) => {
      for (const line of data.split(/(?<=\n)/)) c.log.push({ stream, data: line, time: Date.now() });
      for (const l of c.listeners) l(stream, data);
    });
    p.exitListeners.add((code) => this.exited(c, code));
    p.start();
    for (const d of c.pendingStdin ?? []) p.stdin(d);
    c.pendingStdin = [];
    if (c.stdinEnded) p.stdinEnd();
    return "started";
  }

  /** Bytes for the container's stdin: to its process, or kept until it starts. */
  stdin(c: FakeContainer, d: Buffer): void {
    if (c.process?.running) c.process.stdin(d);
    else c.pendingStdin?.push(Buffer.from(d));
  }

  /** The end of the container's stdin (an attached client closed its side and StdinOnce is set). */
  stdinEnd(c: FakeContainer): void {
    c.stdinEnded = true;
    if (c.process?.running) c.process.stdinEnd();
  }

  private exited(c: FakeContainer, code: number): void {
    c.state = "exited";
    c.exitCode = code;
    c.finishedAt = Date.now();
    for (const w of [...c.exitWaiters]) w(code);
    c.exitWaiters.clear();
    if (c.body.HostConfig.AutoRemove) this.delete(c);
  }

  private delete(c: FakeContainer): void {
    this.containers.delete(c.id);
    for (const w of [...c.removedWaiters]) w(c.exitCode);
    c.removedWaiters.clear();
  }

  kill(ref: string, signal = "KILL"): void {
    const c = this.find(ref);
    const name = signalName(signal);
    if (!name) throw fail(400, `Invalid signal: ${signal}`);
    if (c.state !== "running" && c.state !== "paused") throw fail(409, `Cannot kill container: ${ref}: Container ${c.id} is not running`);
    c.signals.push(name);
    c.process!.signal(name);
  }

  /** docker's stop: the stop signal, then SIGKILL after t seconds (the container's StopTimeout, else 10). */
  async stop(ref: string, t?: number, signal?: string): Promise<"stopped" | "already"> {
    const c = this.find(ref);
    if (c.state !== "running" && c.state !== "paused") return "already";
    const exited = new Promise<void>((r) => c.exitWaiters.add(() => r()));
    this.kill(c.id, signal ?? (c.body.StopSignal || "TERM"));
    const timeout = t ?? c.body.StopTimeout ?? 10;
    const late = await Promise.race([exited.then(() => false), Bun.sleep(Math.max(0, timeout) * 1000).then(() => true)]);
    if (late && c.process?.running) {
      this.kill(c.id, "KILL");
      await exited;
    }
    return "stopped";
  }

  async restart(ref: string, t?: number): Promise<void> {
    const c = this.find(ref);
    await this.stop(c.id, t);
    this.start(c.id);
  }

  pause(ref: string, on: boolean): void {
    const c = this.find(ref);
    if (on && c.state !== "running") throw fail(409, c.state === "paused" ? `Container ${c.id} is already paused` : `Container ${c.id} is not running`);
    if (!on && c.state !== "paused") throw fail(409, `Container ${c.id} is not paused`);
    c.state = on ? "paused" : "running";
  }

  async remove(ref: string, o: { force?: boolean }): Promise<void> {
    const c = this.find(ref);
    if ((c.state === "running" || c.state === "paused") && !o.force)
      throw fail(409, `cannot remove container "/${c.name}": container is ${c.state}: stop the container before removing or force remove`);
    if (c.state === "running" || c.state === "paused") {
      const exited = new Promise<void>((r) => c.exitWaiters.add(() => r()));
      c.process!.signal("KILL");
      await exited;
    }
    if (this.containers.has(c.id)) this.delete(c);
  }

  rename(ref: string, name: string): void {
    const c = this.find(ref);
    if (!NAME.test(name)) throw fail(400, `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    const other = [...this.containers.values()].find((x) => x.name === name.replace(/^\//, ""));
    if (other) throw fail(409, `Error when allocating new name: Conflict. The container name "/${other.name}" is already in use by container "${other.id}". You have to remove (or rename) that container to be able to reuse that name.`);
    c.name = name.replace(/^\//, "");
  }

  /** Resolves with the exit code when `condition` is met; registered before it returns. */
  wait(ref: string, condition = "not-running"): Promise<number> {
    const c = this.find(ref);
    if (condition === "removed") return new Promise((r) => c.removedWaiters.add(r));
    if (condition === "not-running" && c.state !== "running" && c.state !== "paused") return Promise.resolve(c.exitCode);
    return new Promise((r) => c.exitWaiters.add(r));
  }

  prune(): { ContainersDeleted: string[]; SpaceReclaimed: number } {
    const gone = [...this.containers.values()].filter((c) => c.state === "exited" || c.state === "created");
    for (const c of gone) this.delete(c);
    return { ContainersDeleted: gone.map((c) => c.id), SpaceReclaimed: gone.length * 4096 };
  }

  execCreate(ref: string, body: ExecCreateBody): { Id: string } {
    const c = this.find(ref);
    if (c.state === "paused") throw fail(409, `Container ${c.id} is paused, unpause the container before exec`);
    if (c.state !== "running") throw fail(409, `container ${c.id} is not running`);
    const id = hex();
    this.execs.set(id, { id, container: c, body, exitCode: null });
    c.execs.push(id);
    return { Id: id };
  }

  exec(id: string): FakeExec {
    const e = this.execs.get(id);
    if (!e) throw fail(404, `No such exec instance: ${id}`);
    return e;
  }

  /** The exec's process, not started: the caller attaches first. A program that cannot start writes runc's words and exits 126/127. */
  execProcess(id: string): FakeProcess {
    const e = this.exec(id);
    if (e.process) throw fail(409, `Error: Exec command ${id} has already run`);
    const why = startFailure(e.body.Cmd);
    const p = new FakeProcess(why ? ["script", `out:OCI runtime exec failed: exec failed: unable to start container process: ${why}: unknown`, `exit:${why.includes("permission") ? 126 : 127}`] : e.body.Cmd, e.body.Tty);
    p.exitListeners.add((code) => (e.exitCode = code));
    e.process = p;
    return p;
  }

  summary(c: FakeContainer, size: boolean): Record<string, unknown> {
    const now = Date.now();
    const status =
      c.state === "created" ? "Created" : c.state === "exited" ? `Exited (${c.exitCode}) ${humanDuration(now - c.finishedAt!)} ago` : `Up ${humanDuration(now - c.startedAt!)}${c.state === "paused" ? " (Paused)" : ""}`;
    return {
      Id: c.id, Names: [`/${c.name}`], Image: c.body.Image, ImageID: c.image.Id, Command: c.argv.join(" "), Created: Math.floor(c.created / 1000),
      Ports: [], ...(size ? { SizeRw: 12, SizeRootFs: 4_261_234 } : {}), Labels: c.body.Labels ?? {}, State: c.state, Status: status,
      HostConfig: { NetworkMode: c.body.HostConfig.NetworkMode }, NetworkSettings: { Networks: {} }, Mounts: [],
    };
  }

  inspect(c: FakeContainer): Record<string, unknown> {
    const iso = (ms?: number) => (ms ? new Date(ms).toISOString() : "0001-01-01T00:00:00Z");
    const { HostConfig, NetworkingConfig: _, ...config } = c.body;
    return {
      Id: c.id, Created: iso(c.created), Path: c.argv[0] ?? "", Args: c.argv.slice(1),
      State: {
        Status: c.state, Running: c.state === "running" || c.state === "paused", Paused: c.state === "paused", Restarting: false, OOMKilled: false, Dead: false,
        Pid: c.state === "running" ? 4242 : 0, ExitCode: c.exitCode, Error: c.error, StartedAt: iso(c.startedAt), FinishedAt: iso(c.finishedAt),
      },
      Image: c.image.Id, Name: `/${c.name}`, RestartCount: 0, Driver: "overlay2", Platform: "linux", ExecIDs: c.execs.length ? c.execs : null,
      HostConfig, Mounts: [], Config: { ...config, Cmd: c.body.Cmd ?? c.image.Config.Cmd ?? null },
      NetworkSettings: { Ports: {}, Networks: {} },
    };
  }
}
