// Many short containers through skiffd, as CI jobs and scripts make them: `docker run --rm busybox
// true` (docker 28) in a row and many at once. Each must answer 0, and afterwards nothing may be
// left: no mount, cgroup, process (monitors included) or runtime state, no database row, log or
// state directory or writable layer, and no fd more in skiffd than before (/proc/PID/fd).
// They run on the default bridge network: no address reservation, veth or per-container rule may
// be left either (the harness checks veths and rules after each test).
// The suite runs 200 in a row and 50 at once; scripts/churn runs more (SKIFF_CHURN_RUNS,
// SKIFF_CHURN_AT_ONCE) through this same file.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { daemonFds, ok, settledFds, settledLeftovers, skiffdWithBusybox, stopClean } from "./harness/skiffd-leftovers.ts";
import { DOCKER_28, removeDir, type Skiffd } from "./harness/skiffd.ts";

const RUNS = Number(process.env.SKIFF_CHURN_RUNS ?? 200);
const AT_ONCE = Number(process.env.SKIFF_CHURN_AT_ONCE ?? 50);

let d: Skiffd;
let baseline: string[];

beforeAll(async () => {
  d = await skiffdWithBusybox();
  // a few first: what the daemon opens once (and keeps) is not a leak
  for (let i = 0; i < 3; i++) ok(d.docker(DOCKER_28, ["run", "--rm", "busybox", "true"]));
  ok(d.docker(DOCKER_28, ["run", "--rm", "--runtime", "runc", "busybox", "true"]));
  await Bun.sleep(300); // the clients' connections close
  baseline = daemonFds(d);
});

afterAll(async () => {
  await stopClean(d);
  if (d) removeDir(d.dir);
});

/** docker run --rm … as a child of ours (asynchronously, so that many run at once). */
function run(args: string[]): Promise<{ status: number | null; stderr: string; ms: number }> {
  const t = performance.now();
  const p = spawn(DOCKER_28, ["run", "--rm", ...args], { env: { PATH: process.env.PATH, HOME: d.dir, DOCKER_CONFIG: join(d.dir, "docker-config"), DOCKER_HOST: `unix://${d.sock}` }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  p.stderr!.on("data", (c) => (stderr += c));
  return new Promise((resolve) => p.once("close", (status) => resolve({ status, stderr, ms: performance.now() - t })));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The addresses host-local holds for containers (one file per address) under the data root. */
function reservations(): string[] {
  const root = join(d.dir, "data", "networks", "ipam");
  const nets = existsSync(root) ? readdirSync(root) : [];
  return nets.flatMap((n) => readdirSync(join(root, n)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)).map((f) => `${n.slice(0, 12)}/${f}`));
}

/** Nothing left of any container, and the daemon holds no fd more than at the start. */
async function expectClean() {
  expect(ok(d.docker(DOCKER_28, ["ps", "-aq"]))).toBe("");
  // (a removed container's address is given back by the plugins' DEL, which may end a moment later)
  for (let i = 0; i < 100 && reservations().length; i++) await Bun.sleep(50);
  expect(reservations()).toEqual([]);
  expect(await settledLeftovers(d)).toEqual({});
  const fds = await settledFds(d, baseline.length);
  expect(fds.filter((f) => !baseline.includes(f))).toEqual([]);
}

test(`${RUNS} docker run --rm busybox true in a row: each 0, nothing left, no fd more in skiffd`, async () => {
  const times: number[] = [];
  const failed: string[] = [];
  const t = performance.now();
  for (let i = 0; i < RUNS; i++) {
    // every tenth under runc, the rest under skiff's own runtime
    const r = await run([...(i % 10 === 9 ? ["--runtime", "runc"] : []), "busybox", "true"]);
    times.push(r.ms);
    if (r.status !== 0) failed.push(`run ${i}: ${r.status} ${r.stderr.trim()}`);
  }
  const total = performance.now() - t;
  expect(failed).toEqual([]);
  await expectClean();
  console.log(`${RUNS} in a row: ${(total / 1000).toFixed(1)} s, median ${median(times).toFixed(0)} ms, slowest ${Math.max(...times).toFixed(0)} ms; skiffd fds ${baseline.length} before, ${daemonFds(d).length} after`);
}, Math.max(120_000, RUNS * 2000));

test(`${AT_ONCE} docker run --rm busybox true at once: each 0, nothing left, no fd more in skiffd`, async () => {
  const t = performance.now();
  const results = await Promise.all(Array.from({ length: AT_ONCE }, (_, i) => run([...(i % 10 === 9 ? ["--runtime", "runc"] : []), "busybox", "true"])));
  const total = performance.now() - t;
  expect(results.filter((r) => r.status !== 0).map((r) => `${r.status} ${r.stderr.trim()}`)).toEqual([]);
  await expectClean();
  console.log(`${AT_ONCE} at once: all back in ${(total / 1000).toFixed(1)} s (slowest client ${Math.max(...results.map((r) => r.ms)).toFixed(0)} ms)`);
}, 120_000);
