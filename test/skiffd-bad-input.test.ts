// Bad input to skiffd as docker users give it (docker 28's CLI, and the API underneath it): each is
// a clear error with docker's HTTP status and CLI exit status, and leaves nothing half-made: no
// container record, state or log dir, layer, monitor or process that the refusal did not keep on
// purpose (docker keeps a created container whose start failed; rm takes it).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { api, leftovers, ok, settledLeftovers, skiffdWithBusybox, stopClean } from "./harness/skiffd-leftovers.ts";
import { DOCKER_28, removeDir, type RunResult, type Skiffd } from "./harness/skiffd.ts";

let d: Skiffd;
const docker = (...args: string[]): RunResult => d.docker(DOCKER_28, args);
const V = "/v1.41";

beforeAll(async () => {
  d = await skiffdWithBusybox();
});

afterAll(async () => {
  await stopClean(d);
  if (d) removeDir(d.dir);
});

/** Nothing of any container is left (after the test removed what it made on purpose). */
async function expectNothingLeft() {
  expect(await settledLeftovers(d)).toEqual({});
}

test("an unknown image: 404 naming it; run --pull never exits 125, a failed pull 125; nothing made", async () => {
  const r = await api(d, "POST", `${V}/containers/create`, { Image: "nosuch-image:1" });
  expect(r.status).toBe(404);
  expect(r.body.message).toContain("nosuch-image:1");
  const never = docker("run", "--rm", "--pull", "never", "nosuch-image:1", "true");
  expect(never.status).toBe(125);
  expect(never.stderr).toContain("nosuch-image:1");
  // a registry that is not there: docker pulls, the pull fails, run exits 125
  const pulled = docker("run", "--rm", "127.0.0.1:9/nosuch:1", "true");
  expect(pulled.status).toBe(125);
  expect(pulled.stderr).toContain("127.0.0.1:9");
  expect(docker("create", "--pull", "never", "nosuch-image:1").status).toBe(1);
  await expectNothingLeft();
});

test("an unknown container: 404 'No such container' for every verb; docker exits 1", async () => {
  for (const [method, path] of [["GET", "/containers/nosuch/json"], ["POST", "/containers/nosuch/start"], ["POST", "/containers/nosuch/stop"], ["POST", "/containers/nosuch/kill"], ["POST", "/containers/nosuch/wait"], ["GET", "/containers/nosuch/logs?stdout=1"], ["POST", "/containers/nosuch/exec"], ["DELETE", "/containers/nosuch"], ["POST", "/containers/nosuch/rename?name=x"], ["POST", "/containers/nosuch/pause"], ["GET", "/containers/nosuch/top"]] as const) {
    const r = await api(d, method, `${V}${path}`, path.endsWith("/exec") ? { Cmd: ["true"] } : undefined);
    expect([path, r.status]).toEqual([path, 404]);
    expect([path, r.body.message]).toEqual([path, "No such container: nosuch"]);
  }
  for (const verb of [["start"], ["stop"], ["kill"], ["logs"], ["exec", "nosuch", "true"], ["rm"], ["wait"], ["restart"], ["pause"], ["attach"]]) {
    const r = docker(...verb, ...(verb.length === 1 ? ["nosuch"] : []));
    expect([verb[0], r.status]).toEqual([verb[0], 1]);
    expect(r.stderr).toContain("No such container: nosuch");
  }
  const inspect = docker("inspect", "nosuch");
  expect([inspect.status, inspect.stderr.trim()]).toEqual([1, "Error: No such object: nosuch"]);
});

test("a name in use: 409 naming the container that holds it, which runs on untouched", async () => {
  const id = ok(docker("run", "-d", "--name", "holder", "busybox", "sleep", "60")).trim();
  const r = await api(d, "POST", `${V}/containers/create?name=holder`, { Image: "busybox" });
  expect(r.status).toBe(409);
  expect(r.body.message).toBe(`Conflict. The container name "/holder" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`);
  const run = docker("run", "--rm", "--name", "holder", "busybox", "true");
  expect(run.status).toBe(125);
  expect(run.stderr).toContain('The container name "/holder" is already in use');
  const rename = docker("run", "-d", "--name", "other", "busybox", "sleep", "60");
  expect(docker("rename", "other", "holder").status).toBe(1);
  expect(ok(docker("inspect", "--format", "{{.State.Status}} {{.Id}}", "holder"))).toBe(`running ${id}\n`);
  ok(docker("rm", "-f", "holder", rename.stdout.trim()));
  await expectNothingLeft();
});

test("an invalid --memory: docker's own parse refuses 'abc' and -5; below 6 MiB and a swap below the memory are the daemon's 400; 125 each", async () => {
  for (const bad of ["abc", "-5", "1x"]) {
    const r = docker("run", "--rm", "--memory", bad, "busybox", "true");
    expect([bad, r.status]).toEqual([bad, 125]);
    expect(r.stderr).toContain(`invalid argument "${bad}" for "-m, --memory" flag`);
  }
  const low = await api(d, "POST", `${V}/containers/create`, { Image: "busybox", HostConfig: { Memory: 1024 } });
  expect(low.status).toBe(400);
  expect(low.body.message).toContain("Minimum memory limit allowed is 6MB");
  const r = docker("run", "--rm", "--memory", "1k", "busybox", "true");
  expect(r.status).toBe(125);
  expect(r.stderr).toContain("Minimum memory limit allowed is 6MB");
  // dockerd's words for --cpus out of range, also below 0 (the API's schema refused it, naming HostConfig.NanoCpus)
  const cpus = docker("run", "--rm", "--cpus", "-1", "busybox", "true");
  expect([cpus.status, cpus.stderr]).toEqual([125, expect.stringContaining("Range of CPUs is from 0.01 to")]);
  const swap = docker("run", "--rm", "--memory", "64m", "--memory-swap", "10m", "busybox", "true");
  expect(swap.status).toBe(125);
  expect(swap.stderr).toContain("--memory-swap");
  await expectNothingLeft();
});

