// A runc-compatible binary (runc, crun, skiff-oci) behind OciRuntime, driven through its command
// line as containerd's shim and conmon drive it: one process per verb, `--root` for its state,
// JSON logs for create and exec (whose stdio belongs to the container's monitor), stderr for the
// rest. Its failures become SkiffErrors that quote the runtime's own words.
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { unmountUnder } from "../common/mounts.ts";
import { mount } from "../common/sys.ts";
import { SkiffError, type ErrorKind } from "../common/errors.ts";
import type { Process } from "../oci/runtime-config.ts";
import type { OciRuntime, OciState, RootfsMount, RuntimeCreateOptions, RuntimeExecOptions } from "./oci-runtime.ts";
import { plainSpawner } from "./spawner.ts";

export class CliRuntime implements OciRuntime {
  readonly name: string;

  constructor(
    readonly binary: string,
    readonly root: string,
  ) {
    this.name = basename(binary);
  }

  async create(id: string, bundle: string, o: RuntimeCreateOptions = {}): Promise<{ pid: number }> {
    const pidFile = o.pidFile ?? join(this.scratch(id), "pid");
    const args = ["create", "--bundle", bundle, "--pid-file", pidFile, ...(o.consoleSocket ? ["--console-socket", o.consoleSocket] : []), id];
    // the mount is recorded before it is made: a daemon killed during the mount call (a slow one on
    // a loaded host) leaves a mount its next delete finds, never one nothing names
    const rootfs = o.rootfsMount ? rootfsPath(bundle) : undefined;
    if (rootfs && o.rootfsMount) {
      writeFileSync(join(this.scratch(id), "rootfs-mount"), rootfs);
      try {
        mountRootfs(rootfs, o.rootfsMount);
      } catch (e) {
        unmountRootfs(rootfs);
        this.dropScratch(id);
        throw e;
      }
    }
    try {
      await this.spawned("create", id, args, o.spawner);
    } catch (e) {
      if (rootfs) unmountRootfs(rootfs);
      this.dropScratch(id);
      throw e;
    }
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    if (o.loopbackUp) await loopbackUp(pid, id, this.name);
    return { pid };
  }

  async start(id: string): Promise<void> {
    await this.run("start", id, ["start", id]);
  }

  async state(id: string): Promise<OciState> {
    return JSON.parse(await this.run("state", id, ["state", id])) as OciState;
  }

  async kill(id: string, signal: number, o: { all?: boolean } = {}): Promise<void> {
    await this.run("kill", id, ["kill", ...(o.all ? ["--all"] : []), id, String(signal)]);
  }

  /** The runtime lets go of the container, and the rootfs mount goes with it (also when the
   *  runtime never knew the container: a create cut short mounted it all the same). */
  async delete(id: string, o: { force?: boolean } = {}): Promise<void> {
    try {
      await this.run("delete", id, ["delete", ...(o.force ? ["--force"] : []), id]);
    } catch (e) {
      if ((e as SkiffError).kind !== "not_found") throw e; // it holds the container still: so does its mount
    }
    const mounted = readIfAny(join(this.scratchDir(id), "rootfs-mount"));
    if (mounted) unmountRootfs(mounted);
    this.dropScratch(id);
  }

  async exec(id: string, process: Process, o: RuntimeExecOptions = {}): Promise<{ pid: number }> {
    const dir = this.scratch(id);
    const tag = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const processFile = join(dir, `exec-${tag}.json`);
    const pidFile = o.pidFile ?? join(dir, `exec-${tag}.pid`);
    writeFileSync(processFile, JSON.stringify(process));
    try {
      await this.spawned("exec", id, ["exec", "--detach", "--pid-file", pidFile, "--process", processFile, ...(o.consoleSocket ? ["--console-socket", o.consoleSocket] : []), id], o.spawner);
      return { pid: Number(readFileSync(pidFile, "utf8").trim()) };
    } finally {
      rmSync(processFile, { force: true });
      if (!o.pidFile) rmSync(pidFile, { force: true });
    }
  }

  async pause(id: string): Promise<void> {
    await this.run("pause", id, ["pause", id]);
  }

  async resume(id: string): Promise<void> {
    await this.run("resume", id, ["resume", id]);
  }

  async update(id: string, resources: Record<string, unknown>): Promise<void> {
    await this.run("update", id, ["update", "--resources", "-", id], JSON.stringify(resources));
  }

  async ps(id: string): Promise<number[]> {
    return (JSON.parse(await this.run("ps", id, ["ps", "--format", "json", id])) as number[] | null) ?? [];
  }

  async stats(id: string): Promise<Record<string, unknown>> {
    const out = JSON.parse(await this.run("events", id, ["events", "--stats", id])) as { data?: Record<string, unknown> };
    return out.data ?? {};
  }

