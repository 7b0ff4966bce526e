// Live restore: skiffd killed with -9 while its containers run leaves them running under their
// monitors; the next daemon on the same roots finds them again: inspect, logs (whole, also what
// was written while no daemon was up), exec, attach (also on a terminal), unpause of one paused
// across the restart, stop and rm work; a container that exited
// meanwhile shows its exit code and finish time (and a --rm one is removed); afterwards nothing of
// any of them is left. Half of the containers run under runc, half under skiff's own runtime.
// Also: the daemon killed in the middle of `docker run`, at moments from the request's arrival to
// the container running: the next daemon has the container running and manageable, or cleanly
// created or exited and removable, or not at all; never half-made.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { containerRows, killDaemon, leftovers, ok, onTerminal, restartOn, settledLeftovers, skiffdWithBusybox, stopClean, type PtyStep } from "./harness/skiffd-leftovers.ts";
import { DOCKER_28, removeDir, type RunResult, type Skiffd } from "./harness/skiffd.ts";

let d: Skiffd;
const docker = (...args: string[]): RunResult => d.docker(DOCKER_28, args);
const inspect = (name: string, format: string) => ok(docker("inspect", "--format", format, name)).trim();

beforeAll(async () => {
  d = await skiffdWithBusybox();
});

afterAll(async () => {
  await stopClean(d);
  if (d) removeDir(d.dir);
});

