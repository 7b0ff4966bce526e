// skiff's interactive sessions on a real terminal (test/fixtures/pty-script.py) against docker
// 28's, on fake daemons: run -it (typing, the window's size at the start and after a resize,
// Ctrl-C passed to the container as a byte, the exit status), detaching with ctrl-p ctrl-q and
// attaching again (docker's "read escape sequence"), other detach keys, exec -it, the terminal
// put back as it was; and without a terminal, signals forwarded to the container (--sig-proxy).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import type { FakeDaemon, RecordedRequest } from "../src/api/testing/fake-daemon.ts";
import { cliArgv, cliEnvFor, DOCKER_28, runOnTerminal, startFake, type PtyStep } from "./harness/container-clis.ts";

const fakes: FakeDaemon[] = [];
afterAll(async () => {
  for (const f of fakes) await f.stop();
});

async function fake(): Promise<FakeDaemon> {
  const d = await startFake();
  d.store.addImage("sh", { Cmd: ["shell"] });
  fakes.push(d);
  return d;
}

/** The requests since the last call, IDs replaced, pings left out, query keys in one order. */
function take(d: FakeDaemon): RecordedRequest[] {
  const out = d.calls().map((r) => {
    const q = Object.fromEntries(Object.entries(r.query).sort(([a], [b]) => (a < b ? -1 : 1)));
    return JSON.parse(JSON.stringify({ ...r, query: q }).replace(/[0-9a-f]{64}/g, "<id>")) as RecordedRequest;
  });
  d.requests.length = 0;
  return out;
}

const both = async <T>(f: (which: "docker" | "skiff") => Promise<T>) => {
  const [docker, skiff] = await Promise.all([f("docker"), f("skiff")]);
  return { docker, skiff };
};

/** The keys a person types, one at a time (docker's detach keys are seen only as single keys). */
const DETACH = "\x10\x11";

describe.skipIf(!existsSync(DOCKER_28))("interactive sessions on a terminal: skiff as docker 28", () => {
  test("run -it: typing, the window's size and its change, Ctrl-C to the container, the exit status", async () => {
    const steps: PtyStep[] = [{ expect: "$ " }, { keys: "size\r" }, { expect: "24 80" }, { resize: [40, 120] }, { sleep: 300 }, { keys: "size\r" }, { expect: "40 120" }, { send: "\x03" }, { expect: "^C" }, { keys: "exit 3\r" }];
    const r = await both(async (which) => {
      const d = await fake();
      const session = await runOnTerminal(which, d, ["run", "-it", "--rm", "sh"], steps);
      return { ...session, requests: take(d) };
    });
    expect(r.docker.status).toBe(3);
    // a SIGWINCH makes both a resize and (--sig-proxy) a kill WINCH, in either order
    const settled = (x: typeof r.docker) => ({ ...x, requests: x.requests.map((q) => JSON.stringify(q)).sort() });
    expect(settled(r.skiff)).toEqual(settled(r.docker));
    // the container starts at the terminal's size, and follows it
    expect(r.skiff.screen).toBe("$ size\r\n24 80\r\n$ size\r\n40 120\r\n$ ^C\r\n$ exit 3\r\n");
    expect((r.skiff.requests[0]!.body as { HostConfig: { ConsoleSize: number[] } }).HostConfig.ConsoleSize).toEqual([24, 80]);
    expect(r.skiff.requests.filter((q) => q.path.endsWith("/resize")).map((q) => q.query)).toEqual([{ h: "24", w: "80" }, { h: "40", w: "120" }]);
  }, 60_000);

  test("detach with ctrl-p ctrl-q, attach again, other detach keys, exec -it, attach until it exits", async () => {
    const r = await both(async (which) => {
      const d = await fake();
      const steps: { args: string[]; steps: PtyStep[] }[] = [
        { args: ["run", "-it", "--name", "sx", "sh"], steps: [{ expect: "$ " }, { keys: "echo one\r" }, { expect: "one" }, { keys: DETACH }] },
        { args: ["attach", "sx"], steps: [{ sleep: 1500 }, { keys: "echo back\r" }, { expect: "back" }, { keys: DETACH }] },
        { args: ["attach", "--detach-keys", "ctrl-x,x", "sx"], steps: [{ sleep: 1500 }, { keys: "\x18x" }] },
        { args: ["exec", "-it", "sx", "shell"], steps: [{ expect: "$ " }, { keys: "size\r" }, { expect: "24 80" }, { resize: [30, 100] }, { sleep: 300 }, { keys: "size\r" }, { expect: "30 100" }, { keys: "exit 5\r" }] },
        { args: ["attach", "sx"], steps: [{ sleep: 1500 }, { keys: "exit 7\r" }] },
      ];
      const out = [];
      for (const s of steps) {
        const session = await runOnTerminal(which, d, s.args, s.steps);
        out.push({ ...session, requests: take(d), state: d.store.containers.get([...d.store.containers.keys()][0]!)?.state });
      }
      return out;
    });
    expect(r.skiff).toEqual(r.docker);
    expect(r.skiff.map((s) => [s.status, s.state])).toEqual([
      [0, "running"],
      [1, "running"],
      [1, "running"],
      [5, "running"],
      [7, "exited"],
    ]);
    expect(r.skiff[1]!.screen).toEndWith("read escape sequence\r\n");
  }, 120_000);

  test("the terminal is put back as it was: after the session, and after a signal ends it", async () => {
    const d = await fake();
    const modes = "modes: icanon echo isig icrnl opost onlcr";
    const ended = await runOnTerminal("skiff", d, ["run", "-it", "--rm", "sh"], [{ expect: "$ " }, { keys: "exit 4\r" }, { modes: true }]);
    expect([ended.status, ended.screen.trim().split("\n").at(-1)]).toEqual([4, modes]);
    // a TERM for skiff goes to the container (--sig-proxy), whose end ends the session
    const signalled = await runOnTerminal("skiff", d, ["run", "-it", "--rm", "sh"], [{ expect: "$ " }, { sleep: 200 }, { signal: "TERM" }, { modes: true }]);
    expect([signalled.status, signalled.screen.trim().split("\n").at(-1)]).toEqual([143, modes]);
    // docker's, the same
    const docker = await runOnTerminal("docker", d, ["run", "-it", "--rm", "sh"], [{ expect: "$ " }, { keys: "exit 4\r" }, { modes: true }]);
    expect(docker.screen.trim().split("\n").at(-1)).toBe(modes);
  }, 60_000);
});

