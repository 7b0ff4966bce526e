// skiff create against docker 28's create, flag for flag: both CLIs create a container on fake
// daemons, and the bodies (and queries) they send must be the same JSON; a value docker refuses
// before sending anything, skiff refuses too (status 125, nothing sent), with docker's words in
// its message.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeDaemon } from "../src/api/testing/fake-daemon.ts";
import { DOCKER_28, runCli, startFake, type CliResult } from "./harness/container-clis.ts";
import { tempDir } from "./harness/skiffd.ts";

const files = tempDir("create-body");
const envFile = join(files, "app.env");
const labelFile = join(files, "labels");
const profile = join(files, "seccomp.json");
const fakes: FakeDaemon[] = [];

beforeAll(() => {
  writeFileSync(envFile, "\uFEFF# comment\n\nA=1\n  B=spaced value \nFROM_ENV\nUNSET_ONE\nEMPTY=\nC=x=y\r\n\t# indented comment\n");
  writeFileSync(labelFile, "team=infra\n# no\nflag\n");
  writeFileSync(profile, '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [ { "names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "comment": "a  b" } ]\n}\n');
});
afterAll(async () => {
  for (const f of fakes) await f.stop();
});

const ENV = { FROM_ENV: "from the shell", FOO: "bar" };

/** docker 28 sends Env and Binds in Go's map order, which changes from run to run: both are compared as sets. */
function unordered(body: unknown): unknown {
  const b = structuredClone(body) as { Env?: string[] | null; HostConfig?: { Binds?: string[] | null } };
  b.Env?.sort();
  b.HostConfig?.Binds?.sort();
  return b;
}

async function create(which: "docker" | "skiff", args: readonly string[]): Promise<{ result: CliResult; request?: { query: unknown; body: unknown } }> {
  const d = await startFake();
  fakes.push(d);
  const result = await runCli(which, d, ["create", ...args], { env: ENV, cwd: files });
  const req = d.calls(/^POST \/containers\/create$/)[0];
  return { result, request: req && { query: req.query, body: unordered(req.body) } };
}

