// The container service with real containers: an image store holding a busybox image, the
// runtime in-process (and runc), each container under its monitor. Create, start, wait, logs,
// attach, stop, kill, --rm, remove, and a daemon restart that finds running containers again.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { isSkiffError, type SkiffError } from "../src/common/errors.ts";
import { ContainerEvents, type ContainerEvent } from "../src/engine/containers/events.ts";
import { ContainerService } from "../src/engine/containers/service.ts";
import { ImageStore } from "../src/engine/images/index.ts";
import { MetadataDb } from "../src/engine/metadata/index.ts";
import { TEST_BIP, TEST_BRIDGE, TEST_CGROUP } from "./harness/leaks.ts";
import { execFileSync } from "node:child_process";
import { busyboxRootfs } from "./harness/oci.ts";
import { removeDir, tempDir } from "./harness/skiffd.ts";

let dir: string;
let meta: MetadataDb;
let images: ImageStore;
let events: ContainerEvents;
let seen: ContainerEvent[] = [];
let svc: ContainerService;

const service = () => new ContainerService({ dataRoot: join(dir, "data"), execRoot: join(dir, "exec"), images, metadata: meta, events, cgroupParent: TEST_CGROUP, defaultBridge: { device: TEST_BRIDGE, bip: TEST_BIP } });

async function failure(p: Promise<unknown> | (() => unknown)): Promise<SkiffError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    if (isSkiffError(e)) return e;
    throw e;
  }
  throw new Error("expected a failure");
}

async function logText(id: string, o: { follow?: boolean } = {}): Promise<string> {
  let out = "";
  for await (const e of svc.logs(id, { stdout: true, stderr: true, ...o })) out += `${e.stream}:${e.line.toString()}`;
  return out;
}

beforeAll(async () => {
  dir = tempDir("engine");
  meta = new MetadataDb(join(dir, "data"));
  images = new ImageStore({ dataRoot: join(dir, "data"), metadata: meta, unpackWorkers: 0 });
  // the busybox rootfs of the runtime tests (every applet linked, /etc/passwd) as an image
  const tar = join(dir, "busybox.tar");
  execFileSync("tar", ["-C", busyboxRootfs(), "-cf", tar, "."]);
  await images.importRootfs(createReadStream(tar), { repo: "busybox", tag: "latest", changes: ['CMD ["sh"]'] });
  events = new ContainerEvents();
  events.on((e) => seen.push(e));
  svc = service();
});

afterAll(async () => {
  for (const r of svc?.list() ?? []) await svc.remove(r.id, { force: true }).catch(() => undefined);
  svc?.close();
  await images?.close();
  removeDir(dir);
});