describe.skipIf(!existsSync(DOCKER_28))("signals without a terminal: skiff as docker 28", () => {
  /** Runs a `trap` container attached, sends the CLI `signals` once it traps, returns what came of it. */
  async function trapping(which: "docker" | "skiff", flags: string[], signals: NodeJS.Signals[]) {
    const d = await fake();
    const p = Bun.spawn(cliArgv(which, d, ["run", ...flags, "--name", "tr", "busybox", "trap"]), { env: cliEnvFor(which, d), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const reader = p.stdout.getReader();
    let out = "";
    const until = async (text: string) => {
      while (!out.includes(text)) {
        const { done, value } = await reader.read();
        if (done) return;
        out += new TextDecoder().decode(value);
      }
    };
    await until("trapping\n");
    for (const s of signals) {
      p.kill(s);
      await until(`got ${s}\n`);
    }
    await until("\0never");
    const status = await p.exited;
    const kills = take(d).filter((q) => q.path.endsWith("/kill")).map((q) => q.query);
    return { status, out, kills, state: d.store.containers.get([...d.store.containers.keys()][0]!)?.state };
  }

  test("--sig-proxy (the default): each signal goes to the container; TERM ends it with 143", async () => {
    const r = await both((which) => trapping(which, [], ["SIGUSR1", "SIGHUP", "SIGTERM"]));
    expect(r.skiff).toEqual(r.docker);
    expect(r.skiff).toEqual({ status: 143, out: "trapping\ngot SIGUSR1\ngot SIGHUP\ngot SIGTERM\n", kills: [{ signal: "USR1" }, { signal: "HUP" }, { signal: "TERM" }], state: "exited" });
  }, 60_000);

  // docker 28 answers a first TERM by closing the stream and waiting for the container to exit
  // (only a third ends it); skiff, told not to forward signals, ends as a program does
  test("--sig-proxy=false: a signal ends skiff, the container goes on", async () => {
    const d = await fake();
    const p = Bun.spawn(cliArgv("skiff", d, ["run", "--sig-proxy=false", "busybox", "trap"]), { env: cliEnvFor("skiff", d), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    await p.stdout.getReader().read();
    p.kill("SIGTERM");
    await p.exited;
    expect({ signal: p.signalCode, kills: take(d).filter((q) => q.path.endsWith("/kill")), state: [...d.store.containers.values()][0]?.state }).toEqual({ signal: "SIGTERM", kills: [], state: "running" });
  }, 60_000);
});