  /** A verb whose output is ours: stdout is its answer, stderr its complaint. */
  private async run(verb: string, id: string, args: string[], input?: string): Promise<string> {
    const proc = Bun.spawn([this.binary, "--root", this.root, ...args], { stdin: input === undefined ? "ignore" : new TextEncoder().encode(input), stdout: "pipe", stderr: "pipe" });
    const [status, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    if (status !== 0) throw this.failure(verb, id, status, lastLine(stderr));
    return stdout;
  }

  /** create and exec: the command's stdio is the container's, so its words go to a JSON log. */
  private async spawned(verb: string, id: string, args: string[], spawner = plainSpawner): Promise<void> {
    const logFile = join(this.scratch(id), `${verb}.log`);
    rmSync(logFile, { force: true });
    const proc = spawner({ argv: [this.binary, "--root", this.root, "--log", logFile, "--log-format", "json", ...args], fds: [], env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" } });
    const status = await proc.exited;
    if (status !== 0) throw this.failure(verb, id, status, lastError(logFile));
  }

  private dropScratch(id: string): void {
    rmSync(this.scratchDir(id), { recursive: true, force: true });
    try {
      rmdirSync(join(this.root, ".skiff"));
    } catch {} // other containers' files are still in it
  }

  private scratchDir(id: string): string {
    return join(this.root, ".skiff", id);
  }

  /** Files of ours beside the runtime's state: pid files, logs, exec processes. */
  private scratch(id: string): string {
    const dir = this.scratchDir(id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  private failure(verb: string, id: string, status: number, said: string | undefined): SkiffError {
    const kind: ErrorKind = /does not exist|not found|no such/i.test(said ?? "") ? "not_found" : "failed_precondition";
    return new SkiffError({
      layer: "runtime",
      code: "RUNTIME_CLI_FAILED",
      kind,
      message: `${this.name} ${verb} "${id}": ${said || `exited with status ${status}`}`,
      hint: `${this.name} refused it: see its words above; \`${this.binary} --root ${this.root} state ${id}\` shows what it holds`,
      details: { runtime: this.name, status },
    });
  }
}

/** lo up in the network namespace of a created container's init, from the host (nsenter + ip). */
async function loopbackUp(pid: number, id: string, runtime: string): Promise<void> {
  const p = Bun.spawn(["nsenter", "-t", String(pid), "-n", "ip", "link", "set", "lo", "up"], { stdout: "ignore", stderr: "pipe" });
  const [status, err] = await Promise.all([p.exited, new Response(p.stderr).text()]);
  if (status !== 0)
    throw new SkiffError({ layer: "runtime", code: "RUNTIME_LOOPBACK_FAILED", kind: "internal", message: `bring lo up in ${runtime} container "${id}": ${err.trim() || `nsenter exited with ${status}`}`, hint: "nsenter (util-linux) and ip (iproute2) must be installed" });
}

/** The bundle's root.path, where the engine's rootfs is mounted on the host. */
function rootfsPath(bundle: string): string {
  const config = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8")) as { root?: { path?: string } };
  return resolve(bundle, config.root?.path ?? "rootfs");
}

/** Mounts the engine's rootfs on `path`, after whatever an earlier create left mounted there
 *  (an overlay on top of another one on the same upper dir is undefined, and the lower one stays). */
function mountRootfs(path: string, m: RootfsMount): void {
  const back = process.cwd();
  try {
    unmountUnder(path);
    // overlay's lowerdir paths are relative to cwd when the absolute list would not fit a page
    if (m.cwd) process.chdir(m.cwd);
    mount(m.source, path, m.fstype, 0, m.data);
  } catch (e) {
    throw new SkiffError({ layer: "kernel", code: "RUNTIME_ROOTFS_MOUNT_FAILED", kind: "internal", message: `mount the ${m.fstype} rootfs on ${path}: ${(e as Error).message}`, hint: "check the kernel log (dmesg) for overlayfs's reason", cause: e, details: { path } });
  } finally {
    process.chdir(back);
  }
}

/** Every mount on the rootfs path goes (a stack of them, if a create was cut short before). */
function unmountRootfs(path: string): void {
  try {
    unmountUnder(path);
  } catch {} // left for the engine, which removes nothing that is still mounted
}

const readIfAny = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

const lastLine = (text: string): string | undefined =>
  text
    .trim()
    .split("\n")
    .map((l) => l.replace(/^time="[^"]*" level=\w+ msg="(.*)"$/, "$1").trim())
    // (skiff-oci's hint line follows its error)
    .filter((l) => l && !l.startsWith("hint: "))
    .at(-1);

/** The last error a runtime wrote to its JSON log ({"level":"error","msg":"…"} per line). */
function lastError(logFile: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(logFile, "utf8");
  } catch {
    return undefined;
  }
  let found: string | undefined;
  for (const line of text.split("\n")) {
    try {
      const o = JSON.parse(line) as { level?: string; msg?: string };
      if ((o.level === "error" || o.level === "fatal") && o.msg) found = o.msg;
    } catch {}
  }
  return found;
}