for (const runtime of ["skiff", "runc"]) {
  describe(`containers with the ${runtime} runtime`, () => {
    test("run a command: exit code, both streams in the log, inspect, remove leaves nothing", async () => {
      seen = [];
      const r = svc.create({ image: "busybox", options: { cmd: ["sh", "-c", "echo hello; echo oops >&2; exit 3"], runtime } });
      expect(r.state.status).toBe("created");
      expect([r.path, r.args]).toEqual(["sh", ["-c", "echo hello; echo oops >&2; exit 3"]]);
      const waited = svc.wait(r.id, "next-exit");
      expect(await svc.start(r.id)).toBe("started");
      expect(await waited).toEqual({ exitCode: 3 });
      const after = svc.inspect(r.name);
      expect([after.state.status, after.state.exitCode, after.state.pid]).toEqual(["exited", 3, 0]);
      expect(await logText(r.id)).toBe("stdout:hello\nstderr:oops\n");
      expect(seen.map((e) => e.action)).toEqual(["create", "start", "die"]);
      expect(seen.at(-1)!.attributes).toMatchObject({ exitCode: "3", name: r.name, image: "busybox" });
      await svc.remove(r.id);
      expect((await failure(() => svc.inspect(r.id))).kind).toBe("not_found");
      expect(existsSync(r.files.stateDir) || existsSync(r.files.logPath)).toBe(false);
    });

    test("stop: the stop signal, then SIGKILL after the timeout", async () => {
      const r = svc.create({ image: "busybox", options: { cmd: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"], runtime } });
      await svc.start(r.id);
      const started = performance.now();
      expect(await svc.stop(r.id, 1)).toBe("stopped");
      expect(performance.now() - started).toBeGreaterThan(900);
      expect(svc.inspect(r.id).state).toMatchObject({ status: "exited", exitCode: 137 });
      expect(await svc.stop(r.id, 1)).toBe("already");
      await svc.remove(r.id);
    });

    test("rm of a running container needs force; --rm removes it once it has exited", async () => {
      const r = svc.create({ image: "busybox", options: { cmd: ["sleep", "60"], runtime } });
      await svc.start(r.id);
      const e = await failure(svc.remove(r.id));
      expect([e.code, e.kind]).toEqual(["ENGINE_CONTAINER_RUNNING", "conflict"]);
      await svc.remove(r.id, { force: true });
      const auto = svc.create({ image: "busybox", options: { cmd: ["true"], autoRemove: true, runtime } });
      const gone = svc.wait(auto.id, "removed");
      await svc.start(auto.id);
      await gone;
      expect((await failure(() => svc.inspect(auto.id))).kind).toBe("not_found");
      // (removed is answered before the --rm container's network detach ends, as dockerd's: its
      // veth may still be going when the test's leak check looks; the full suite caught it once)
      await svc.settle(3000);
    });

    test("attach: stdin in, stdout out (multiplexed frames)", async () => {
      const r = svc.create({ image: "busybox", options: { cmd: ["sh", "-c", "read line; echo got:$line"], openStdin: true, runtime } });
      await svc.start(r.id);
      const s = await svc.attach(r.id, { stdin: true, stdout: true, stderr: true, multiplex: true });
      let got = Buffer.alloc(0);
      s.on("data", (d: Buffer) => (got = Buffer.concat([got, d])));
      const ended = new Promise((res) => s.on("end", res));
      s.write("hi there\n");
      await ended; // the container exited and its output is drained: the monitor ends its side
      s.end();
      expect(got.subarray(0, 8)).toEqual(Buffer.from([1, 0, 0, 0, 0, 0, 0, 13]));
      expect(got.subarray(8).toString()).toBe("got:hi there\n");
      expect(await svc.wait(r.id)).toEqual({ exitCode: 0 });
      await svc.remove(r.id);
    });
  });
}

test("a daemon restart: running containers are followed again, and their exit is recorded", async () => {
  const r = svc.create({ image: "busybox", options: { cmd: ["sh", "-c", "echo before; sleep 60"] } });
  await svc.start(r.id);
  // (its first line logged before the daemon goes: the kill below must not race the echo)
  for (let i = 0; i < 200 && !(await logText(r.id)).includes("before"); i++) await Bun.sleep(10);
  svc.close(); // the daemon goes; the container stays under its monitor
  svc = service();
  await svc.restore();
  expect(svc.inspect(r.id).state.status).toBe("running");
  const waited = svc.wait(r.id);
  await svc.kill(r.id, "KILL");
  expect(await waited).toEqual({ exitCode: 137 });
  expect(await logText(r.id)).toBe("stdout:before\n");
  await svc.remove(r.id);
});

test("bad input: an unknown image, a name in use, an unknown runtime, a stopped container's kill", async () => {
  expect((await failure(() => svc.create({ image: "nope:1", options: {} }))).code).toBe("ENGINE_IMAGE_NOT_FOUND");
  const a = svc.create({ image: "busybox", name: "taken", options: { cmd: ["true"] } });
  const e = await failure(() => svc.create({ image: "busybox", name: "taken", options: { cmd: ["true"] } }));
  expect([e.kind, e.message]).toEqual(["conflict", `Conflict. The container name "/taken" is already in use by container "${a.id}". You have to remove (or rename) that container to be able to reuse that name.`]);
  expect((await failure(() => svc.create({ image: "busybox", options: { runtime: "nope" } }))).code).toBe("ENGINE_RUNTIME_UNKNOWN");
  expect((await failure(svc.kill(a.id))).message).toBe(`Container ${a.id} is not running`);
  await svc.remove(a.id);
  expect(readdirSync(join(dir, "exec", "containers"))).toEqual([]);
});

test("an image a container uses is kept: rmi refused without force, untagged only with it, never pruned", async () => {
  const { id: imageId } = images.containerDefaults("busybox");
  images.tag("busybox", "spare", "1");
  const c = svc.create({ image: "spare:1", options: { cmd: ["true"] } });
  // another tag names it: untagging one is fine, as docker
  expect(images.remove("busybox:latest")).toEqual([{ Untagged: "busybox:latest" }]);
  const e = await failure(() => images.remove("spare:1"));
  expect([e.code, e.kind, e.message]).toEqual(["ENGINE_IMAGE_IN_USE", "conflict", `conflict: unable to remove repository reference "spare:1" (must force) - container ${c.id.slice(0, 12)} is using its referenced image ${imageId.slice(7, 19)}`]);
  expect((await failure(() => images.remove(imageId))).message).toBe(`conflict: unable to delete ${imageId.slice(7, 19)} (must be forced) - image is being used by stopped container ${c.id.slice(0, 12)}`);
  expect(images.remove("spare:1", { force: true })).toEqual([{ Untagged: "spare:1" }]);
  expect(images.prune({ all: true }).ImagesDeleted).toEqual([]);
  expect(images.containerDefaults(imageId).id).toBe(imageId);
  await svc.remove(c.id);
  images.tag(imageId, "busybox", "latest");
});