test("a missing bind source: --mount is refused before anything is made (400, 125); -v makes the directory, as dockerd does for Binds", async () => {
  const missing = join(d.dir, "no-such-source");
  const r = docker("run", "--rm", "--mount", `type=bind,source=${missing},target=/x`, "busybox", "true");
  expect(r.status).toBe(125);
  expect(r.stderr).toContain(missing);
  expect(existsSync(missing)).toBe(false);
  const res = await api(d, "POST", `${V}/containers/create`, { Image: "busybox", HostConfig: { Mounts: [{ Type: "bind", Source: missing, Target: "/x" }] } });
  expect(res.status).toBe(400);
  await expectNothingLeft();
  ok(docker("run", "--rm", "-v", `${missing}/sub:/x`, "busybox", "true"));
  expect(statSync(join(missing, "sub")).isDirectory()).toBe(true);
  rmSync(missing, { recursive: true });
});

test("--mount binds as -v does (read-only with readonly), and a tmpfs mount is a tmpfs", () => {
  const src = join(d.dir, "bind-src");
  mkdirSync(src);
  writeFileSync(join(src, "f"), "from the host\n");
  expect(ok(docker("run", "--rm", "--mount", `type=bind,source=${src},target=/x`, "busybox", "cat", "/x/f"))).toBe("from the host\n");
  const ro = docker("run", "--rm", "--mount", `type=bind,source=${src},target=/x,readonly`, "busybox", "touch", "/x/g");
  expect(ro.status).toBe(1);
  expect(ro.stderr).toContain("Read-only file system");
  expect(ok(docker("run", "--rm", "--mount", "type=tmpfs,target=/t", "busybox", "sh", "-c", "grep ' /t ' /proc/mounts | cut -d' ' -f3"))).toBe("tmpfs\n");
});

test("exec into a stopped or a created container: 409 'is not running'; docker exits 1", async () => {
  ok(docker("run", "--name", "stopped", "busybox", "true"));
  ok(docker("create", "--name", "created", "busybox", "sleep", "60"));
  for (const name of ["stopped", "created"]) {
    const r = await api(d, "POST", `${V}/containers/${name}/exec`, { Cmd: ["true"] });
    expect([name, r.status]).toEqual([name, 409]);
    expect(r.body.message).toMatch(/^Container [0-9a-f]{64} is not running$/);
    const cli = docker("exec", name, "true");
    expect([name, cli.status]).toEqual([name, 1]);
    expect(cli.stderr).toContain("is not running");
  }
  ok(docker("rm", "stopped", "created"));
  await expectNothingLeft();
});

test("rm of a running container without -f: 409, docker exits 1, it runs on; rm -f removes it", async () => {
  ok(docker("run", "-d", "--name", "busy", "busybox", "sleep", "60"));
  const r = await api(d, "DELETE", `${V}/containers/busy`);
  expect(r.status).toBe(409);
  expect(r.body.message).toContain("You cannot remove a running container");
  const cli = docker("rm", "busy");
  expect(cli.status).toBe(1);
  expect(cli.stderr).toContain("Stop the container before attempting removal or force remove");
  expect(ok(docker("inspect", "--format", "{{.State.Status}}", "busy"))).toBe("running\n");
  ok(docker("rm", "-f", "busy"));
  await expectNothingLeft();
});

test("a command missing in the image: 127; one that cannot run (not executable, a directory): 126; for run and exec; no monitor left", async () => {
  for (const [cmd, code, words] of [["nosuch", 127, "nosuch"], ["/etc/passwd", 126, "/etc/passwd"], ["/etc", 126, "/etc"]] as const) {
    const rm = docker("run", "--rm", "busybox", cmd);
    expect([cmd, rm.status]).toEqual([cmd, code]);
    expect(rm.stderr).toContain(words);
    // without --rm the container stays, created, with docker's exit code for it
    const kept = docker("run", "--name", "kept", "busybox", cmd);
    expect([cmd, kept.status]).toEqual([cmd, code]);
    expect(ok(docker("inspect", "--format", "{{.State.Status}}", "kept"))).toMatch(/^(created|exited)\n$/);
    ok(docker("rm", "kept"));
  }
  ok(docker("run", "-d", "--name", "host", "busybox", "sleep", "60"));
  // (a working directory that is not there: 126, its error names no command, as dockerd's; it was 127)
  const execs = [docker("exec", "host", "nosuch"), docker("exec", "host", "/etc/passwd"), docker("exec", "-w", "/nonexist", "host", "pwd")];
  expect(execs.map((r) => r.status)).toEqual([127, 126, 126]);
  expect(execs[2]!.stderr).toContain("/nonexist");
  expect(execs[0]!.stderr).toContain("nosuch");
  // the container's own monitor is all that runs under the daemon's roots
  const l = leftovers(d);
  expect(l.processes.filter((p) => p.includes("skiff-monitor"))).toHaveLength(1);
  ok(docker("rm", "-f", "host"));
  await expectNothingLeft();
});
