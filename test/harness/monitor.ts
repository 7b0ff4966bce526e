// Helpers for the monitor's black-box tests: a state directory per monitor, the fake `runc create`
// (test/fixtures/fake-create.sh), docker's json-file log read back, docker's multiplexed frames
// taken apart, and the check that no monitor outlives its test.
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import type { MonitorConfig } from "../../src/engine/containers/monitor/index.ts";
import { RUN_TAG } from "./leaks.ts";
import { REPO, tempDir } from "./oci.ts";
import { until as pollUntil } from "./until.ts";

export const FAKE_CREATE = join(REPO, "test/fixtures/fake-create.sh");

/** A fresh state directory and a config whose paths are inside it (relative to it). */
export function monitorConfig(over: Partial<MonitorConfig> = {}): MonitorConfig & { abs(name: string): string } {
  const dir = tempDir("mon");
  made.push(dir);
  return { dir, socket: "attach.sock", exitFile: "exit", fileMode: 0o640, errorLog: "monitor.log", pidFile: "pid", log: { path: "ctr.log" }, ...over, abs: (name) => join(dir, name) };
}

const made: string[] = [];

/** Sockets left in the state directories made since the last call (a monitor removes its own). */
export function socketsLeft(): string[] {
  const left = made.filter((dir) => existsSync(dir)).flatMap((dir) => readdirSync(dir).map((f) => `${dir}/${f}`).filter((f) => statSync(f).isSocket()));
  made.length = 0;
  return left;
}

/** The fake create command running `command` as the container's init (started by writing the
 *  "start" fifo in the state directory). */
export const fakeCreate = (command: string[]) => [FAKE_CREATE, "pid", "start", ...command];

export interface LogEntry {
  log: string;
  stream: string;
  time: string;
  /** The line as the file holds it. */
  raw: string;
}

export function readLog(path: string): LogEntry[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((raw) => ({ ...(JSON.parse(raw) as Omit<LogEntry, "raw">), raw }));
}

/** All of a socket's bytes until it ends. */
export function readAll(s: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  s.on("data", (c: Buffer) => chunks.push(c));
  return new Promise((resolve, reject) => {
    s.once("end", () => resolve(Buffer.concat(chunks)));
    s.once("error", reject);
  });
}

/** docker's multiplexed stream taken apart: the bytes of each stream (1 stdout, 2 stderr). */
export function demux(b: Buffer): { stdout: string; stderr: string; frames: number } {
  const out: Record<number, Buffer[]> = { 1: [], 2: [] };
  let frames = 0;
  for (let o = 0; o < b.length; frames++) {
    const len = b.readUInt32BE(o + 4);
    if (b[o + 1] || b[o + 2] || b[o + 3] || !out[b[o]!]) throw new Error(`bad frame header at ${o}: ${b.subarray(o, o + 8).toString("hex")}`);
    out[b[o]!]!.push(b.subarray(o + 8, o + 8 + len));
    o += 8 + len;
  }
  return { stdout: Buffer.concat(out[1]!).toString("latin1"), stderr: Buffer.concat(out[2]!).toString("latin1"), frames };
}

/** Monitors of this test run still alive: skiff-monitor processes whose cwd is a test directory. */
export function monitorsAlive(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readlinkSync(`/proc/${pid}/exe`).endsWith("skiff-monitor")) continue;
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
      if (cwd.includes(RUN_TAG) && state !== "Z") out.push(`${pid} in ${cwd}`);
    } catch {}
  }
  return out;
}

/** Resident and proportional memory of a process, in KiB. */
export function memoryOf(pid: number): { rss: number; pss: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1]);
  return { rss: kb("Rss"), pss: kb("Pss") };
}

/** until.ts's polling at the monitor tests' pace: their conditions read files and /proc, every 10 ms. */
export const until = (what: string, ok: () => boolean, ms = 10_000): Promise<void> => pollUntil(what, ok, ms, 10);

/** The children of a process, with their state letter (Z: a zombie not reaped yet). */
export function childrenOf(parent: number): { pid: number; state: string; comm: string }[] {
  const out: { pid: number; state: string; comm: string }[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) === parent) out.push({ pid: Number(pid), state: state!, comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) });
    } catch {}
  }
  return out;
}
