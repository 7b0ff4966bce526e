// Interactive sessions through skiffd on a real pseudo-terminal (test/fixtures/pty-script.py types
// into it as a user would), with docker 28's CLI and with bin/skiff: `run -it busybox sh` (type a
// command and see its output; resize the window and `stty size` inside follows; Ctrl-C interrupts
// a `sleep` in the shell, not the container; `exit 3` is the client's status 3), detach with
// ctrl-p ctrl-q (the container runs on) and `attach` again (the window's size taken along), and
// `exec -it` likewise (its detach is docker's "read escape sequence", status 1: docker has no way back
// into an exec, whose shell runs on).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ok, onTerminal as onTerminalOf, settledLeftovers, skiffdWithBusybox, stopClean, type PtyStep } from "./harness/skiffd-leftovers.ts";
import { DOCKER_28, removeDir, SKIFF, type Skiffd } from "./harness/skiffd.ts";

const PROMPT = "/ # ";
const CTRL_C = "\u0003";
const DETACH = "\u0010\u0011"; // ctrl-p ctrl-q

let d: Skiffd;

beforeAll(async () => {
  d = await skiffdWithBusybox();
});

afterAll(async () => {
  await stopClean(d);
  if (d) removeDir(d.dir);
});

const docker = (...args: string[]) => d.docker(DOCKER_28, args);
const inspect = (name: string, format: string) => ok(docker("inspect", "--format", format, name)).trim();

/** A session of `client args` on an 80x24 terminal: what the screen showed and the status. */
const onTerminal = (client: string[], args: string[], steps: PtyStep[]) => onTerminalOf(d, [...client, ...args], steps);

/** Type, see the output, resize, Ctrl-C a sleep: the steps every interactive shell session takes. */
const shellSteps = (rows: number, cols: number): PtyStep[] => [
  { expect: PROMPT },
  { send: "echo $((6 * 7))\r" },
  { expect: "42\r\n" },
  { send: "stty size\r" },
  { expect: "24 80\r\n" },
  { resize: [rows, cols] },
  { sleep: 300 },
  { send: "stty size\r" },
  { expect: `${rows} ${cols}\r\n` },
  // the fixture gives up after 30 s, so an uninterrupted sleep fails the session
  { send: "sleep 40\r" },
  { sleep: 500 },
  { send: CTRL_C },
  { expect: PROMPT },
  { send: "echo rc=$?\r" },
  { expect: "rc=130\r\n" },
];

const CLIENTS = [
  ["docker 28", () => [DOCKER_28]],
  ["skiff", () => [SKIFF, "-H", `unix://${d.sock}`]],
] as const;

for (const [cli, clientOf] of CLIENTS) {
  describe(`${cli} on a terminal`, () => {
    test("run -it busybox sh: type and see, resize, Ctrl-C a sleep, exit 3 is the status", async () => {
      const r = await onTerminal(clientOf(), ["run", "-it", "--rm", "busybox", "sh"], [...shellSteps(40, 100), { send: "exit 3\r" }]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(3);
      expect(r.ms).toBeLessThan(20_000); // the sleep was cut short
      expect(await settledLeftovers(d)).toEqual({});
    });

    test("detach with ctrl-p ctrl-q: the container runs on; attach again (the window's size along), exit 5", async () => {
      const name = `tty-${cli.split(" ")[0]}`;
      const first = await onTerminal(clientOf(), ["run", "-it", "--name", name, "busybox", "sh"], [{ expect: PROMPT }, { send: "export MARK=kept; stty rows 50 cols 120\r" }, { expect: PROMPT }, { send: DETACH }]);
      expect(first.stderr).toBe("");
      expect(first.status).toBe(0);
      expect(inspect(name, "{{.State.Status}}")).toBe("running");
      const again = await onTerminal(clientOf(), ["attach", name], [
        { send: "echo mark=$MARK\r" },
        { expect: "mark=kept\r\n" },
        { send: "stty size\r" },
        { expect: "24 80\r\n" },
        { send: "exit 5\r" },
      ]);
      expect(again.stderr).toBe("");
      expect(again.status).toBe(5);
      expect(inspect(name, "{{.State.Status}} {{.State.ExitCode}}")).toBe("exited 5");
      ok(docker("rm", name));
      expect(await settledLeftovers(d)).toEqual({});
    });

    test("exec -it sh: type and see, resize, Ctrl-C a sleep, exit 4 is the status; detached, the exec's shell runs on", async () => {
      const name = `exec-${cli.split(" ")[0]}`;
      ok(docker("run", "-d", "--name", name, "busybox", "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"));
      const r = await onTerminal(clientOf(), ["exec", "-it", name, "sh"], [...shellSteps(30, 90), { send: "exit 4\r" }]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(4);
      // as docker's CLI: a detached exec is the error "read escape sequence", status 1
      const detached = await onTerminal(clientOf(), ["exec", "-it", name, "sh"], [{ expect: PROMPT }, { send: DETACH }]);
      expect([detached.status, detached.screen.endsWith("read escape sequence\r\n")]).toEqual([1, true]);
      expect(ok(docker("exec", name, "sh", "-c", "ps -o args | grep -c '^sh$'"))).toBe("1\n");
      expect(inspect(name, "{{.State.Status}}")).toBe("running");
      ok(docker("rm", "-f", name));
      expect(await settledLeftovers(d)).toEqual({});
    });
  });
}

test("skiff run -t: the container's terminal has the client's size from its first instruction (it was 0x0 until the first resize, about one run in two)", async () => {
  for (let i = 0; i < 4; i++) {
    const r = await onTerminal([SKIFF, "-H", `unix://${d.sock}`], ["run", "-t", "--rm", "busybox", "stty", "size"], []);
    expect([i, r.status, r.stderr, r.screen.trim()]).toEqual([i, 0, "", "24 80"]);
  }
  expect(await settledLeftovers(d)).toEqual({});
});

test("StdinOnce as docker sets it: run -i attached closes stdin when its client is done; run -d -i keeps stdin open for the next attach", async () => {
  const once = d.docker(DOCKER_28, ["run", "-i", "--rm", "busybox", "cat"], { input: "hi\n" });
  expect([once.status, once.stdout]).toEqual([0, "hi\n"]);
  ok(docker("run", "-d", "-i", "--name", "keep", "busybox", "sh", "-c", 'read a; read b; echo "$a $b"'));
  expect(inspect("keep", "{{.Config.OpenStdin}} {{.Config.StdinOnce}}")).toBe("true false");
  // the first client's stdin ends after one line; the container reads on from the second's
  const env = { PATH: process.env.PATH!, HOME: d.dir, DOCKER_CONFIG: join(d.dir, "docker-config"), DOCKER_HOST: `unix://${d.sock}` };
  const first = Bun.spawn([DOCKER_28, "attach", "keep"], { env, stdin: new Blob(["one\n"]), stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  await Bun.sleep(1000);
  const second = d.docker(DOCKER_28, ["attach", "keep"], { input: "two\n" });
  expect([second.status, second.stdout, second.stderr]).toEqual([0, "one two\n", ""]);
  expect([await first.exited, await new Response(first.stdout).text()]).toEqual([0, "one two\n"]);
  ok(docker("rm", "keep"));
});