const SAME: [string, string[]][] = [
  ["no flags", ["busybox"]],
  ["a command and its own flags", ["busybox", "ls", "-la", "--color", "-e", "x"]],
  ["--name", ["--name", "web", "busybox"]],
  ["-e, -e NAME from the environment or not", ["-e", "A=1", "-e", "B", "-e", "FOO", "-e", "FOO=override", "busybox"]],
  ["--env-file (BOM, comments, NAME alone, spaces, CRLF) then -e", ["--env-file", envFile, "-e", "A=2", "busybox"]],
  ["-w, -u, --entrypoint", ["-w", "/tmp", "-u", "1000:1000", "--entrypoint", "/bin/sh", "busybox", "-c", "echo hi"]],
  ["--entrypoint '' resets it", ["--entrypoint", "", "busybox"]],
  ["--read-only, --tmpfs, --hostname, --domainname", ["--read-only", "--tmpfs", "/run", "--tmpfs", "/tmp:rw,size=64m", "--hostname", "h1", "--domainname", "example.org", "busybox"]],
  ["memory sizes", ["--memory", "64m", "--memory-swap", "128m", "--memory-reservation", "32M", "--shm-size", "1g", "busybox"]],
  ["memory with a fraction, unlimited swap", ["-m", "1.5g", "--memory-swap", "-1", "busybox"]],
  ["memory units with b and ib", ["-m", "512kb", "--memory-swap", "1GiB", "--shm-size", "100", "busybox"]],
  ["cpus and cpu shares", ["--cpus", "1.5", "--cpu-shares", "512", "--cpuset-cpus", "0-1", "--cpuset-mems", "0", "--cpu-period", "100000", "--cpu-quota", "50000", "busybox"]],
  ["cpus as a fraction and with an exponent", ["--cpus", "3/2", "-c", "2", "busybox"]],
  ["cpus 0.000000001", ["--cpus", "0.000000001", "busybox"]],
  ["--pids-limit", ["--pids-limit", "100", "busybox"]],
  ["--pids-limit -1", ["--pids-limit", "-1", "busybox"]],
  ["ulimits", ["--ulimit", "nofile=1024:2048", "--ulimit", "core=-1", "busybox"]],
  ["one ulimit twice: the last wins", ["--ulimit", "nproc=10", "--ulimit", "nproc=20:30", "busybox"]],
  ["capabilities normalised", ["--cap-add", "NET_ADMIN", "--cap-add", "sys_time", "--cap-add", "CAP_CHOWN", "--cap-add", "net_admin", "--cap-drop", "ALL", "busybox"]],
  ["cap-add ALL with a drop", ["--cap-add", "ALL", "--cap-drop", "CHOWN", "busybox"]],
  ["the same capability added and dropped", ["--cap-add", "CHOWN", "--cap-drop", "chown", "--cap-drop", "KILL", "busybox"]],
  ["--privileged and security options", ["--privileged", "--security-opt", "no-new-privileges", "--security-opt", "seccomp=unconfined", "--security-opt", "label=disable", "--security-opt", "apparmor:unconfined", "busybox"]],
  ["a seccomp profile from a file, compacted", ["--security-opt", `seccomp=${profile}`, "busybox"]],
  ["systempaths=unconfined", ["--security-opt", "systempaths=unconfined", "busybox"]],
  ["devices", ["--device", "/dev/fuse", "--device", "/dev/null:/dev/mynull:r", "--device", "/dev//zero:rw", "--device", "/dev/a:/b//c/", "--device", "/dev//x:/y//z:wm", "busybox"]],
  ["--init", ["--init", "busybox"]],
  ["--init=false", ["--init=false", "busybox"]],
  ["--stop-signal and --stop-timeout", ["--stop-signal", "SIGINT", "--stop-timeout", "5", "busybox"]],
  ["labels and a label file", ["--label", "a=b", "--label", "c", "-l", "d=e=f", "--label-file", labelFile, "busybox"]],
  ["--runtime and --network none", ["--runtime", "runc", "--network", "none", "busybox"]],
  ["--network host", ["--network", "host", "busybox"]],
  ["--net bridge", ["--net", "bridge", "busybox"]],
  ["volumes: binds, anonymous, named, relative", ["-v", "/tmp:/data:ro", "-v", "/srv:/srv", "-v", "/anon", "-v", "named:/n", "-v", "./rel:/r:rw", "-v", "/a:/b:zz", "busybox"]],
  ["--rm", ["--rm", "busybox"]],
  ["--restart always", ["--restart", "always", "busybox"]],
  ["--restart on-failure:3", ["--restart", "on-failure:3", "busybox"]],
  ["health checks", ["--health-cmd", "test -f /ok || exit 1", "--health-interval", "1.5s", "--health-timeout", "500ms", "--health-retries", "2", "--health-start-period", "1m", "busybox"]],
  ["a health interval alone", ["--health-interval", "10s", "busybox"]],
  ["--no-healthcheck", ["--no-healthcheck", "busybox"]],
  ["-a stdin -a STDOUT", ["-a", "stdin", "-a", "STDOUT", "busybox"]],
  ["-i", ["-i", "busybox"]],
  ["-t without a terminal", ["-t", "busybox"]],
  ["-it", ["-it", "busybox"]],
  ["oom, swappiness, groups, cgroup parent", ["--oom-kill-disable", "--oom-score-adj", "500", "--memory-swappiness", "10", "--group-add", "audio", "--group-add", "50", "--cgroup-parent", "/x", "busybox"]],
  ["logging", ["--log-driver", "json-file", "--log-opt", "max-size=10m", "--log-opt", "max-file=3", "busybox"]],
  ["--sysctl", ["--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.msgmax=65536", "busybox"]],
  ["--platform", ["--platform", "linux/amd64", "busybox"]],
  ["attached values: -eA=1 -m64m -uroot -w=/x", ["-eA=1", "-m64m", "-uroot", "-w=/x", "busybox"]],
  ["--flag=value forms", ["--env=A=1", "--name=n1", "--memory=1g", "busybox"]],
  ["-- ends the flags", ["--", "busybox", "--rm"]],
  ["volumes: -v NAME:/p:ro, -v /p, --volumes-from", ["-v", "named:/n:ro", "-v", "/anon", "--volumes-from", "other:ro", "--volumes-from", "x", "busybox"]],
  ["--mount type=volume with driver options, labels, nocopy", ["--mount", "type=volume,src=mv,dst=/m,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-label=a=b,volume-nocopy,volume-driver=local", "--mount", "dst=/anonymous", "busybox"]],
  ["-p in all its forms", ["-p", "8080:80", "-p", "127.0.0.1::53/udp", "-p", "90-91:90-91", "-p", "81", "-p", "[::1]:82:82", "-p", "0.0.0.0:8080:80/tcp", "-p", "8000-8010:83", "-p", "080:0084", "-p", "127.0.0.1:8081:85/TCP", "busybox"]],
  ["-p's long form, -P, --expose with ranges and protocols", ["-p", "target=80,published=8080,protocol=udp,mode=host", "-p", "target=81", "-P", "--expose", "7000-7002", "--expose", "9/udp", "--expose", "80/UDP", "busybox"]],
  ["--network NAME with --network-alias and --ip", ["--network", "front", "--network-alias", "a", "--network-alias", "b", "--ip", "10.0.0.5", "busybox"]],
  ["two networks", ["--network", "a", "--net", "b", "busybox"]],
  ["--network's long form", ["--network", "name=a,alias=x,ip=10.1.1.1,driver-opt=k=v", "--network", "name=b,alias=y", "busybox"]],
  ["--ip on the default network", ["--ip", "1.2.3.4", "busybox"]],
  ["--link on the default network", ["--link", "web:w", "--link", "/db", "busybox"]],
  ["--link on a user-defined network", ["--network", "front", "--link", "web:w", "busybox"]],
  ["--link with two networks", ["--network", "front", "--network", "back", "--link", "web", "busybox"]],
  ["--network container:NAME", ["--network", "container:db", "busybox"]],
  ["--dns, --dns-search, --dns-option, --add-host", ["--dns", "1.1.1.1", "--dns", "2001:DB8::0001", "--dns-search", "EXAMPLE.org.", "--dns-search", ".", "--dns-option", "ndots:2", "--dns-option", "a b", "--add-host", "h:1.2.3.4", "--add-host", "g=host-gateway", "--add-host", "v6=[::1]", "busybox"]],
  ["--mount type=bind and type=tmpfs", ["--mount", "type=bind,source=/tmp,target=/t,readonly,bind-propagation=rslave", "--mount", "type=tmpfs,dst=/tm,tmpfs-size=64m,tmpfs-mode=1770", "--mount", '"type=volume","src=q","target=/q","ro=true"', "busybox"]],
];

