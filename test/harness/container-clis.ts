// skiff's CLI and docker 28's side by side against fake daemons (src/api/testing/fake-daemon.ts) in
// this test process: what each sends (the fake records it) and what each prints and answers.
// The CLIs run as child processes started asynchronously, so that the fake can answer them.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { FakeDaemon } from "../../src/api/testing/fake-daemon.ts";
import { DOCKER_28, REPO, tempDir } from "./skiffd.ts";

export { DOCKER_28 };

export const SKIFF_ENTRY = join(REPO, "src/cli/bin.ts");

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

let fakes = 0;
const dir = () => {
  const d = tempDir("container-clis");
  mkdirSync(d, { recursive: true });
  return d;
};
let base: string | undefined;

/** A fake daemon with a "busybox" image (Cmd: echo hello) on a socket of its own; stop it after. */
export async function startFake(): Promise<FakeDaemon> {
  base ??= dir();
  const d = await new FakeDaemon(join(base, `fake-${++fakes}.sock`)).start();
  d.store.addImage("busybox", { Cmd: ["echo", "hello from busybox"] });
  return d;
}

/** The environment both CLIs run with: nothing of this machine's docker config or daemon. */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  base ??= dir();
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: base, DOCKER_CONFIG: join(base, "docker-config"), ...extra };
}

/** At most this many CLIs at once: docker gives its first request 2 s before it goes on without
 * the daemon's OS type, which a loaded 2-core machine can exceed. */
const MAX_AT_ONCE = 4;
let running = 0;
const waiting: (() => void)[] = [];

/** Runs `docker` (28) or `skiff` (from source) against `daemon` with `args`. */
export async function runCli(which: "docker" | "skiff", daemon: FakeDaemon, args: string[], o: { input?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  if (running >= MAX_AT_ONCE) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await runOne(which, daemon, args, o);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** The command line of `which` pointed at `daemon`. */
export const cliArgv = (which: "docker" | "skiff", daemon: FakeDaemon, args: string[]): string[] =>
  which === "docker" ? [DOCKER_28, ...args] : [process.execPath, SKIFF_ENTRY, "-H", `unix://${daemon.socketPath}`, ...args];

/** The environment of `which` pointed at `daemon`. */
export const cliEnvFor = (which: "docker" | "skiff", daemon: FakeDaemon, extra: Record<string, string> = {}) =>
  cliEnv({ ...(which === "docker" ? { DOCKER_HOST: `unix://${daemon.socketPath}` } : {}), ...extra });

const PTY_SCRIPT = join(REPO, "test/fixtures/pty-script.py");

export type PtyStep = { expect: string } | { send: string } | { keys: string } | { resize: [number, number] } | { signal: string } | { sleep: number } | { modes: true };

/** Runs `which` with `args` on a new 80x24 terminal, playing `steps` (test/fixtures/pty-script.py). */
export async function runOnTerminal(which: "docker" | "skiff", daemon: FakeDaemon, args: string[], steps: PtyStep[]): Promise<{ status: number; screen: string; stderr: string }> {
  const p = Bun.spawn(["python3", PTY_SCRIPT, JSON.stringify(steps), ...cliArgv(which, daemon, args)], { env: cliEnvFor(which, daemon, { TERM: "xterm" }), stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 60_000 });
  const [screen, stderr, status] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { status, screen, stderr };
}

async function runOne(which: "docker" | "skiff", daemon: FakeDaemon, args: string[], o: { input?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  const argv = cliArgv(which, daemon, args);
  const env = cliEnvFor(which, daemon, o.env);
  const p = Bun.spawn(argv, { env, cwd: o.cwd, stdin: o.input === undefined ? "ignore" : new Blob([o.input]), stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  const [stdout, stderr, status] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { status, stdout, stderr };
}
