// What a skiffd leaves of its containers, looked for everywhere it could be: processes working under
// its roots (monitors, create commands, the containers themselves), mounts naming its roots,
// container cgroups of this test run, rows in metadata.db, log and state directories, writable
// layers, runtime state, and the daemon's own open fds. Also: a daemon with the busybox image, a
// daemon killed with -9 and started again on the same roots (as live restore meets it), a request
// to its API with the HTTP status, and a client of it on a real terminal.
import { Database } from "bun:sqlite";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { RUN_TAG } from "./leaks.ts";
import { busyboxRootfs } from "./oci.ts";
import { DOCKER_28, ok, removeDir, startSkiffd, type Skiffd } from "./skiffd.ts";

export interface Leftovers {
  /** Processes (not the daemon) whose cwd or command line names the daemon's dir: monitors, and
   *  what they run. "PID cwd cmdline". */
  processes: string[];
  /** Processes in this test run's container cgroups (the containers' own). */
  inCgroups: string[];
  mounts: string[];
  cgroups: string[];
  /** Rows of metadata.db's containers table. */
  rows: string[];
  /** <data-root>/containers/*: the log and network files. */
  logDirs: string[];
  /** <exec-root>/containers/*: bundle, monitor socket, exit file. */
  stateDirs: string[];
  /** <exec-root>/runtime/NAME/ID: a runtime's state. */
  runtimeState: string[];
  /** <data-root>/snapshots/active/*: containers' writable layers. */
  layers: string[];
}

const safe = <T>(f: () => T, fallback: T): T => {
  try {
    return f();
  } catch {
    return fallback;
  }
};
const list = (dir: string) => safe(() => readdirSync(dir), [] as string[]);

const daemonPid = (d: Skiffd) => Number(safe(() => readFileSync(d.pidFile, "utf8"), "0"));

function processesUnder(dir: string, except: number): string[] {
  const out: string[] = [];
  for (const pid of list("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== except && Number(p) !== process.pid)) {
    const stat = safe(() => readFileSync(`/proc/${pid}/stat`, "utf8"), "");
    if (!stat || /\) [ZX] /.test(stat)) continue;
    const cwd = safe(() => readlinkSync(`/proc/${pid}/cwd`), "");
    const cmd = safe(() => readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim(), "");
    if (cwd.startsWith(dir) || cmd.includes(dir)) out.push(`${pid} ${cwd} ${cmd}`);
  }
  return out;
}

function inTestCgroups(): string[] {
  return list("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => safe(() => readFileSync(`/proc/${p}/cgroup`, "utf8"), "").includes(`/${RUN_TAG}/`))
    .filter((p) => !/\) [ZX] /.test(safe(() => readFileSync(`/proc/${p}/stat`, "utf8"), ") Z ")))
    .map((p) => `${p} ${safe(() => readFileSync(`/proc/${p}/cmdline`, "utf8").replaceAll("\0", " "), "")}`);
}

function testCgroups(): string[] {
  const out: string[] = [];
  for (const h of ["", ...list("/sys/fs/cgroup")]) {
    const base = join("/sys/fs/cgroup", h, RUN_TAG);
    for (const c of list(base)) if (safe(() => readdirSync(join(base, c)) && true, false)) out.push(join(base, c));
  }
  return out;
}

/** The container rows of the daemon's database, read beside the running daemon. */
export function containerRows(d: Skiffd): string[] {
  const path = join(d.dir, "data/metadata.db");
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true });
  try {
    return db.query<{ id: string; name: string }, []>("SELECT id, name FROM containers").all().map((r) => `${r.id} ${r.name}`);
  } finally {
    db.close();
  }
}

export function leftovers(d: Skiffd): Leftovers {
  const data = join(d.dir, "data");
  const exec = join(d.dir, "exec");
  return {
    processes: processesUnder(d.dir, daemonPid(d)),
    inCgroups: inTestCgroups(),
    mounts: readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(d.dir)),
    cgroups: testCgroups(),
    rows: containerRows(d),
    logDirs: list(join(data, "containers")),
    stateDirs: list(join(exec, "containers")),
    runtimeState: list(join(exec, "runtime")).flatMap((rt) => list(join(exec, "runtime", rt)).map((id) => `${rt}/${id}`)),
    layers: list(join(data, "snapshots/active")),
  };
}

/** Waits (a few seconds at most) until nothing is left; returns what still is. Monitors end a
 *  moment after their container's removal is answered: their last client has to go first. */