/** [name, flags, the part of docker's message skiff must say too (undefined: all of it)] */
const REFUSED: [string, string[], string?][] = [
  ["memory 64x", ["--memory", "64x"]],
  ["memory -1", ["--memory", "-1"]],
  ["memory-swap x", ["--memory-swap", "x"]],
  ["memory 1e", ["-m", "1kk"]],
  ["cpus abc", ["--cpus", "abc"]],
  ["cpus 1.5.5", ["--cpus", "1.5.5"]],
  ["cpus too precise", ["--cpus", "0.0000000001"]],
  ["cpu-shares x", ["--cpu-shares", "x"]],
  ["pids-limit 1.5", ["--pids-limit", "1.5"]],
  ["pids-limit out of range", ["--pids-limit", "9223372036854775808"]],
  ["ulimit without a value", ["--ulimit", "nofile"]],
  ["ulimit of no such kind", ["--ulimit", "bogus=1"]],
  ["ulimit soft over hard", ["--ulimit", "nofile=2048:1024"]],
  ["ulimit with three values", ["--ulimit", "nofile=1:2:3"]],
  ["ulimit a", ["--ulimit", "nofile=a"]],
  ["device with a bad mode", ["--device", "/dev/x:/y:q"]],
  ["device relative", ["--device", "rel"]],
  ["device relative in the container", ["--device", "/dev/a:rel"]],
  ["device with four parts", ["--device", "/a:/b:rw:x"]],
  ["stop-timeout x", ["--stop-timeout", "x"]],
  ["volume with an empty source", ["-v", ":/x"]],
  ["volume with an empty section", ["-v", "/a::/b"]],
  ["volume with too many colons", ["-v", "/a:/b:ro:x"]],
  ["env without a name", ["-e", "=x"]],
  ["label without a name", ["--label", "=x"]],
  ["missing env file", ["--env-file", "/nonexistent/env"]],
  ["env file with a spaced name", ["--env-file", join(files, "bad.env")]],
  ["env file with a name with a space before =", ["--env-file", join(files, "spaced.env")]],
  ["security-opt without a value", ["--security-opt", "foo"]],
  ["missing seccomp profile", ["--security-opt", "seccomp=/nonexistent.json"]],
  // Go's JSON parser words its errors its own way: the message is the same up to them
  ["seccomp profile that is not JSON", ["--security-opt", `seccomp=${join(files, "bad.env")}`], "failed:"],
  ["--restart with --rm", ["--restart", "always", "--rm"]],
  ["--restart :3", ["--restart", ":3"]],
  ["--restart on-failure:x", ["--restart", "on-failure:x"]],
  ["-a bogus", ["-a", "bogus"]],
  ["--no-healthcheck with --health-cmd", ["--no-healthcheck", "--health-cmd", "true"]],
  ["--health-retries -1", ["--health-retries", "-1"]],
  ["--health-interval -1s", ["--health-interval", "-1s"]],
  ["--health-timeout 5", ["--health-timeout", "5"], "invalid argument"],
  // skiff's flag parser words a bad bool its own way (args.ts, shared with skiff-oci)
  ["--init=x", ["--init=x"], ""],
  ["--memory-swappiness 200", ["--memory-swappiness", "200"]],
  ["--pull sometimes", ["--pull", "sometimes"]],
  ["log opts for the none driver", ["--log-driver", "none", "--log-opt", "a=b"]],
  ["--mount without a target", ["--mount", "type=volume,src=x"]],
  ["--mount with a bare field", ["--mount", "type=volume,dst=/x,bogus"]],
  ["--mount with an unknown key", ["--mount", "type=volume,dst=/x,colour=red"]],
  ["--mount mixing tmpfs options into a volume", ["--mount", "type=volume,dst=/x,tmpfs-size=1m"]],
  ["--mount readonly=maybe", ["--mount", "dst=/x,readonly=maybe"]],
  ["-p x", ["-p", "x"]],
  ["-p 80:x", ["-p", "80:x"]],
  ["-p with a bad IP", ["-p", "1.2.3:80:80"]],
  ["-p 80/foo", ["-p", "80/foo"]],
  ["-p with ranges of different lengths", ["-p", "1-2:3-5"]],
  ["-p ''", ["-p", ""]],
  ["-p 70000", ["-p", "70000"]],
  ["-p target", ["-p", "target"]],
  ["-p with a bare field in the long form", ["-p", "target=80,x"]],
  ["--expose a:b", ["--expose", "a:b"]],
  ["--expose x", ["--expose", "x"]],
  ["--dns x", ["--dns", "x"]],
  ["--dns-search 'a b'", ["--dns-search", "a b"]],
  ["--add-host x", ["--add-host", "x"]],
  ["--add-host h:x", ["--add-host", "h:x"]],
  ["--network with an unknown field", ["--network", "name=a,foo=b"]],
  ["--network twice", ["--network", "a", "--network", "a"]],
  ["--network user-defined and host", ["--network", "a", "--network", "host"]],
  ["--network ''", ["--network", ""]],
  ["--network-alias on the default network", ["--network-alias", "a"]],
  ["--network-alias with per-network aliases", ["--network", "name=a,alias=x", "--network-alias", "y"]],
];

