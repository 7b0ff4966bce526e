// skiff's container verbs against docker 28's, on fake daemons set up alike: the same requests
// (method, path, query, body; IDs aside), the same stdout, the same exit status, and docker's
// words in skiff's errors (which add the layer, the code and a hint).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ApiClient } from "../src/api/client.ts";
import { ContainerClient } from "../src/api/client-containers.ts";
import type { FakeDaemon, RecordedRequest } from "../src/api/testing/fake-daemon.ts";
import { createRequest } from "../src/cli/skiff/create-body.ts";
import { DOCKER_28, runCli, startFake, type CliResult } from "./harness/container-clis.ts";
import { tempDir } from "./harness/skiffd.ts";

const fakes: FakeDaemon[] = [];
afterAll(async () => {
  for (const f of fakes) await f.stop();
});

/** Containers made the way `skiff run -d` / `skiff create` would, so both daemons hold the same. */
async function setUp(d: FakeDaemon, specs: { name: string; args: string[]; flags?: Record<string, string | boolean | string[]>; start?: boolean; wait?: boolean }[]): Promise<void> {
  const c = new ContainerClient(new ApiClient(d.socketPath));
  d.store.addImage("alpine", { Cmd: ["shell"] }, "registry");
  for (const s of specs) {
    const { body } = createRequest({ ...s.flags, name: s.name }, s.args, { env: {} });
    await c.create(body, { name: s.name });
    if (s.start === false) continue;
    const w = await c.wait(s.name, "next-exit");
    await c.start(s.name);
    if (s.wait) await w.result;
  }
  d.requests.length = 0;
}

const STANDARD: { name: string; args: string[]; flags?: Record<string, string | boolean | string[]>; start?: boolean; wait?: boolean }[] = [
  { name: "bg", args: ["busybox", "trap"] },
  { name: "done", args: ["busybox", "script", "out:first", "err:second", "out:third", "exit:3"], wait: true },
  // (a label and a command with <, > and &: {{json .}} escapes them as Go's json.Marshal does)
  { name: "fresh", args: ["busybox", "script", "out:<fresh & new>", "exit:2"], flags: { label: ["k=<a&b>"] }, start: false },
  { name: "tty", args: ["busybox", "script", "out:on a tty"], flags: { tty: true }, wait: true },
];

/** Requests with the IDs daemons make up replaced, pings left out. */
const shape = (reqs: RecordedRequest[]) =>
  reqs.filter((r) => r.path !== "/_ping").map((r) => JSON.parse(JSON.stringify(r).replace(/[0-9a-f]{64}/g, "<id>")) as RecordedRequest);

/** Times that move between two runs ("Less than a second ago", "Up 2 seconds"), and the IDs each
 * daemon makes up; runs of spaces as one (a table's columns are as wide as its times). */
const steady = (s: string) =>
  s
    .replace(/ {2,}/g, "  ")
    .replace(/(Less than a second|About a minute|\d+ (seconds?|minutes?)) ago/g, "<t> ago")
    .replace(/Up (Less than a second|About a minute|\d+ (seconds?|minutes?))/g, "Up <t>")
    .replace(/[0-9a-f]{64}/g, "<id>")
    .replace(/\b[0-9a-f]{12}\b/g, "<short>")
    .replace(/"(Created|StartedAt|FinishedAt)": "[^"]*"/g, '"$1": "<time>"')
    .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0000 UTC/g, "<created>");

