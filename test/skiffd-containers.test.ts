// Containers through skiffd as docker users meet them: docker's CLI (28, and Debian's 20.10)
// against a skiffd started by the test on its own roots, an image imported from Debian's
// busybox. run (attached, --rm, -d), exit codes (the container's, 125, 126, 127), logs, ps, exec,
// stop, kill, pause, rename, rm, and a daemon killed with -9 whose containers run on and are
// managed by the next one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { busyboxRootfs } from "./harness/oci.ts";
import { TEST_CGROUP } from "./harness/leaks.ts";
import { probeBlkioSupport } from "../src/engine/containers/spec/blkio.ts";
import { DOCKER_20, DOCKER_28, removeDir, startSkiffd, type RunResult, type Skiffd } from "./harness/skiffd.ts";

let d: Skiffd;
const docker = (args: string[], bin = DOCKER_28): RunResult => d.docker(bin, args);
const ok = (r: RunResult) => {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r.stdout;
};

beforeAll(async () => {
  d = await startSkiffd();
  const tar = join(d.dir, "busybox.tar");
  execFileSync("tar", ["-C", busyboxRootfs(), "-cf", tar, "."]);
  ok(d.skiff(["import", tar, "busybox:latest", "-c", 'CMD ["sh"]']));
});

afterAll(async () => {
  const left = docker(["ps", "-aq"]).stdout.split("\n").filter(Boolean);
  if (left.length) docker(["rm", "-f", ...left]);
  await d?.stop();
  if (d) removeDir(d.dir);
});

for (const [cli, bin] of [["docker 28", DOCKER_28], ["docker 20.10", DOCKER_20]] as const) {
  describe(`${cli} against skiffd`, () => {
    test("run --rm: the output, the exit code, nothing left", () => {
      const r = docker(["run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 7"], bin);
      expect([r.status, r.stdout]).toEqual([7, "out\n"]);
      expect(r.stderr).toContain("err\n");
      expect(ok(docker(["ps", "-aq"], bin))).toBe("");
    });

    test("exit codes: 127 for a command not there, 126 for one that cannot run, 125 for the daemon's refusals", () => {
      expect(docker(["run", "--rm", "busybox", "nosuch"], bin).status).toBe(127);
      expect(docker(["run", "--rm", "busybox", "/etc/passwd"], bin).status).toBe(126);
      // (--mount: a missing -v source is made, as dockerd makes it)
      const missing = docker(["run", "--rm", "--mount", "type=bind,source=/nonexistent-skiff-test,target=/x", "busybox", "true"], bin);
      expect(missing.status).toBe(125);
      expect(missing.stderr).toContain("/nonexistent-skiff-test");
      expect(existsSync("/nonexistent-skiff-test")).toBe(false);
      expect(docker(["run", "--rm", "--name", "bad/name", "busybox", "true"], bin).status).toBe(125);
      for (const id of docker(["ps", "-aq"], bin).stdout.split("\n").filter(Boolean)) docker(["rm", "-f", id], bin);
    });
  });
}

test("-d, logs, ps, exec, stop, rm", () => {
  const id = ok(docker(["run", "-d", "--name", "worker", "--label", "role=test", "busybox", "sh", "-c", "echo started; trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done"])).trim();
  expect(id).toMatch(/^[0-9a-f]{64}$/);
  for (let i = 0; i < 100 && !docker(["logs", "worker"]).stdout.includes("started"); i++) Bun.sleepSync(20);
  expect(ok(docker(["logs", "worker"]))).toBe("started\n");
  expect(ok(docker(["ps", "--filter", "label=role=test", "--format", "{{.Names}} {{.Status}}"]))).toMatch(/^worker Up /);
  expect(ok(docker(["exec", "worker", "sh", "-c", "echo $((6 * 7))"]))).toBe("42\n");
  expect(docker(["exec", "worker", "sh", "-c", "exit 4"]).status).toBe(4);
  expect(ok(docker(["inspect", "--format", "{{.State.Status}} {{.Config.Labels.role}} {{.Name}}", "worker"]))).toBe("running test /worker\n");
  ok(docker(["stop", "-t", "5", "worker"]));
  expect(ok(docker(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "worker"]))).toBe("exited 0\n");
  expect(ok(docker(["logs", "worker"]))).toBe("started\nbye\n");
  // --details: the (empty) attributes and a space before each line, as dockerd writes them (it wrote none)
  expect(ok(docker(["logs", "--details", "worker"]))).toBe(" started\n bye\n");
  expect(ok(docker(["logs", "--details", "-t", "worker"]))).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z  started\n/);
  ok(docker(["rm", "worker"]));
  expect(docker(["inspect", "worker"]).status).not.toBe(0);
});

