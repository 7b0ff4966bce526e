// What bench/containers.ts measures with, apart from the engines: commands as argv + env (and the
// shell line hyperfine runs), hyperfine in rounds, processes and their memory (/proc), and the
// host's state before and after (what a peer could leave behind).
import { spawn, spawnSync } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";

/** A command: argv and the environment it adds to ours. */
export interface Cmd {
  argv: string[];
  env?: Record<string, string>;
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

/** The command as one shell line (`K=V prog args`), as hyperfine runs it. */
export const shellLine = (c: Cmd): string => [...Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${quote(v)}`), ...c.argv.map(quote)].join(" ");

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `c` to completion. Output goes through files: a container started by it may keep a pipe
 * open long after the command is gone. */
export function runCmd(c: Cmd, opts: { timeout?: number; dir: string }): Outcome {
  const out = join(opts.dir, `out-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fo = openSync(`${out}.1`, "w+");
  const fe = openSync(`${out}.2`, "w+");
  try {
    const r = spawnSync(c.argv[0]!, c.argv.slice(1), { stdio: ["ignore", fo, fe], env: { ...process.env, ...c.env }, timeout: opts.timeout ?? 120_000 });
    return { code: r.status ?? -1, stdout: readFileSync(`${out}.1`, "utf8"), stderr: readFileSync(`${out}.2`, "utf8") };
  } finally {
    closeSync(fo);
    closeSync(fe);
    rmSync(`${out}.1`, { force: true });
    rmSync(`${out}.2`, { force: true });
  }
}

/** Starts `c` and resolves when the process exits (not when its output closes), with its code
 * and the tail of its stderr. */
export function startCmd(c: Cmd, dir: string): Promise<Outcome> {
  const errPath = join(dir, `err-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fe = openSync(errPath, "w+");
  const child = spawn(c.argv[0]!, c.argv.slice(1), { stdio: ["ignore", "ignore", fe], env: { ...process.env, ...c.env } });
  closeSync(fe);
  return new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      const stderr = readFileSync(errPath, "utf8");
      rmSync(errPath, { force: true });
      resolve({ code: code ?? (signal ? 128 : -1), stdout: "", stderr });
    }),
  );
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Times each command `runs` times with hyperfine (1 warm-up per round), split into `rounds`
 * calls that each measure every command, in an order rotated from round to round, so that all
 * share the same moments of a busy machine. Returns the times in seconds, per command. */
export function hyperfineRounds(commands: string[], runs: number, rounds: number, dir: string, prepare?: string): number[][] {
  const times: number[][] = commands.map(() => []);
  const perRound = Math.max(1, Math.ceil(runs / rounds));
  for (let r = 0; r * perRound < runs; r++) {
    const n = Math.min(perRound, runs - r * perRound);
    const out = join(dir, `hyperfine-${r}.json`);
    const order = commands.map((_, i) => (i + r) % commands.length);
    const args = ["--style", "none", "-w", "1", "-r", String(n), "--export-json", out, ...(prepare ? ["--prepare", prepare] : []), ...order.map((i) => commands[i]!)];
    const hf = spawnSync("hyperfine", args, { encoding: "utf8", maxBuffer: 16 << 20 });
    if (hf.status !== 0) throw new Error(`hyperfine failed:\n${(hf.stderr || hf.stdout).trim().split("\n").slice(-6).join("\n")}`);
    const results = JSON.parse(readFileSync(out, "utf8")).results as { times: number[] }[];
    results.forEach((res, k) => times[order[k]!]!.push(...res.times));
    rmSync(out, { force: true });
  }
  return times;
}

// ---------------------------------------------------------------------------------------------
// processes and memory

const safe = <T>(f: () => T, fallback: T): T => {
  try {
    return f();
  } catch {
    return fallback;
  }
};

export interface Proc {
  pid: number;
  ppid: number;
  exe: string;
  cmdline: string;
}

/** Every live (not zombie) process. */
export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const d of safe(() => readdirSync("/proc"), [] as string[])) {
    if (!/^\d+$/.test(d)) continue;
    const stat = safe(() => readFileSync(`/proc/${d}/stat`, "utf8"), "");
    if (!stat || /\) [ZX] /.test(stat)) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    out.push({ pid: Number(d), ppid, exe: safe(() => readlinkSync(`/proc/${d}/exe`), ""), cmdline: safe(() => readFileSync(`/proc/${d}/cmdline`, "utf8").replaceAll("\0", " ").trim(), "") });
  }
  return out;
}

export interface Memory {
  /** bytes */
  rss: number;
  pss: number;
  /** The anonymous part of the RSS (heaps, stacks): what the process allocated, not its code. */
  anon: number;
}

/** RSS, PSS and anonymous memory of a process from /proc/PID/smaps_rollup (zero if it is gone). */
export function memoryOf(pid: number): Memory {
  const text = safe(() => readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"), "");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb("Rss"), pss: kb("Pss"), anon: kb("Anonymous") };
}

export const sumMemory = (pids: number[]): Memory => pids.map(memoryOf).reduce((a, b) => ({ rss: a.rss + b.rss, pss: a.pss + b.pss, anon: a.anon + b.anon }), { rss: 0, pss: 0, anon: 0 });

// ---------------------------------------------------------------------------------------------
// what could be left behind

export interface HostState {
  mounts: string[];
  cgroups: string[];
  processes: string[];
  netns: string[];
  iptables: string[];
  paths: string[];
}

/** Directories where engines make things outside the roots they are given. */
const WATCHED_DIRS = ["/run", "/run/docker", "/run/containerd", "/run/containerd/s", "/run/containerd/fifo", "/run/netns", "/var/lib", "/var/lib/containers", "/etc/docker", "/etc/containers", "/etc/cni/net.d", "/var/lib/cni", "/var/lib/cni/networks"];

/** What this run may leave: mounts and processes naming `marks` (the run's directories and tag),
 * cgroups named `cgroup` in any hierarchy, network namespaces, iptables rules (all tables, without
 * counters) and the entries of a few directories where engines keep host-wide state. */
export function hostState(marks: string[], cgroup: string): HostState {
  const named = (s: string) => marks.some((m) => s.includes(m));
  const cgroups: string[] = [];
  for (const h of safe(() => readdirSync("/sys/fs/cgroup"), [] as string[])) {
    const dir = join("/sys/fs/cgroup", h, cgroup);
    const kids = safe(() => readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(dir, d.name)), null);
    if (kids) cgroups.push(dir, ...kids);
  }
  const ipt = spawnSync("iptables-save", [], { encoding: "utf8" });
  return {
    mounts: readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .map((l) => l.split(" ")[4] ?? "")
      .filter(named),
    cgroups,
    processes: processes()
      .filter((p) => p.pid !== process.pid && named(p.cmdline))
      .map((p) => `${p.pid} ${p.cmdline.slice(0, 160)}`),
    netns: safe(() => readdirSync("/run/netns"), [] as string[]),
    iptables: (ipt.stdout ?? "").split("\n").filter((l) => l && !l.startsWith("#") && !/^:\S+ \S+ \[/.test(l)),
    paths: WATCHED_DIRS.flatMap((d) => safe(() => readdirSync(d).map((e) => join(d, e)), [] as string[])),
  };
}

/** What is in `after` and was not in `before`, as readable lines. */
export function leftBehind(before: HostState, after: HostState): string[] {
  const out: string[] = [];
  for (const key of Object.keys(after) as (keyof HostState)[]) {
    const old = new Set(before[key]);
    for (const item of after[key]) if (!old.has(item)) out.push(`${key}: ${item}`);
  }
  return out;
}
