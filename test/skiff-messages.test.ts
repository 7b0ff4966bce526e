// What a new user met in skiff's words, each found by trying it, through the built binaries: no
// doubled program name and docker's "See '… --help'." after a misuse, memory in docker info's
// unit, a file that is no tar called so, scripts/test naming itself for a non-root user, the
// README's images examples, and DOCKER_HOST honoured.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOCKER_28, REPO, removeDir, SKIFF, SKIFFD, startSkiffd, type Skiffd, busyboxRootfsTar } from "./harness/skiffd.ts";

let d: Skiffd;
beforeAll(async () => {
  d = await startSkiffd();
  const r = d.skiff(["import", busyboxRootfsTar(d.dir), "msg/bb:1"]);
  if (r.status !== 0) throw new Error(r.stderr);
});
afterAll(async () => {
  await d?.stop();
  if (d) removeDir(d.dir);
});

const run = (bin: string, args: string[], env: Record<string, string | undefined> = {}) => spawnSync(bin, args, { encoding: "utf8", env: { PATH: process.env.PATH, HOME: d.dir, ...env } });

describe("misuse", () => {
  test("no doubled program name: skiff --bogus, skiffd --bogus (they said 'skiff: skiff:' and 'skiffd: cli: skiffd:')", () => {
    const skiff = run(SKIFF, ["--bogus"]);
    expect([skiff.status, skiff.stderr]).toEqual([125, "skiff: unknown flag --bogus\nSee 'skiff --help'.\n"]);
    const skiffd = run(SKIFFD, ["--bogus"]);
    expect([skiffd.status, skiffd.stderr]).toEqual([125, "skiffd: cli: unknown flag --bogus (CLI_UNKNOWN_FLAG)\nhint: See 'skiffd --help'.\n"]);
  });

  test("one pointer after every misuse, docker's \"See 'skiff COMMAND --help'.\"", () => {
    for (const [args, first] of [
      [["images", "--bogus"], "skiff: images: unknown flag --bogus"],
      [["pull", "--limit=1", "x"], "skiff: pull: unknown flag --limit"],
    ] as [string[], string][]) {
      const r = d.skiff(args);
      const help = `${args[0]} --help`;
      expect([r.status, r.stderr.split("\n").slice(0, 2)]).toEqual([125, [first, `See 'skiff ${help}'.`]]);
    }
  });

  test("status 1, as docker 28's, for what docker's commands refuse themselves (skiff said 125, the flag parser's status)", () => {
    const tty = (cmd: string) => spawnSync("script", ["-eqc", cmd, "/dev/null"], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: d.dir, DOCKER_HOST: `unix://${d.sock}`, SKIFF_HOST: `unix://${d.sock}` } });
    d.skiff(["create", "--name", "msgctr", "msg/bb:1", "true"]);
    try {
      for (const [args, words] of [
        [["export"], "requires exactly 1 argument"],
        [["tag", "x"], "requires exactly 2 arguments"],
        [["pull", "-a", "repo:tag"], "tag can't be used with --all-tags/-a"],
        [["events", "--since", "garbage"], 'failed to parse value as time or duration: "garbage"'],
        [["bogus"], "unknown command: skiff bogus"],
        [["image", "bogus"], "unknown command: skiff image bogus"],
        [["help", "bogus"], "unknown help topic: bogus"],
        [["inspect", "--type", "bogus", "msgctr"], 'unknown type: "bogus"'],
        [["exec", "--env-file", "/nonexistent", "msgctr", "true"], "open /nonexistent: no such file or directory"],
        [["ps", "-a", "--format", "{{.Names"], "unclosed action"],
        [["ps", "-a", "--format", "{{.Bogus}}"], "can't evaluate field Bogus"],
        [["create", "--name", "msgctr", "msg/bb:1", "true"], 'The container name "/msgctr" is already in use'],
      ] as [string[], string][]) {
        const [mine, docker] = [d.skiff(args), d.docker(DOCKER_28, args)];
        expect([args, mine.status, docker.status]).toEqual([args, 1, 1]);
        expect(mine.stderr).toContain(words);
      }
      for (const args of ["export msgctr", "save msg/bb:1"]) {
        const [mine, docker] = [tty(`${SKIFF} ${args}`), tty(`${DOCKER_28} ${args}`)];
        expect([args, mine.status, docker.status]).toEqual([args, 1, 1]);
        expect(mine.stdout).toContain("cowardly refusing to save to a terminal. Use the -o flag or redirect");
      }
    } finally {
      d.skiff(["rm", "msgctr"]);
    }
  });
});