test("kill, pause, unpause, rename, wait; rm of a running container needs -f", () => {
  ok(docker(["run", "-d", "--name", "sleepy", "busybox", "sleep", "60"]));
  ok(docker(["pause", "sleepy"]));
  expect(ok(docker(["inspect", "--format", "{{.State.Status}}", "sleepy"]))).toBe("paused\n");
  ok(docker(["unpause", "sleepy"]));
  ok(docker(["rename", "sleepy", "napper"]));
  const rm = docker(["rm", "napper"]);
  expect(rm.status).not.toBe(0);
  expect(rm.stderr).toContain("You cannot remove a running container");
  ok(docker(["kill", "napper"]));
  expect(ok(docker(["wait", "napper"]))).toBe("137\n");
  ok(docker(["rm", "napper"]));
});

test("a daemon killed with -9: its containers run on, and the next daemon manages them", async () => {
  ok(docker(["run", "-d", "--name", "survivor", "busybox", "sh", "-c", "echo one; sleep 60"]));
  const pid = Number(execFileSync("cat", [d.pidFile]).toString());
  process.kill(pid, "SIGKILL");
  await new Promise((r) => d.proc.once("exit", r));
  // the same roots and socket; the pid file and socket of the dead daemon are stale
  const next = spawn(join(import.meta.dir, "../bin/skiffd"), ["--data-root", join(d.dir, "data"), "--exec-root", join(d.dir, "exec"), "-H", `unix://${d.sock}`, "--pidfile", d.pidFile, "--cgroup-parent", `/${d.dir.split("/")[2]}`], { stdio: "ignore" });
  try {
    for (let i = 0; i < 300 && docker(["version"]).status !== 0; i++) await Bun.sleep(20);
    expect(ok(docker(["inspect", "--format", "{{.State.Status}}", "survivor"]))).toBe("running\n");
    expect(ok(docker(["logs", "survivor"]))).toBe("one\n");
    ok(docker(["rm", "-f", "survivor"]));
    expect(ok(docker(["ps", "-aq"]))).toBe("");
  } finally {
    await new Promise((r) => {
      next.once("exit", r);
      next.kill("SIGTERM");
    });
    d = await startSkiffd([], d.dir); // for afterAll's clean-up
  }
});

test("events: a run's create, start, die and destroy, replayed with --since/--until and filtered", () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  ok(docker(["run", "--rm", "--name", "evented", "--label", "kind=evt", "busybox", "true"]));
  Bun.sleepSync(50);
  const until = Math.ceil(Date.now() / 1000) + 1;
  const out = ok(docker(["events", "--since", String(since), "--until", String(until), "--filter", "container=evented", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.kind}}"]));
  expect(out).toBe("container create evt\ncontainer attach evt\ncontainer start evt\ncontainer die evt\ncontainer destroy evt\n"); // dockerd's sequence for an attached run
  expect(ok(docker(["events", "--since", String(since), "--until", String(until), "--filter", "event=die", "--filter", "label=kind=evt", "--format", "{{.Action}} {{.Actor.Attributes.exitCode}}"]))).toBe("die 0\n");
  expect(docker(["events", "--filter", "bogus=1", "--until", "1"]).status).not.toBe(0);
});

test("--init: a tiny init is PID 1, passes the stop signal on and reaps orphans; the program's exit code is the container's", () => {
  expect(ok(docker(["run", "--rm", "--init", "busybox", "sh", "-c", "ps -o pid,comm | head -2"]))).toBe("PID   COMMAND\n    1 docker-init\n");
  expect(docker(["run", "--rm", "--init", "busybox", "sh", "-c", "exit 9"]).status).toBe(9);
  // the container's command is the one asked for, as dockerd's (the init is the spec's alone)
  ok(docker(["create", "--name", "init-cmd", "--init", "busybox", "sh", "-c", "sleep 1000"]));
  expect(ok(docker(["inspect", "-f", "{{.Path}} {{json .Args}}", "init-cmd"]))).toBe('sh ["-c","sleep 1000"]\n');
  expect(ok(docker(["ps", "-a", "--no-trunc", "--filter", "name=init-cmd", "--format", "{{.Command}}"]))).toBe(`"sh -c 'sleep 1000'"\n`);
  ok(docker(["rm", "init-cmd"]));
  // sleep as PID 1 would ignore SIGTERM (stop would wait for its timeout); under the init it dies at once
  ok(docker(["run", "-d", "--init", "--name", "inited", "busybox", "sleep", "100"]));
  const started = performance.now();
  ok(docker(["stop", "-t", "20", "inited"]));
  expect(performance.now() - started).toBeLessThan(10_000);
  expect(ok(docker(["inspect", "-f", "{{.State.ExitCode}}", "inited"]))).toBe("143\n");
  ok(docker(["rm", "inited"]));
  // orphans of the program are reaped, not left as zombies
  expect(ok(docker(["run", "--rm", "--init", "busybox", "sh", "-c", "(sleep 0.1 &) ; sleep 0.4; ps -o stat | grep -c Z || true"]))).toBe("0\n");
});