/** docker's stderr lines, without its decorations ("docker: ", a final ".", "Run 'docker … --help'"). */
const dockerLines = (stderr: string) =>
  stderr
    .split("\n")
    .filter((l) => l && !/^(Run|See) 'docker/.test(l))
    .map((l) => l.replace(/^docker: /, "").replace(/\.$/, ""));

interface Case {
  name: string;
  args: string[];
  input?: string;
  /** Both CLIs against one daemon (read-only verbs), docker first; else each on its own, set up alike. */
  shared?: boolean;
  setup?: typeof STANDARD;
  /** docker's requests that skiff leaves out (or the reverse), with why. */
  skip?: RegExp;
  /** Compare only the status and the errors (the output names things each daemon made up). */
  outputDiffers?: boolean;
  /** The verb works on its containers at once: its requests come in any order. */
  unordered?: boolean;
  /** A docker config.json for both CLIs to read. */
  config?: Record<string, unknown>;
}

const CASES: Case[] = [
  { name: "run: output and status 0", args: ["run", "--rm", "busybox"] },
  { name: "run: stdout, stderr and the container's status", args: ["run", "busybox", "script", "out:one", "err:two", "exit:3"] },
  { name: "run -d prints the ID (docker also registers a wait it never reads)", args: ["run", "-d", "--name", "bg", "busybox", "sleep"], skip: /^POST \/containers\/<id>\/wait/, outputDiffers: true },
  { name: "run -i: stdin to the container, its end sent", args: ["run", "-i", "--rm", "busybox", "cat"], input: "hello\nworld\n" },
  { name: "run -a stdout only", args: ["run", "-a", "stdout", "busybox", "script", "out:kept", "err:dropped"] },
  { name: "run -t without a terminal: raw stream", args: ["run", "-t", "--rm", "busybox", "script", "out:a", "err:b"] },
  { name: "run: command not found is 127", args: ["run", "--rm", "busybox", "nosuch"] },
  { name: "run: a command that cannot be invoked is 126", args: ["run", "busybox", "/bin/noexec"] },
  { name: "run: an image no registry has is 125", args: ["run", "--rm", "nosuchimage"] },
  { name: "run: a missing image is pulled first", args: ["run", "--rm", "alpine", "echo", "pulled"] },
  { name: "run -q: pulled without a word", args: ["run", "-q", "--rm", "alpine", "echo", "quietly"] },
  { name: "run --pull never", args: ["run", "--pull", "never", "--rm", "alpine", "echo", "x"] },
  { name: "run: a name in use is 125", args: ["run", "--name", "bg", "busybox"], setup: STANDARD },
  { name: "create prints the ID", args: ["create", "--name", "c1", "busybox"], outputDiffers: true },
  { name: "start -a: output and status", args: ["start", "-a", "fresh"], setup: STANDARD },
  { name: "start of several, one missing", args: ["start", "fresh", "nope"], setup: STANDARD },
  { name: "stop -t", args: ["stop", "-t", "1", "bg", "done"], setup: STANDARD, unordered: true },
  { name: "stop of a missing one", args: ["stop", "nope"], setup: STANDARD },
  { name: "restart -t 0", args: ["restart", "-t", "0", "done"], setup: STANDARD },
  { name: "kill -s", args: ["kill", "-s", "USR1", "bg"], setup: STANDARD },
  { name: "kill of a stopped one, and a bad signal", args: ["kill", "-s", "FOO", "done", "bg"], setup: STANDARD, unordered: true },
  { name: "pause, then pause again", args: ["pause", "bg", "bg"], setup: STANDARD, unordered: true },
  { name: "unpause of a running one", args: ["unpause", "bg"], setup: STANDARD },
  { name: "wait prints exit codes", args: ["wait", "done", "tty"], setup: STANDARD, shared: true },
  { name: "wait of a missing one", args: ["wait", "nope", "done"], setup: STANDARD, shared: true },
  { name: "rm of a running one", args: ["rm", "bg"], setup: STANDARD },
  { name: "rm -f -v, a missing one ignored", args: ["rm", "-f", "-v", "bg", "nope", "done"], setup: STANDARD, unordered: true },
  { name: "rm of a missing one", args: ["rm", "nope"], setup: STANDARD },
  { name: "rename", args: ["rename", "done", "finished"], setup: STANDARD },
  { name: "rename to a bad name", args: ["rename", "done", "bad name"], setup: STANDARD },
  { name: "top", args: ["top", "bg"], setup: STANDARD, shared: true },
  { name: "top with ps options", args: ["top", "bg", "-o", "pid,comm"], setup: STANDARD, shared: true },
  { name: "top of a stopped one", args: ["top", "done"], setup: STANDARD, shared: true },
  { name: "port of a container with none", args: ["port", "bg"], setup: STANDARD, shared: true },
  { name: "ps", args: ["ps"], setup: STANDARD, shared: true },
  { name: "ps -a", args: ["ps", "-a"], setup: STANDARD, shared: true },
  { name: "ps -aq", args: ["ps", "-aq"], setup: STANDARD, shared: true },
  { name: "ps -n 2 --no-trunc", args: ["ps", "-n", "2", "--no-trunc"], setup: STANDARD, shared: true },
  { name: "ps -l -s", args: ["ps", "-l", "-s"], setup: STANDARD, shared: true },
  { name: "ps --format json", args: ["ps", "-a", "--format", "json"], setup: STANDARD, shared: true },
  { name: "ps --format {{json .}} asks for sizes (a new-user trial: skiff did not)", args: ["ps", "-a", "--format", "{{json .}}"], setup: STANDARD, shared: true },
  { name: "images --format {{json .}}", args: ["images", "--format", "{{json .}}"], setup: STANDARD, shared: true },
  { name: "ps --format table with .Size asks for sizes", args: ["ps", "-a", "--format", "table {{.Names}}\t{{.State}}\t{{.Size}}"], setup: STANDARD, shared: true },
  { name: "ps --format with -q", args: ["ps", "-q", "--format", "{{.Names}}"], setup: STANDARD, shared: true },
  { name: "ps --filter", args: ["ps", "-a", "--filter", "status=exited", "--filter", "name=do", "--format", "{{.Names}} {{.Status}}"], setup: STANDARD, shared: true },
  { name: "container ls -a", args: ["container", "ls", "-a", "--format", "{{.Names}}"], setup: STANDARD, shared: true },
  { name: "logs: stdout and stderr apart", args: ["logs", "done"], setup: STANDARD, shared: true },
  { name: "logs of a tty: one raw stream", args: ["logs", "tty"], setup: STANDARD, shared: true },
  { name: "logs --tail 1 -t", args: ["logs", "--tail", "1", "-t", "done"], setup: STANDARD, shared: true },
  { name: "logs --since and --until as times", args: ["logs", "--since", "1700000000", "--until", "2013-01-02T13:23:37Z", "done"], setup: STANDARD, shared: true },
  { name: "logs -f of an exited one ends", args: ["logs", "-f", "-n", "2", "done"], setup: STANDARD, shared: true },
  { name: "logs of a missing one", args: ["logs", "nope"], setup: STANDARD, shared: true },
  { name: "inspect a container", args: ["inspect", "done"], setup: STANDARD, shared: true },
  { name: "inspect an image", args: ["inspect", "--format", "{{.Id}}", "busybox"], setup: STANDARD, shared: true },
  // docker goes on to networks, volumes, swarm objects and plugins, which skiffd has none of yet
  { name: "inspect what is neither", args: ["inspect", "nope"], setup: STANDARD, shared: true, skip: /^GET \/(networks|volumes|info|nodes|services|tasks|secrets|configs|plugins)\b/ },
  { name: "inspect --type container of an image", args: ["inspect", "--type", "container", "busybox"], setup: STANDARD, shared: true },
  { name: "inspect -f", args: ["inspect", "-f", "{{.Name}} {{.State.ExitCode}}", "done", "fresh"], setup: STANDARD, shared: true },
  { name: "container inspect", args: ["container", "inspect", "--format", "{{.Config.Tty}}", "tty"], setup: STANDARD, shared: true },
  { name: "exec: output and status", args: ["exec", "bg", "script", "out:x", "err:y", "exit:4"], setup: STANDARD },
  { name: "exec: not found is the daemon's 127", args: ["exec", "bg", "nosuch"], setup: STANDARD },
  { name: "exec -d", args: ["exec", "-d", "bg", "sleep"], setup: STANDARD },
  { name: "exec with env, user, workdir, privileged", args: ["exec", "-e", "A=1", "-e", "B", "-u", "1000", "-w", "/tmp", "--privileged", "bg", "echo", "hi"], setup: STANDARD },
  { name: "exec -i", args: ["exec", "-i", "bg", "cat"], input: "to cat\n", setup: STANDARD },
  { name: "exec into a stopped one", args: ["exec", "done", "echo"], setup: STANDARD },
  { name: "exec into a missing one", args: ["exec", "nope", "echo"], setup: STANDARD },
  { name: "attach to a stopped one", args: ["attach", "done"], setup: STANDARD },
  { name: "container prune -f", args: ["container", "prune", "-f"], setup: STANDARD },
  { name: "ps with config.json's psFormat", args: ["ps", "-a"], setup: STANDARD, shared: true, config: { psFormat: "{{.Names}}:{{.State}}" } },
  { name: "run with config.json's detachKeys", args: ["run", "-i", "--rm", "busybox", "cat"], input: "x\n", config: { detachKeys: "ctrl-a,a" } },
  { name: "exec with config.json's detachKeys", args: ["exec", "-i", "bg", "cat"], input: "y\n", setup: STANDARD, config: { detachKeys: "ctrl-a,a" } },
];

const outcomes = new Map<string, { docker: CliResult & { requests: RecordedRequest[] }; skiff: CliResult & { requests: RecordedRequest[] } }>();

async function runCase(c: Case): Promise<void> {
  const env: Record<string, string> = { B: "from the shell" };
  if (c.config) {
    const dir = tempDir("docker-config");
    writeFileSync(join(dir, "config.json"), JSON.stringify(c.config));
    env.DOCKER_CONFIG = dir;
  }
  if (c.shared) {
    const d = await startFake();
    fakes.push(d);
    await setUp(d, c.setup ?? []);
    const docker = { ...(await runCli("docker", d, c.args, { input: c.input, env })), requests: shape(d.requests) };
    d.requests.length = 0;
    const skiff = { ...(await runCli("skiff", d, c.args, { input: c.input, env })), requests: shape(d.requests) };
    outcomes.set(c.name, { docker, skiff });
    return;
  }
  const run = async (which: "docker" | "skiff") => {
    const d = await startFake();
    fakes.push(d);
    await setUp(d, c.setup ?? []);
    return { ...(await runCli(which, d, c.args, { input: c.input, env })), requests: shape(d.requests) };
  };
  const [docker, skiff] = await Promise.all([run("docker"), run("skiff")]);
  outcomes.set(c.name, { docker, skiff });
}

describe.skipIf(!existsSync(DOCKER_28))("container verbs: skiff as docker 28", () => {
  beforeAll(async () => {
    await Promise.all(CASES.map(runCase));
  }, 300_000);

  test.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { docker, skiff } = outcomes.get(c.name)!;
    const req = (r: RecordedRequest[]) => {
      const kept = r.filter((x) => !c.skip?.test(`${x.method} ${x.path}`));
      return c.unordered ? kept.map((x) => JSON.stringify(x)).sort() : kept;
    };
    expect(req(skiff.requests)).toEqual(req(docker.requests));
    expect(skiff.status).toBe(docker.status);
    if (!c.outputDiffers) expect(steady(skiff.stdout)).toBe(steady(docker.stdout));
    for (const line of dockerLines(docker.stderr)) expect(steady(skiff.stderr)).toContain(steady(line));
  });
});