export async function settledLeftovers(d: Skiffd, ms = 5000): Promise<Partial<Leftovers>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const l = leftovers(d);
    const left = Object.fromEntries(Object.entries(l).filter(([, v]) => v.length)) as Partial<Leftovers>;
    if (!Object.keys(left).length || Date.now() > deadline) return left;
    await Bun.sleep(50);
  }
}

/** The daemon's open fds ("N -> target"). */
export function daemonFds(d: Skiffd): string[] {
  const pid = daemonPid(d);
  return list(`/proc/${pid}/fd`).map((fd) => `${fd} -> ${safe(() => readlinkSync(`/proc/${pid}/fd/${fd}`), "?")}`);
}

/** Waits (a few seconds at most) until the daemon holds at most `count` fds; returns its fds. */
export async function settledFds(d: Skiffd, count: number, ms = 5000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const fds = daemonFds(d);
    if (fds.length <= count || Date.now() > deadline) return fds;
    await Bun.sleep(50);
  }
}

export { ok };

/** A skiffd (on roots of its own) with busybox:latest imported from Debian's static busybox. */
export async function skiffdWithBusybox(extraArgs: string[] = [], env?: Record<string, string>): Promise<Skiffd> {
  const d = await startSkiffd(extraArgs, undefined, env);
  const tar = join(d.dir, "busybox.tar");
  execFileSync("tar", ["-C", busyboxRootfs(), "-cf", tar, "."]);
  ok(d.skiff(["import", tar, "busybox:latest", "-c", 'CMD ["sh"]']));
  return d;
}

/** kill -9 of the daemon; resolves once it is gone (its pid file and socket are left, stale). */
export async function killDaemon(d: Skiffd): Promise<void> {
  if (d.proc.exitCode !== null || d.proc.signalCode !== null) return;
  const gone = new Promise((r) => d.proc.once("exit", r));
  d.proc.kill("SIGKILL");
  await gone;
}

/** A new daemon on the roots, socket and pid file of `d` (killed before): resolves once it has
 *  restored its containers and answers (its pid file names it). */
export async function restartOn(d: Skiffd, extraArgs: string[] = []): Promise<Skiffd> {
  await killDaemon(d);
  const next = await startSkiffd(extraArgs, d.dir);
  for (let i = 0; i < 1000; i++) {
    if (next.proc.exitCode !== null) throw new Error(`the restarted skiffd exited with ${next.proc.exitCode}`);
    if (daemonPid(next) === next.proc.pid && next.docker(DOCKER_28, ["version", "--format", "{{.Server.Version}}"]).status === 0) return next;
    await Bun.sleep(20);
  }
  throw new Error("the restarted skiffd did not answer within 20 s");
}

/** Removes every container of the daemon (for afterAll), stops it and removes its roots. */
export async function stopClean(d: Skiffd | undefined): Promise<void> {
  if (!d) return;
  if (d.proc.exitCode === null && d.proc.signalCode === null) {
    const ids = d.docker(DOCKER_28, ["ps", "-aq"]).stdout.split("\n").filter(Boolean);
    if (ids.length) d.docker(DOCKER_28, ["rm", "-f", ...ids]);
  }
  await d.stop();
  removeDir(d.dir);
}

/** One request to the daemon's API (docker's paths, e.g. "/v1.41/containers/x/json"): its HTTP
 *  status and body (JSON when it is). */
export async function api(d: Skiffd, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.sock, method, path, headers: body === undefined ? {} : { "Content-Type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: safe(() => JSON.parse(text), text) }));
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

export type { PtyStep } from "./container-clis.ts";

/** `argv` (a client of `d`: DOCKER_HOST points at it) on a new 80x24 terminal, playing `steps`
 *  (test/fixtures/pty-script.py): what the screen showed, stderr, the status and the time taken. */
export async function onTerminal(d: Skiffd, argv: string[], steps: import("./container-clis.ts").PtyStep[]): Promise<{ status: number; screen: string; stderr: string; ms: number }> {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: d.dir, DOCKER_CONFIG: join(d.dir, "docker-config"), DOCKER_HOST: `unix://${d.sock}`, TERM: "xterm" };
  const t = performance.now();
  const p = Bun.spawn(["python3", join(import.meta.dir, "../fixtures/pty-script.py"), JSON.stringify(steps), ...argv], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 60_000 });
  const [screen, stderr, status] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { status, screen, stderr, ms: performance.now() - t };
}