test("-e NAME without a value and not in the client's environment removes the variable (the Docker API's Env), in run and exec", () => {
  // (docker's CLI sends the name alone; the runtime refuses an entry without "=", as runc's does)
  expect(ok(docker(["run", "--rm", "-e", "SKIFF_NOT_SET_ANYWHERE", "-e", "KEPT=1", "busybox", "sh", "-c", 'echo "${SKIFF_NOT_SET_ANYWHERE-unset} $KEPT"']))).toBe("unset 1\n");
  ok(docker(["run", "-d", "--name", "envs", "-e", "GONE=1", "busybox", "sleep", "100"]));
  expect(ok(docker(["exec", "-e", "GONE", "envs", "sh", "-c", 'echo "${GONE-unset}"']))).toBe("unset\n");
  ok(docker(["rm", "-f", "envs"]));
});

test("logs -f across rotations gives every line once and in order; logs while it rotates is a run with no hole", async () => {
  // a new-user trial: logs -f lost each file's end at each rotation (and repeated or reordered
  // lines when they came fast), and a plain logs could miss a whole file in the middle
  const n = 60_000;
  const writer = `i=0; while [ $i -lt ${n} ]; do echo "line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; i=$((i+1)); [ $((i%2000)) = 0 ] && sleep 0.05; done`;
  ok(docker(["run", "-d", "--name", "rotating", "--log-opt", "max-size=100k", "--log-opt", "max-file=5", "busybox", "sh", "-c", writer]));
  const env = { PATH: process.env.PATH!, HOME: d.dir, DOCKER_CONFIG: join(d.dir, "docker-config"), DOCKER_HOST: `unix://${d.sock}` };
  const follow = Bun.spawn([DOCKER_28, "logs", "-f", "rotating"], { env, stdout: "pipe", stderr: "pipe", timeout: 120_000 });
  const snapshots: string[] = [];
  for (let i = 0; i < 5; i++) {
    await Bun.sleep(300);
    snapshots.push(docker(["logs", "rotating"]).stdout);
  }
  const [out, status] = await Promise.all([new Response(follow.stdout).text(), follow.exited]);
  expect(status).toBe(0);
  const numbers = (text: string) => text.split("\n").filter(Boolean).map((l) => Number(l.split(" ")[1]));
  const followed = numbers(out);
  const firstHole = followed.findIndex((v, i) => v !== i);
  expect([followed.length, firstHole]).toEqual([n, -1]);
  for (const snap of snapshots) {
    const got = numbers(snap);
    const hole = got.findIndex((v, i) => i > 0 && v !== got[i - 1]! + 1);
    expect([got.length > 0, hole]).toEqual([true, -1]);
  }
  ok(docker(["rm", "-f", "rotating"]));
}, 120_000);

