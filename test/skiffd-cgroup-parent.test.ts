// The cgroup parent of skiffd's containers (--cgroup-parent): one that skiffd made goes when the
// daemon stops with no container left in it, whichever container made it and in whatever order
// they went (a shared parent had stayed for good: /sys/fs/cgroup/*/skiff after the demo); one that
// was there before skiffd, or still holds a container at the stop (live restore), stays.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { cgroupDirs, readCgroupLayout } from "../src/runtime/cgroups/manager.ts";
import { TEST_CGROUP } from "./harness/leaks.ts";
import { ok, stopClean, restartOn, skiffdWithBusybox } from "./harness/skiffd-leftovers.ts";
import { DOCKER_28, removeDir, startSkiffd, type Skiffd } from "./harness/skiffd.ts";

const dirsOf = (parent: string) => cgroupDirs(readCgroupLayout(), parent, "").dirs;
const present = (parent: string) => dirsOf(parent).filter((d) => existsSync(d)).length;

let d: Skiffd | undefined;
let image: Skiffd | undefined; // imports busybox once; its roots are reused by each daemon below
beforeAll(async () => {
  image = await skiffdWithBusybox();
  await image.stop();
});
afterAll(async () => {
  await stopClean(d);
  if (image) removeDir(image.dir);
});

test("a parent skiffd made goes at the daemon's stop, also when the container that made it went first", async () => {
  const parent = `${TEST_CGROUP}/own`;
  expect(present(parent)).toBe(0);
  d = await startSkiffd(["--cgroup-parent", parent], image!.dir);
  const docker = (...args: string[]) => d!.docker(DOCKER_28, args);
  ok(docker("run", "-d", "--name", "first", "busybox", "sleep", "1000"));
  ok(docker("run", "-d", "--name", "second", "busybox", "sleep", "1000"));
  expect(present(parent)).toBeGreaterThan(0);
  ok(docker("rm", "-f", "first")); // the container whose create made the parent
  ok(docker("rm", "-f", "second"));
  await d.stop();
  d = undefined;
  expect(present(parent)).toBe(0);
});

test("a parent that held a running container at the stop stays; the next daemon takes it once it is empty", async () => {
  const parent = `${TEST_CGROUP}/kept`;
  d = await startSkiffd(["--cgroup-parent", parent], image!.dir);
  ok(d.docker(DOCKER_28, ["run", "-d", "--name", "runs-on", "busybox", "sleep", "1000"]));
  d = await restartOn(d, ["--cgroup-parent", parent]); // killed with -9 and started again: the container runs on
  expect(present(parent)).toBeGreaterThan(0);
  await d.stop(); // the container still runs in it
  expect(present(parent)).toBeGreaterThan(0);
  d = await startSkiffd(["--cgroup-parent", parent], image!.dir);
  ok(d.docker(DOCKER_28, ["rm", "-f", "runs-on"]));
  await d.stop();
  d = undefined;
  expect(present(parent)).toBe(0);
});

test("a parent that was there before skiffd stays as it was", async () => {
  const parent = `${TEST_CGROUP}/users`;
  for (const dir of dirsOf(parent)) mkdirSync(dir, { recursive: true });
  try {
    d = await startSkiffd(["--cgroup-parent", parent], image!.dir);
    ok(d.docker(DOCKER_28, ["run", "--rm", "busybox", "true"]));
    await d.stop();
    d = undefined;
    expect(present(parent)).toBe(dirsOf(parent).length);
  } finally {
    for (const dir of dirsOf(parent)) rmdirSync(dir);
  }
});

test("--cgroup-parent per container (it was refused): the container's cgroup is made there, absolute or relative to the root, shown by inspect and used by stats; the parent it made goes with it", async () => {
  d = await startSkiffd(["--cgroup-parent", `${TEST_CGROUP}/daemon`], image!.dir);
  const docker = (...args: string[]) => d!.docker(DOCKER_28, args);
  const relative = `${TEST_CGROUP.replace(/^\/+/, "")}/per-container/jobs`;
  const cgroupLine = ok(docker("run", "--rm", "--cgroup-parent", relative, "--memory", "64m", "busybox", "sh", "-c", "grep :memory: /proc/self/cgroup"));
  expect(cgroupLine).toMatch(new RegExp(`:memory:/${relative}/[0-9a-f]{64}\\n$`));
  ok(docker("run", "-d", "--name", "placed", "--cgroup-parent", `/${relative}`, "busybox", "sleep", "1000"));
  expect(ok(docker("inspect", "-f", "{{.HostConfig.CgroupParent}}", "placed"))).toBe(`/${relative}\n`);
  expect(ok(docker("stats", "--no-stream", "--format", "{{.MemUsage}}", "placed"))).toMatch(/^[\d.]+[KMG]iB \//);
  expect(present(`/${relative}`)).toBeGreaterThan(0);
  ok(docker("rm", "-f", "placed"));
  expect(present(`/${relative}`)).toBe(0);
  const bad = docker("run", "--rm", "--cgroup-parent", "../escape", "busybox", "true");
  expect([bad.status, bad.stderr.includes('invalid cgroup parent "../escape"')]).toEqual([125, true]);
  await stopClean(d);
  d = undefined;
  for (const dir of dirsOf(`${TEST_CGROUP}/per-container`)) if (existsSync(dir)) rmdirSync(dir);
});