test("info shows memory as docker's CLI does (units.BytesSize: GiB, four digits), the same line as docker 28's", () => {
  const line = (out: string) => out.split("\n").find((l) => l.startsWith(" Total Memory: "));
  const skiff = line(d.skiff(["info"]).stdout);
  expect(skiff).toMatch(/^ Total Memory: \d+(\.\d+)?GiB$/);
  expect(skiff).toBe(line(d.docker(DOCKER_28, ["info"]).stdout));
});

test("load of a short file that is no tar says so (it said the archive was cut short)", () => {
  const text = join(d.dir, "notes.txt");
  writeFileSync(text, "hello, not an image\n");
  const r = d.skiff(["load", "-i", text]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("not a tar archive (20 bytes in all, less than one tar header of 512)");
  expect(r.stderr).not.toContain("cut short");
});

test("scripts/test run by a user other than root names itself as it was called (it said './test')", () => {
  const r = spawnSync("su", ["-s", "/bin/sh", "nobody", "-c", `cd ${REPO} && scripts/test`], { encoding: "utf8" });
  expect([r.status, r.stderr]).toEqual([1, "scripts/test: run as root (the tests run real containers): sudo scripts/test\n"]);
});

test("the README's images --format example runs (its .RepoTags range is no field of docker's images rows)", () => {
  const line = readFileSync(join(REPO, "README.md"), "utf8").split("\n").find((l) => l.startsWith("bin/skiff images "))!;
  const format = /--format '([^']+)'/.exec(line)![1]!;
  const r = d.skiff(["images", "--format", format, "msg/bb"]);
  expect([r.status, r.stdout]).toEqual([0, "msg/bb:1\n"]);
  expect(d.docker(DOCKER_28, ["images", "--format", format, "msg/bb"]).stdout).toBe("msg/bb:1\n");
});

test("the README pulls library/busybox only after pushing it to the registry it starts", () => {
  const lines = readFileSync(join(REPO, "README.md"), "utf8").split("\n");
  const pull = lines.findIndex((l) => l.startsWith("bin/skiff pull 127.0.0.1:5000/library/busybox:latest"));
  const push = lines.findIndex((l) => l.includes("bin/skiff push 127.0.0.1:5000/library/busybox:latest"));
  const registry = lines.findIndex((l) => l.startsWith("docker-registry serve "));
  expect([registry >= 0, push > registry, pull > push]).toEqual([true, true, true]);
});

test("DOCKER_HOST is honoured when SKIFF_HOST is unset; SKIFF_HOST and -H come first", () => {
  const viaDocker = run(SKIFF, ["images", "--format", "{{.Repository}}", "msg/bb"], { DOCKER_HOST: `unix://${d.sock}` });
  expect([viaDocker.status, viaDocker.stdout]).toEqual([0, "msg/bb\n"]);
  const skiffFirst = run(SKIFF, ["images", "-q"], { DOCKER_HOST: `unix://${d.sock}`, SKIFF_HOST: `unix://${join(d.dir, "none.sock")}` });
  expect(skiffFirst.status).toBe(1);
  const flagFirst = run(SKIFF, ["-H", `unix://${d.sock}`, "images", "-q", "msg/bb"], { DOCKER_HOST: "unix:///nonexistent.sock", SKIFF_HOST: "unix:///nonexistent.sock" });
  expect(flagFirst.status).toBe(0);
});

test("a command group named alone (image, container, network, volume, system) prints its usage on stderr and exits 0, as docker 28's; --help prints it on stdout (a new-user trial: stdout)", () => {
  for (const group of ["image", "container", "network", "volume", "system"]) {
    for (const bin of [SKIFF, DOCKER_28]) {
      const alone = run(bin, [group]);
      expect([bin, group, alone.status, alone.stdout, alone.stderr.includes(`${group} COMMAND`)]).toEqual([bin, group, 0, "", true]);
    }
    const asked = run(SKIFF, [group, "--help"]);
    expect([asked.status, asked.stderr, asked.stdout.includes(`${group} COMMAND`)]).toEqual([0, "", true]);
  }
});