test("--log-opt max-size/max-file rotate the json-file log; --log-driver none keeps none", () => {
  ok(docker(["run", "--name", "chatty", "--log-opt", "max-size=1k", "--log-opt", "max-file=3", "busybox", "sh", "-c", "i=0; while [ $i -lt 200 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done"]));
  const logPath = ok(docker(["inspect", "-f", "{{.LogPath}}", "chatty"])).trim();
  const files = execFileSync("ls", [`${logPath.slice(0, logPath.lastIndexOf("/"))}`]).toString().split("\n").filter((f) => f.includes("-json.log"));
  expect(files.sort()).toEqual([`${logPath.split("/").pop()}`, `${logPath.split("/").pop()}.1`, `${logPath.split("/").pop()}.2`].sort());
  const tail = ok(docker(["logs", "chatty"])).trim().split("\n");
  expect(tail.at(-1)).toBe("line-199-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  expect(tail.length).toBeLessThan(200); // older lines rotated away
  // as the user wrote them, as dockerd shows them (a new-user trial: max-size was shown as 1024)
  expect(ok(docker(["inspect", "-f", "{{.HostConfig.LogConfig.Config}}", "chatty"]))).toBe("map[max-file:3 max-size:1k]\n");
  ok(docker(["rm", "chatty"]));
  expect(docker(["run", "--rm", "--log-opt", "max-size=nope", "busybox", "true"]).status).toBe(125);
  expect(docker(["run", "--rm", "--log-driver", "syslog", "busybox", "true"]).stderr).toContain("logging driver syslog is not served");
  ok(docker(["run", "-d", "--name", "quiet", "--log-driver", "none", "busybox", "echo", "hi"]));
  ok(docker(["wait", "quiet"]));
  expect(docker(["logs", "quiet"]).stderr).toContain("configured logging driver does not support reading");
  ok(docker(["rm", "quiet"]));
});

describe("what a new-user trial found, each fixed", () => {
  test("loopback is up in a container's own network namespace (both runtimes), as docker's sandbox has it", () => {
    for (const runtime of ["skiff", "runc"]) {
      const r = docker(["run", "--rm", "--runtime", runtime, "busybox", "sh", "-c", "(echo hi | nc -l -p 8080 &) ; sleep 0.3; nc 127.0.0.1 8080"]);
      expect([runtime, r.status, r.stdout]).toEqual([runtime, 0, "hi\n"]);
    }
  });

  test("logs --tail that is no number is every line, max-file without max-size is taken (and rotates nothing), rm of a paused container says to unpause, as dockerd's", () => {
    ok(docker(["run", "--name", "tailed", "--log-opt", "max-file=3", "busybox", "sh", "-c", "echo one; echo two"]));
    expect(ok(docker(["logs", "--tail", "abc", "tailed"]))).toBe("one\ntwo\n");
    expect(ok(docker(["inspect", "-f", "{{.HostConfig.LogConfig.Config}}", "tailed"]))).toBe("map[max-file:3]\n");
    ok(docker(["rm", "tailed"]));
    ok(docker(["run", "-d", "--name", "napping", "busybox", "sleep", "60"]));
    ok(docker(["pause", "napping"]));
    expect(docker(["rm", "napping"]).stderr).toContain("You cannot remove a paused container");
    expect(docker(["rm", "napping"]).stderr).toContain("Unpause and then stop the container before attempting removal or force remove");
    ok(docker(["rm", "-f", "napping"]));
  });

  test("a resize of an exec that has ended is a quiet success (it was a 503, logged as the daemon's error)", async () => {
    ok(docker(["run", "-d", "--name", "resized", "busybox", "sleep", "60"]));
    const call = (path: string, body?: unknown) => fetch(`http://skiffd/v1.41${path}`, { method: "POST", unix: d.sock, ...(body ? { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } } : {}) } as RequestInit);
    const { Id } = (await (await call("/containers/resized/exec", { Cmd: ["true"], Tty: true })).json()) as { Id: string };
    expect((await call(`/exec/${Id}/start`, { Detach: true, Tty: true })).status).toBe(200);
    const deadline = Date.now() + 5000;
    while (((await (await fetch(`http://skiffd/v1.41/exec/${Id}/json`, { unix: d.sock } as RequestInit)).json()) as { Running: boolean }).Running && Date.now() < deadline) await Bun.sleep(20);
    const r = await call(`/exec/${Id}/resize?h=10&w=20`);
    expect([r.ok, await r.text()]).toEqual([true, ""]);
    ok(docker(["rm", "-f", "resized"]));
  });

  test("a network or container:NAME that is not there: create's 400 with dockerd's words, so the docker CLI does not pull the image again (it did, on a 404)", () => {
    for (const [net, words] of [["nosuchnet", "network nosuchnet not found"], ["container:nosuch", "nosuch"]] as const) {
      const r = docker(["run", "--rm", "--network", net, "busybox", "true"]);
      expect([net, r.status, r.stderr.includes(words), r.stderr.includes("Unable to find image")]).toEqual([net, 125, true, false]);
    }
  });

  test("rmi by name of an image a container uses: refused (must force) only when the name is its one reference; with -f, or with other references, the name goes and the image stays for its container, as dockerd's (it was refused, 'cannot be forced')", () => {
    ok(docker(["tag", "busybox", "rmi-a:1"]));
    ok(docker(["tag", "busybox", "rmi-b:1"]));
    ok(docker(["run", "-d", "--name", "rmi-user", "rmi-a:1", "sleep", "60"]));
    // two repositories name it: untagged, though a running container uses it
    expect(ok(docker(["rmi", "rmi-a:1"]))).toBe("Untagged: rmi-a:1\n");
    const id = ok(docker(["inspect", "-f", "{{.Image}}", "rmi-user"])).trim();
    ok(docker(["tag", id, "only:1"]));
    ok(docker(["rmi", "busybox"]));
    ok(docker(["rmi", "rmi-b:1"]));
    // only:1 is its single reference now: refused without -f, untagged with it; the image stays
    const refused = docker(["rmi", "only:1"]);
    expect([refused.status, refused.stderr.includes("(must force) - container"), refused.stderr.includes("is using its referenced image")]).toEqual([1, true, true]);
    expect(ok(docker(["rmi", "-f", "only:1"]))).toBe("Untagged: only:1\n");
    expect(ok(docker(["image", "inspect", "-f", "{{.Id}}", id])).trim()).toBe(id);
    ok(docker(["tag", id, "busybox:latest"]));
    ok(docker(["rm", "-f", "rmi-user"]));
  });

  test("commit keeps the container's exposed ports and anonymous volumes (it kept only the image's), as dockerd's", () => {
    ok(docker(["create", "--name", "to-commit", "--expose", "7000", "-v", "/vdata", "-p", "7001:7001", "busybox", "true"]));
    ok(docker(["commit", "to-commit", "committed:1"]));
    expect(ok(docker(["image", "inspect", "-f", "{{json .Config.ExposedPorts}} {{json .Config.Volumes}}", "committed:1"]))).toBe('{"7000/tcp":{},"7001/tcp":{}} {"/vdata":{}}\n');
    ok(docker(["rm", "-v", "to-commit"]));
    ok(docker(["rmi", "committed:1"]));
  });

  test("--link NAME:ALIAS on the default bridge: the alias, id and name in /etc/hosts, as dockerd's legacy links; a missing target is create's 400, a stopped one fails the start in dockerd's words (links were ignored)", () => {
    ok(docker(["run", "-d", "--name", "linked", "busybox", "sh", "-c", "echo served > /i; httpd -f -p 80 -h /"]));
    const id = ok(docker(["inspect", "-f", "{{.Id}}", "linked"])).trim();
    const ip = ok(docker(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", "linked"])).trim();
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const hosts = ok(docker(["run", "--rm", "--link", "linked:lk", "busybox", "cat", "/etc/hosts"]));
    expect(hosts).toContain(`${ip}\tlk ${id.slice(0, 12)} linked\n`);
    expect(ok(docker(["run", "--rm", "--link", "linked:lk", "busybox", "wget", "-qO-", "http://lk/i"]))).toBe("served\n");
    const missing = docker(["run", "--rm", "--link", "nosuch:x", "busybox", "true"]);
    expect([missing.status, missing.stderr.includes("could not get container for nosuch"), missing.stderr.includes("Unable to find image")]).toEqual([125, true, false]);
    ok(docker(["create", "--name", "linking", "--link", "linked:lk", "busybox", "true"]));
    expect(ok(docker(["inspect", "-f", "{{json .HostConfig.Links}}", "linking"]))).toBe('["/linked:/linking/lk"]\n');
    ok(docker(["stop", "-t", "0", "linked"]));
    expect(docker(["start", "linking"]).stderr).toContain("Cannot link to a non running container: /linked AS /linking/lk");
    ok(docker(["rm", "-f", "linking", "linked"]));
  });

  test("exec: -u takes the container's own /etc/group now (supplementary groups), -t sets TERM, an unknown user is 126", () => {
    ok(docker(["run", "-d", "--name", "ex-trial", "busybox", "sleep", "60"]));
    ok(docker(["exec", "ex-trial", "sh", "-c", "echo 'wheel:x:10:nobody' >> /etc/group"]));
    expect(ok(docker(["exec", "-u", "nobody", "ex-trial", "id", "-G"]))).toBe("65534 10\n");
    expect(ok(docker(["exec", "-t", "ex-trial", "sh", "-c", "echo TERM=$TERM"]))).toBe("TERM=xterm\r\n");
    const bad = docker(["exec", "-u", "bogus", "ex-trial", "id"]);
    expect(bad.status).toBe(126);
    expect(bad.stdout + bad.stderr).toContain('resolve user "bogus"');
    ok(docker(["rm", "-f", "ex-trial"]));
  });

  test("--group-add: by gid and by the image's group names, for run and for exec, shown by inspect (it was ignored with a warning)", () => {
    for (const runtime of ["skiff", "runc"]) {
      const r = docker(["run", "--rm", "--runtime", runtime, "-u", "0:1000", "--group-add", "44", "--group-add", "nogroup", "busybox", "id", "-G"]);
      expect([runtime, r.status, r.stdout, r.stderr]).toEqual([runtime, 0, "1000 44 65534\n", ""]);
    }
    ok(docker(["run", "-d", "--name", "ga-trial", "--group-add", "44", "busybox", "sleep", "60"]));
    try {
      expect(ok(docker(["exec", "-u", "nobody", "ga-trial", "id", "-G"]))).toBe("65534 44\n");
      expect(ok(docker(["inspect", "-f", "{{json .HostConfig.GroupAdd}}", "ga-trial"]))).toBe('["44"]\n');
    } finally {
      ok(docker(["rm", "-f", "ga-trial"]));
    }
    const bad = docker(["run", "--rm", "--group-add", "nosuchgroup", "busybox", "true"]);
    expect([bad.status, bad.stderr.includes("Unable to find group nosuchgroup")]).toEqual([125, true]);
  });

  test("inspect's MemorySwap with --memory and no --memory-swap is twice the memory, as dockerd says (and sets: it said 0)", () => {
    const id = ok(docker(["create", "--memory", "64m", "busybox", "true"])).trim();
    const both = ok(docker(["create", "--memory", "64m", "--memory-swap", "96m", "busybox", "true"])).trim();
    try {
      expect(ok(docker(["inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}", id, both]))).toBe(`${64 << 20} ${128 << 20}\n${64 << 20} ${96 << 20}\n`);
    } finally {
      ok(docker(["rm", id, both]));
    }
  });

  test("ps --filter ancestor= takes any reference to the image: a tag, another tag of it, its id (busybox:latest matched nothing)", () => {
    const id = ok(docker(["create", "--name", "anc-trial", "busybox", "true"])).trim();
    ok(docker(["tag", "busybox", "anc-other:1"]));
    try {
      const imageId = ok(docker(["image", "inspect", "-f", "{{.Id}}", "busybox"])).trim();
      for (const ref of ["busybox", "busybox:latest", "anc-other:1", imageId, imageId.slice(7, 19)]) expect([ref, ok(docker(["ps", "-aq", "--no-trunc", "--filter", `ancestor=${ref}`]))]).toEqual([ref, `${id}\n`]);
      expect(ok(docker(["ps", "-aq", "--filter", "ancestor=nosuch:1"]))).toBe("");
    } finally {
      ok(docker(["rm", "anc-trial"]));
      ok(docker(["rmi", "anc-other:1"]));
    }
  });

  test("HOME comes from the container's /etc/passwd for run and exec, each user its own, as runc gives it (it was always /)", () => {
    for (const runtime of ["skiff", "runc"]) {
      const home = (args: string[]) => ok(docker(["run", "--rm", "--runtime", runtime, ...args, "busybox", "sh", "-c", "echo $HOME"])).trim();
      expect([runtime, home([]), home(["-u", "nobody"]), home(["-u", "4242"]), home(["-e", "HOME=/given"])]).toEqual([runtime, "/root", "/nonexistent", "/", "/given"]);
      ok(docker(["run", "-d", "--runtime", runtime, "--name", `home-${runtime}`, "busybox", "sleep", "60"]));
      try {
        expect(ok(docker(["exec", `home-${runtime}`, "sh", "-c", "echo $HOME"]))).toBe("/root\n");
        expect(ok(docker(["exec", "-u", "nobody", `home-${runtime}`, "sh", "-c", "echo $HOME"]))).toBe("/nonexistent\n");
      } finally {
        ok(docker(["rm", "-f", `home-${runtime}`]));
      }
    }
  });

  test("--entrypoint \"\" resets the image's entrypoint; a bad stop signal or restart policy is refused at create", () => {
    expect(ok(docker(["run", "--rm", "--entrypoint", "", "busybox", "echo", "hi"]))).toBe("hi\n");
    const sig = docker(["run", "--rm", "--stop-signal", "FOO", "busybox", "true"]);
    expect([sig.status, sig.stderr.includes("Invalid signal: FOO")]).toEqual([125, true]);
    // kill -s with a signal that is none: the engine's refusal in dockerd's words, whatever the
    // container's state (a stopped one's reached the runtime's parser: RUNTIME_UNKNOWN_SIGNAL); a stop
    // of a stopped one is done before any signal is read, as dockerd's
    const stopped = ok(docker(["create", "busybox", "true"])).trim();
    try {
      const r = d.skiff(["kill", "-s", "FOO", stopped]);
      expect([r.status, r.stderr.split("\n")[0]]).toEqual([1, "Error response from daemon: Invalid signal: FOO (layer: engine, code: ENGINE_SIGNAL_INVALID)"]);
      expect(d.skiff(["stop", "-s", "FOO", stopped]).status).toBe(0);
    } finally {
      ok(docker(["rm", stopped]));
    }
    const pol = docker(["run", "--restart", "bogus", "busybox", "true"]);
    expect(pol.status).toBe(125);
    expect(pol.stderr).toContain("invalid restart policy");
    expect(ok(docker(["ps", "-aq"]))).toBe("");
  });

  test("kill of a paused container: it dies at once (thawed for SIGKILL)", () => {
    ok(docker(["run", "-d", "--name", "frozen", "busybox", "sleep", "60"]));
    ok(docker(["pause", "frozen"]));
    ok(docker(["kill", "frozen"]));
    expect(ok(docker(["wait", "frozen"]))).toBe("137\n");
    ok(docker(["rm", "frozen"]));
  });

  test("inspect has the HostConfig fields scripts read, at docker's zero values", () => {
    ok(docker(["create", "--name", "fields", "busybox", "true"]));
    expect(ok(docker(["inspect", "-f", "{{.HostConfig.CpuQuota}} {{.HostConfig.MemoryReservation}} {{.HostConfig.OomKillDisable}} {{len .HostConfig.MaskedPaths}}", "fields"]))).toBe("0 0 false 10\n");
    ok(docker(["rm", "fields"]));
  });
});

test("options skiffd takes but does not act on yet are said, never silently dropped; --cpus past the host's CPUs is refused", () => {
  const r = docker(["run", "--rm", "--add-host", "foo:1.2.3.4", "--dns", "9.9.9.9", "--userns", "host", "busybox", "true"]);
  expect(r.status).toBe(0);
  // (--userns host is what skiffd does: it remaps no users)
  expect(r.stderr).not.toContain("userns");
  // (--add-host and --dns are served with networking: no warning for them)
  expect(r.stderr).not.toContain("--add-host is not served");
  const cpus = docker(["run", "--rm", "--cpus", "1000", "busybox", "true"]);
  expect([cpus.status, cpus.stderr.includes("Range of CPUs is from 0.01 to")]).toEqual([125, true]);
  // (each said only the kernel's ERANGE, or named a config.json the user never wrote)
  const cpuset = docker(["run", "--rm", "--cpuset-cpus", "9999", "busybox", "true"]);
  expect([cpuset.status, cpuset.stderr.includes("Requested CPUs are not available - requested 9999, available: 0")]).toEqual([125, true]);
  const uid = docker(["run", "--rm", "-u", "99999999999", "busybox", "true"]);
  expect([uid.status, uid.stderr.includes("uids and gids must be in range 0-2147483647"), uid.stderr.includes("config.json")]).toEqual([125, true, false]);
  expect(ok(docker(["ps", "-aq"]))).toBe("");
});

test("--pid and --ipc container:NAME join that container's namespaces (IPC only from a shareable one), --ipc none has no /dev/shm, --cgroupns private hides the host's cgroup paths; in dockerd's words when they cannot (they were ignored with a warning)", () => {
  const ns = (args: string[], kind: string) => ok(docker(["run", "--rm", ...args, "busybox", "readlink", `/proc/self/ns/${kind}`])).trim();
  ok(docker(["run", "-d", "--name", "ns-donor", "busybox", "sleep", "100"]));
  ok(docker(["run", "-d", "--name", "ns-shared", "--ipc", "shareable", "busybox", "sleep", "100"]));
  try {
    for (const runtime of [[], ["--runtime", "runc"]]) {
      // the donor's sleep is PID 1 of the namespace the new container's ps runs in
      expect(ok(docker(["run", "--rm", ...runtime, "--pid", "container:ns-donor", "busybox", "ps", "-o", "pid,comm"])).split("\n")[1]!.trim()).toBe("1 sleep");
      expect(ns([...runtime, "--ipc", "container:ns-shared"], "ipc")).toBe(ok(docker(["exec", "ns-shared", "readlink", "/proc/self/ns/ipc"])).trim());
    }
    expect(ns([], "pid")).not.toBe(ok(docker(["exec", "ns-donor", "readlink", "/proc/self/ns/pid"])).trim());
    const unshared = docker(["run", "--rm", "--ipc", "container:ns-donor", "busybox", "true"]);
    expect([unshared.status, unshared.stderr.includes("can't join IPC of container ns-donor: non-shareable IPC (hint: use IpcMode:shareable for the donor container)")]).toEqual([125, true]);
    const missing = docker(["run", "--rm", "--pid", "container:ns-nothing", "busybox", "true"]);
    expect([missing.status, missing.stderr.includes("No such container: ns-nothing"), missing.stderr.includes("Unable to find image")]).toEqual([125, true, false]);
    const none = docker(["run", "--rm", "--ipc", "none", "busybox", "ls", "/dev/shm"]);
    expect([none.status, none.stderr.includes("No such file or directory")]).toEqual([1, true]);
    // a private cgroup namespace sees its own cgroup as the root; the host's shows the daemon's parent
    expect(ok(docker(["run", "--rm", "--cgroupns", "private", "busybox", "cat", "/proc/self/cgroup"])).split("\n").filter(Boolean).every((l) => l.endsWith(":/"))).toBe(true);
    expect(ok(docker(["run", "--rm", "--cgroupns", "host", "busybox", "cat", "/proc/self/cgroup"]))).toContain(`${TEST_CGROUP}/`);
    expect(ok(docker(["inspect", "-f", "{{.HostConfig.IpcMode}} {{.HostConfig.CgroupnsMode}}", "ns-shared"])).trim()).toMatch(/^shareable (host|private)$/);
    // the donor must run at each start
    ok(docker(["create", "--name", "ns-joiner", "--pid", "container:ns-donor", "busybox", "true"]));
    ok(docker(["stop", "-t", "0", "ns-donor"]));
    const stopped = docker(["start", "ns-joiner"]);
    expect([stopped.status, /container [0-9a-f]{64} is not running/.test(stopped.stderr)]).toEqual([1, true]);
    // modes docker does not know: the CLI's refusal, and the daemon's for an API client
    const bogus = d.skiff(["run", "--rm", "--pid", "bogus", "busybox", "true"]);
    expect([bogus.status, bogus.stderr.includes("--pid: invalid PID mode")]).toEqual([125, true]);
    const api = JSON.parse(execFileSync("curl", ["-s", "--unix-socket", d.sock, "-XPOST", "-H", "Content-Type: application/json", "-d", '{"Image":"busybox","HostConfig":{"IpcMode":"bogus"}}', "http://x/v1.41/containers/create"], { encoding: "utf8" }));
    expect(api.message).toBe("invalid IPC mode: bogus");
  } finally {
    docker(["rm", "-f", "ns-donor", "ns-shared", "ns-joiner"]);
  }
});

test("--device-read/write-bps/iops limit the container's block I/O where the host's controller has the files, --blkio-weight likewise or with dockerd's warning; a path that is no block device is refused (they were refused as not served)", () => {
  const name = readdirSync("/sys/block").find((b) => existsSync(`/dev/${b}`) && !b.startsWith("loop") && !b.startsWith("zram")) ?? readdirSync("/sys/block").find((b) => existsSync(`/dev/${b}`));
  const support = probeBlkioSupport();
  if (!name || !support.readBps || !support.writeIOps) return void console.warn("skipped: this host has no block device or no block I/O throttling");
  const dev = readFileSync(`/sys/block/${name}/dev`, "utf8").trim();
  // inside: v1's blkio files, or v2's io.max (one line per device with every limit)
  const show = "cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device /sys/fs/cgroup/blkio/blkio.throttle.write_iops_device 2>/dev/null || cat /sys/fs/cgroup/io.max";
  const r = docker(["run", "--rm", "--device-read-bps", `/dev/${name}:1mb`, "--device-write-iops", `/dev/${name}:100`, "--blkio-weight", "300", "busybox", "sh", "-c", show]);
  expect(r.status).toBe(0);
  const seen = r.stdout.trim().replace(/\n/g, " ");
  expect(seen.includes(`${dev} 1048576`) || seen.includes(`${dev} rbps=1048576`)).toBe(true);
  expect(seen.includes(`${dev} 100`) || seen.includes("wiops=100")).toBe(true);
  expect(r.stderr.includes("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.")).toBe(!support.weight);
  ok(docker(["create", "--name", "blk", "--device-write-bps", `/dev/${name}:2mb`, "busybox", "true"]));
  expect(ok(docker(["inspect", "-f", "{{json .HostConfig.BlkioDeviceWriteBps}}", "blk"])).trim()).toBe(`[{"Path":"/dev/${name}","Rate":2097152}]`);
  ok(docker(["rm", "blk"]));
  const notBlock = docker(["run", "--rm", "--device-read-bps", "/dev/null:1mb", "busybox", "true"]);
  expect([notBlock.status, notBlock.stderr.includes("--device-read-bps /dev/null: not a block device")]).toEqual([125, true]);
  const weight = docker(["run", "--rm", "--blkio-weight", "5", "busybox", "true"]);
  expect(weight.status === 125 && weight.stderr.includes("Range of blkio weight is from 10 to 1000")).toBe(support.weight);
});

test("docker's init layer: /.dockerenv (programs look for it) and /etc/mtab -> /proc/mounts are there, and diff and commit leave them out (a new-user trial: both were missing)", () => {
  expect(ok(docker(["run", "--name", "initfiles", "busybox", "sh", "-c", "test -f /.dockerenv && readlink /etc/mtab"]))).toBe("/proc/mounts\n");
  try {
    expect(ok(docker(["diff", "initfiles"]))).toBe("");
    const exported = execFileSync("sh", ["-c", `${DOCKER_28} export initfiles | tar t`], { env: { ...process.env, DOCKER_HOST: `unix://${d.sock}` }, encoding: "utf8" });
    expect(exported.split("\n")).toEqual(expect.arrayContaining([".dockerenv", "etc/mtab"]));
  } finally {
    docker(["rm", "initfiles"]);
  }
});

test("a container the OOM killer ends shows OOMKilled and an oom event", () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  const r = docker(["run", "--name", "hungry", "--memory", "8m", "--memory-swap", "8m", "busybox", "sh", "-c", "x=$(head -c 50000000 /dev/zero | tr '\\0' a); echo $x | wc -c"]);
  expect(r.status).toBe(137);
  expect(ok(docker(["inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "hungry"]))).toBe("true 137\n");
  const events = ok(docker(["events", "--since", String(since), "--until", String(Math.ceil(Date.now() / 1000) + 1), "--filter", "container=hungry", "--format", "{{.Action}}"]));
  expect(events.split("\n")).toContain("oom");
  ok(docker(["rm", "hungry"]));
});

test("skiff events: docker's default line and --format, with --since/--until and filters", () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  ok(d.skiff(["run", "--rm", "--name", "evs", "busybox", "true"]));
  Bun.sleepSync(50);
  const until = String(Math.ceil(Date.now() / 1000) + 1);
  const lines = ok(d.skiff(["events", "--since", String(since), "--until", until, "--filter", "container=evs"])).trim().split("\n");
  expect(lines.map((l) => l.split(" ").slice(1, 3).join(" "))).toEqual(["container create", "container attach", "container start", "container die", "container destroy"]);
  expect(lines[3]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z container die [0-9a-f]{64} \(exitCode=0, image=busybox, name=evs\)$/);
  // the same lines as docker's CLI prints for the same events
  expect(ok(docker(["events", "--since", String(since), "--until", until, "--filter", "container=evs"])).trim().split("\n")).toEqual(lines);
  expect(ok(d.skiff(["events", "--since", String(since), "--until", until, "--filter", "event=die", "--filter", "container=evs", "--format", "{{.Action}} {{.Actor.Attributes.name}}"]))).toBe("die evs\n");
});