/** docker's message without its decorations: "docker: X." or "invalid argument … flag: X", first line. */
const dockerWords = (stderr: string) =>
  stderr
    .split("\n")[0]!
    .replace(/^docker: /, "")
    .replace(/\.$/, "");

type Outcome = Awaited<ReturnType<typeof create>>;
const outcomes = new Map<string, { docker: Outcome; skiff: Outcome }>();

describe.skipIf(!existsSync(DOCKER_28))("create body: skiff sends what docker 28 sends", () => {
  // every case runs first, a few at a time (runCli bounds them), then each test looks at its own
  beforeAll(async () => {
    writeFileSync(join(files, "bad.env"), "GOOD=1\nBAD NAME=2\n");
    writeFileSync(join(files, "spaced.env"), "B = spaced\n");
    const cases: [string, string[]][] = [...SAME, ...REFUSED.map(([n, f]): [string, string[]] => [`refused: ${n}`, [...f, "busybox"]])];
    await Promise.all(cases.map(async ([name, args]) => outcomes.set(name, { docker: await create("docker", args), skiff: await create("skiff", args) })));
  }, 300_000);

  test.each(SAME)("%s", (name) => {
    const { docker, skiff } = outcomes.get(name)!;
    expect(docker.result.status).toBe(0);
    expect({ status: skiff.result.status, stderr: skiff.result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(skiff.request).toEqual(docker.request!);
    // both print the new container's ID, and nothing else
    expect(skiff.result.stdout).toMatch(/^[0-9a-f]{64}\n$/);
  });

  test.each(REFUSED.map(([name, , upTo]) => [name, { upTo }] as const))("refused before any request: %s", (name, { upTo }) => {
    const { docker, skiff } = outcomes.get(`refused: ${name}`)!;
    expect(docker.result.status).toBe(125);
    expect(docker.request).toBeUndefined();
    expect(skiff.result.status).toBe(125);
    expect(skiff.request).toBeUndefined();
    // docker's own words, and skiff's layer and hint
    const words = dockerWords(docker.result.stderr);
    expect(skiff.result.stderr).toContain(upTo === undefined ? words : words.slice(0, words.indexOf(upTo) + upTo.length));
    expect(skiff.result.stderr.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(2);
  });
});