/** Waits until `f` holds (20 ms steps), or fails saying what was awaited. */
async function until(what: string, f: () => boolean, ms = 15_000) {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** The process runs (a zombie's exit has happened). */
const pidAlive = (pid: number) => {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

/** "n 0", "n 1", … with no gap and no repeat: what a counting container wrote. */
function expectCounted(out: string, min: number) {
  const lines = out.split("\n").filter(Boolean);
  expect(lines.length).toBeGreaterThanOrEqual(min);
  lines.forEach((l, i) => {
    if (l !== `n ${i}`) throw new Error(`line ${i} of the log is ${JSON.stringify(l)}: a gap or a repeat`);
  });
}

const TRAP = "trap 'exit 0' TERM";

test("20 running containers, skiffd killed with -9 and started again: all 20 manageable, logs whole, exits seen; then nothing left", async () => {
  const trigger = join(d.dir, "trigger");
  mkdirSync(trigger);
  const mount = ["-v", `${trigger}:/trigger`];
  const runtimeOf = (i: number) => (i % 2 ? "runc" : "skiff");
  const kinds: Record<string, string[]> = {
    // counts every 50 ms, before, during and after the daemon's absence
    count: ["sh", "-c", `${TRAP}; i=0; while true; do echo "n $i"; i=$((i+1)); sleep 0.05; done`],
    // writes 3000 lines only once the daemon is gone
    burst: ["sh", "-c", `${TRAP}; echo ready; until [ -e /trigger/burst ]; do sleep 0.02; done; i=1; while [ $i -le 3000 ]; do echo "line $i"; i=$((i+1)); done; echo done; while true; do sleep 0.1; done`],
    // reads one line from an attach and exits with 3
    reader: ["sh", "-c", `read l; echo "got $l"; exit 3`],
    // a shell on a terminal (-t), typed into after the restart
    tty: ["sh"],
    // paused across the restart
    paused: ["sh", "-c", `${TRAP}; while true; do sleep 0.1; done`],
    idle: ["sh", "-c", `${TRAP}; while true; do sleep 0.1; done`],
  };
  const kindOf = (i: number) => (i < 6 ? "count" : i < 8 ? "burst" : i < 10 ? "reader" : i < 12 ? "tty" : i < 14 ? "paused" : "idle");
  const plan = Array.from({ length: 20 }, (_, i) => ({ name: `c${i}`, runtime: runtimeOf(i), kind: kindOf(i) }));
  const flags: Record<string, string[]> = { reader: ["-i"], tty: ["-i", "-t"] };
  const t0 = Date.now();
  for (const c of plan) ok(docker("run", "-d", ...(flags[c.kind] ?? []), "--name", c.name, "--runtime", c.runtime, ...mount, "busybox", ...kinds[c.kind]!));
  for (const c of plan.filter((c) => c.kind === "paused")) ok(docker("pause", c.name));
  // and two that exit while no daemon is up (one with --rm: the next daemon removes it)
  const exiter = ["sh", "-c", "until [ -e /trigger/exit ]; do sleep 0.02; done; echo bye; exit 42"];
  ok(docker("run", "-d", "--name", "exiter", ...mount, "busybox", ...exiter));
  ok(docker("run", "-d", "--rm", "--name", "exiter-rm", "--runtime", "runc", ...mount, "busybox", ...exiter));
  const started = Date.now() - t0;
  const pids = Object.fromEntries([...plan.map((c) => c.name), "exiter", "exiter-rm"].map((n) => [n, Number(inspect(n, "{{.State.Pid}}"))]));
  await until("the burst containers to be ready", () => plan.filter((c) => c.kind === "burst").every((c) => docker("logs", c.name).stdout === "ready\n"));

  await killDaemon(d);
  const killedAt = Date.now();
  writeFileSync(join(trigger, "burst"), "");
  writeFileSync(join(trigger, "exit"), "");
  await until("the exiters to exit", () => !pidAlive(pids.exiter!) && !pidAlive(pids["exiter-rm"]!));
  await Bun.sleep(300); // the counters count on, the bursts write, with no daemon
  const t1 = Date.now();
  d = await restartOn(d);
  const restarted = Date.now() - t1;
  const restartedAt = Date.now();

  // everything that ran runs on, with the same init; the paused ones stay paused
  for (const c of plan) {
    const want = c.kind === "paused" ? "paused" : "running";
    expect([c.name, inspect(c.name, "{{.State.Status}} {{.State.Pid}} {{.HostConfig.Runtime}}")]).toEqual([c.name, `${want} ${pids[c.name]} ${c.runtime}`]);
  }
  for (const c of plan.filter((c) => c.kind === "paused")) ok(docker("unpause", c.name));
  // the exit while no daemon was up: its code and its time
  const [status, code, finished] = inspect("exiter", "{{.State.Status}} {{.State.ExitCode}} {{.State.FinishedAt}}").split(" ");
  expect([status, code]).toEqual(["exited", "42"]);
  expect(Date.parse(finished!)).toBeGreaterThanOrEqual(killedAt - 1000);
  expect(Date.parse(finished!)).toBeLessThanOrEqual(restartedAt);
  expect(ok(docker("logs", "exiter"))).toBe("bye\n");
  expect(ok(docker("wait", "exiter"))).toBe("42\n");
  await until("the --rm exiter's removal", () => docker("inspect", "exiter-rm").status !== 0);

  // logs: the bursts whole, written while no daemon was up
  const burst = ["ready", ...Array.from({ length: 3000 }, (_, i) => `line ${i + 1}`), "done"].join("\n") + "\n";
  for (const c of plan.filter((c) => c.kind === "burst")) {
    await until(`${c.name}'s burst`, () => docker("logs", "--tail", "1", c.name).stdout === "done\n");
    expect([c.name, ok(docker("logs", c.name)) === burst]).toEqual([c.name, true]);
  }
  // exec into each, and the log goes on being written
  const t2 = Date.now();
  for (const c of plan) expect([c.name, ok(docker("exec", c.name, "echo", c.name))]).toEqual([c.name, `${c.name}\n`]);
  const execs = Date.now() - t2;
  // attach: stdin in, output out, the exit code out
  for (const c of plan.filter((c) => c.kind === "reader")) {
    const r = d.docker(DOCKER_28, ["attach", c.name], { input: "hello\n" });
    expect([c.name, r.status, r.stdout]).toEqual([c.name, 3, "got hello\n"]);
    expect(inspect(c.name, "{{.State.Status}} {{.State.ExitCode}}")).toBe("exited 3");
  }
  // a terminal: typed into, resized, left with an exit code
  for (const c of plan.filter((c) => c.kind === "tty")) {
    const steps: PtyStep[] = [{ send: "echo $((5 * 5))\r" }, { expect: "25\r\n" }, { send: "stty size\r" }, { expect: "24 80\r\n" }, { send: "exit 6\r" }];
    const r = await onTerminal(d, [DOCKER_28, "attach", c.name], steps);
    expect([c.name, r.status, r.stderr]).toEqual([c.name, 6, ""]);
  }
  // stop all at once, within their trap's time; the counters' logs have no gap
  const running = plan.filter((c) => c.kind !== "reader" && c.kind !== "tty").map((c) => c.name);
  const t3 = Date.now();
  ok(docker("stop", "-t", "10", ...running));
  const stopped = Date.now() - t3;
  expect(stopped).toBeLessThan(9000); // each left through its trap, none waited for SIGKILL
  for (const c of plan.filter((c) => c.kind === "count")) expectCounted(ok(docker("logs", c.name)), 50);
  for (const c of plan) expect([c.name, inspect(c.name, "{{.State.Status}}")]).toEqual([c.name, "exited"]);
  ok(docker("rm", ...plan.map((c) => c.name), "exiter"));
  expect(await settledLeftovers(d)).toEqual({});
  console.log(`live restore: 22 started in ${started} ms, the daemon back in ${restarted} ms, 20 execs in ${execs} ms, ${running.length} stopped in ${stopped} ms`);
}, 120_000);

/** Rows, state dirs and log dirs name the same containers (none without the others). */
function expectWhole(where: string) {
  const l = leftovers(d);
  const rows = containerRows(d).map((r) => r.split(" ")[0]!).sort();
  expect([where, l.stateDirs.sort(), l.logDirs.sort()]).toEqual([where, rows, rows]);
}

test("skiffd killed in the middle of docker run, at moments from create to running: the next daemon has it whole or not at all", async () => {
  const outcomes: string[] = [];
  const stateParent = join(d.dir, "exec/containers");
  // [ms after the client starts, or after the container's state dir appears]
  const moments: ["client" | "made", number][] = [["client", 0], ...[0, 15, 40, 80, 150, 300].map((ms) => ["made", ms] as ["made", number])];
  const cases = ["skiff", "runc"].flatMap((runtime) => moments.map((m, i) => ({ runtime, from: m[0], delay: m[1], rm: i % 2 === 1 })));
  for (const [i, { runtime, from, delay, rm }] of cases.entries()) {
    const name = `mid${i}`;
    const client = spawn(DOCKER_28, ["run", "--runtime", runtime, ...(rm ? ["--rm"] : []), "--name", name, "busybox", "sh", "-c", `echo up; ${TRAP}; while true; do sleep 0.1; done`], { env: { PATH: process.env.PATH, HOME: d.dir, DOCKER_CONFIG: join(d.dir, "docker-config"), DOCKER_HOST: `unix://${d.sock}` }, stdio: "ignore" });
    const clientExit = new Promise<number | null>((r) => client.once("exit", (code) => r(code)));
    if (from === "made") await until(`${name}'s state dir`, () => existsSync(stateParent) && readdirSync(stateParent).length > 0, 10_000);
    await Bun.sleep(delay);
    d = await restartOn(d);
    const code = await clientExit;
    expectWhole(name);
    const state = docker("inspect", "--format", "{{.State.Status}}", name);
    const status = state.status === 0 ? state.stdout.trim() : "gone";
    outcomes.push(`${from}+${delay}ms ${runtime}${rm ? " --rm" : ""}: ${status} (client ${code})`);
    if (process.env.SKIFF_TEST_VERBOSE) console.log(outcomes.at(-1), leftovers(d));
    if (status === "running") {
      expect(ok(docker("exec", name, "echo", "in"))).toBe("in\n");
      await until(`${name}'s first line`, () => docker("logs", name).stdout === "up\n");
      ok(docker("stop", name));
      if (!rm) ok(docker("rm", name));
      else await until(`${name}'s removal (--rm)`, () => docker("inspect", name).status !== 0);
    } else if (status !== "gone") {
      expect([name, status]).toEqual([name, expect.stringMatching(/^(created|exited)$/)]);
      // what was cut short starts whole now (--rm ones are only removed)
      if (!rm) {
        ok(docker("start", name));
        expect(ok(docker("exec", name, "echo", "in"))).toBe("in\n");
        await until(`${name}'s first line`, () => docker("logs", name).stdout.endsWith("up\n"));
        ok(docker("stop", name));
        expect(inspect(name, "{{.State.Status}} {{.State.ExitCode}}")).toBe("exited 0");
      }
      ok(docker("rm", name));
    }
    expect([name, await settledLeftovers(d)]).toEqual([name, {}]);
  }
  console.log(`killed mid-run: ${outcomes.join("; ")}`);
}, 120_000);

test("skiffd killed in the middle of docker stop and of docker rm -f: each container is then running, exited or gone, and whole", async () => {
  const outcomes: string[] = [];
  const env = { PATH: process.env.PATH, HOME: d.dir, DOCKER_CONFIG: join(d.dir, "docker-config"), DOCKER_HOST: `unix://${d.sock}` };
  for (const [i, [verb, delay]] of ([["stop", 50], ["rm", 0], ["rm", 40], ["rm", 150]] as const).entries()) {
    const names = [0, 1, 2, 3].map((j) => `v${i}-${j}`);
    for (const [j, name] of names.entries()) ok(docker("run", "-d", "--name", name, "--runtime", j % 2 ? "runc" : "skiff", "busybox", "sh", "-c", `${TRAP}; while true; do sleep 0.1; done`));
    const client = spawn(DOCKER_28, verb === "stop" ? ["stop", ...names] : ["rm", "-f", ...names], { env, stdio: "ignore" });
    const clientExit = new Promise((r) => client.once("exit", r));
    await Bun.sleep(delay);
    d = await restartOn(d);
    await clientExit;
    expectWhole(`${verb} +${delay}ms`);
    const states = names.map((n) => {
      const r = docker("inspect", "--format", "{{.State.Status}}", n);
      return r.status === 0 ? r.stdout.trim() : "gone";
    });
    outcomes.push(`${verb}+${delay}ms: ${states.join(",")}`);
    for (const s of states) expect(["running", "exited", "gone"]).toContain(s);
    for (const n of names.filter((_, j) => states[j] === "running")) expect(ok(docker("exec", n, "echo", "in"))).toBe("in\n");
    const left = names.filter((_, j) => states[j] !== "gone");
    if (left.length) ok(docker("rm", "-f", ...left));
    expect([`${verb}+${delay}ms`, await settledLeftovers(d)]).toEqual([`${verb}+${delay}ms`, {}]);
  }
  console.log(`killed mid-stop/rm: ${outcomes.join("; ")}`);
}, 120_000);

test("a --rm container that does not run when skiffd starts goes, as dockerd's restore removes it (a daemon killed between its create and its start left it created)", async () => {
  const id = ok(docker("create", "--rm", "--name", "rm-created", "busybox", "true")).trim();
  expect(inspect("rm-created", "{{.State.Status}} {{.HostConfig.AutoRemove}}")).toBe("created true");
  d = await restartOn(d);
  await until("the --rm container to go", () => docker("inspect", id).status !== 0);
  expect(await settledLeftovers(d)).toEqual({});
}, 60_000);

test("a layer and a blob that no image names (a daemon killed in a load, pull or import) go when skiffd starts; images keep theirs", async () => {
  const data = join(d.dir, "data");
  const body = "an orphan blob\n";
  const blob = join(data, "content/blobs/sha256", new Bun.CryptoHasher("sha256").update(body).digest("hex"));
  writeFileSync(blob, body);
  const layer = join(data, "snapshots/999999");
  mkdirSync(join(layer, "fs"), { recursive: true });
  writeFileSync(join(layer, "fs/file"), "x");
  d = await restartOn(d);
  await until("the leftovers to go", () => !existsSync(blob) && !existsSync(layer), 5000);
  expect(ok(docker("run", "--rm", "busybox", "echo", "still here"))).toBe("still here\n");
  expect(await settledLeftovers(d)).toEqual({});
}, 60_000);
