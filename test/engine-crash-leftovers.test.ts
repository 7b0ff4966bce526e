// What a daemon killed at a bad moment leaves in a container's directories, met by the next
// daemon's container service: each case is the leftover made by hand, as the killed daemon left
// it, then the container is started, stopped and removed (or restored) and nothing may stay: no
// mount, no state dir, no record, or the record kept with its files when they cannot go.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mountsUnder } from "../src/common/mounts.ts";
import { mount } from "../src/common/sys.ts";
import { ContainerEvents } from "../src/engine/containers/events.ts";
import { ContainerService } from "../src/engine/containers/service.ts";
import { ImageStore } from "../src/engine/images/index.ts";
import { MetadataDb } from "../src/engine/metadata/index.ts";
import { CliRuntime } from "../src/runtime/cli-runtime.ts";
import { TEST_BIP, TEST_BRIDGE, TEST_CGROUP } from "./harness/leaks.ts";
import { busyboxRootfs } from "./harness/oci.ts";
import { removeDir, tempDir } from "./harness/skiffd.ts";

let dir: string;
let meta: MetadataDb;
let images: ImageStore;
let svc: ContainerService;

const service = () => new ContainerService({ dataRoot: join(dir, "data"), execRoot: join(dir, "exec"), images, metadata: meta, events: new ContainerEvents(), cgroupParent: TEST_CGROUP, defaultBridge: { device: TEST_BRIDGE, bip: TEST_BIP } });

beforeAll(async () => {
  dir = tempDir("engine-crash");
  meta = new MetadataDb(join(dir, "data"));
  images = new ImageStore({ dataRoot: join(dir, "data"), metadata: meta, unpackWorkers: 0 });
  const tar = join(dir, "busybox.tar");
  execFileSync("tar", ["-C", busyboxRootfs(), "-cf", tar, "."]);
  await images.importRootfs(createReadStream(tar), { repo: "busybox", tag: "latest", changes: ['CMD ["sh"]'] });
  svc = service();
});

afterAll(async () => {
  for (const r of svc?.list() ?? []) await svc.remove(r.id, { force: true }).catch(() => undefined);
  svc?.close();
  await images?.close();
  for (const p of mountsUnder(dir).reverse()) execFileSync("umount", ["-l", p]);
  removeDir(dir);
});

/** The container's overlay rootfs mounted on its bundle's rootfs on the host, as the runc
 *  runtime's create mounts it; returns the mount point. */
function mountRootfsByHand(id: string, imageId: string, bundle: string): string {
  const m = images.mountsFor(imageId, id);
  const at = join(bundle, "rootfs");
  const back = process.cwd();
  try {
    if (m.cwd) process.chdir(m.cwd);
    mount(m.source, at, m.type, 0, m.data);
  } finally {
    process.chdir(back);
  }
  return at;
}

const TRAP = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"];

test("runc: a rootfs mount a daemon killed in the mount call left, named nowhere, is undone: start, stop and rm leave nothing", async () => {
  const r = svc.create({ image: "busybox", options: { cmd: TRAP, runtime: "runc" } });
  // the killed daemon's mount: made, but not recorded (SIGKILL met it in the mount call)
  const at = mountRootfsByHand(r.id, r.imageId, r.files.bundle);
  expect(mountsUnder(at)).toEqual([at]);
  svc.close();
  svc = service();
  await svc.restore();
  expect(svc.inspect(r.id).state.status).toBe("created");
  expect(await svc.start(r.id)).toBe("started");
  // one rootfs, not one over the other on the same upper dir
  expect(mountsUnder(at)).toEqual([at]);
  expect(await svc.stop(r.id, 5)).toBe("stopped");
  await svc.remove(r.id);
  expect([mountsUnder(dir), existsSync(r.files.stateDir), existsSync(join(r.files.logPath, "..")), svc.list().map((c) => c.id)]).toEqual([[], false, false, []]);
});

test("runc: a rootfs mount named in its record with no runc container (a create cut short) goes at restore, at start and at rm", async () => {
  for (const when of ["restore", "start", "rm"] as const) {
    const r = svc.create({ image: "busybox", options: { cmd: TRAP, runtime: "runc" } });
    // the runtime's record of the mount, made before the mount (cli-runtime.ts), and a monitor
    // socket's name for restore to see a start cut short
    const at = mountRootfsByHand(r.id, r.imageId, r.files.bundle);
    const scratch = join(dir, "exec/runtime/runc/.skiff", r.id);
    mkdirSync(scratch, { recursive: true });
    writeFileSync(join(scratch, "rootfs-mount"), at);
    if (when === "restore") writeFileSync(join(r.files.stateDir, "monitor.sock"), "");
    svc.close();
    svc = service();
    await svc.restore();
    if (when === "restore") expect([when, mountsUnder(at)]).toEqual([when, []]);
    if (when === "start") {
      await svc.start(r.id);
      expect([when, mountsUnder(at)]).toEqual([when, [at]]);
      await svc.stop(r.id, 5);
    }
    await svc.remove(r.id);
    expect([when, mountsUnder(dir), existsSync(r.files.stateDir), existsSync(scratch)]).toEqual([when, [], false, false]);
  }
});

test("the runc runtime's delete of a container runc never made (create cut short) still takes its rootfs mount, without --force too", async () => {
  const r = svc.create({ image: "busybox", options: { cmd: TRAP, runtime: "runc" } });
  const rt = new CliRuntime("runc", join(dir, "exec/runtime/runc"));
  const at = mountRootfsByHand(r.id, r.imageId, r.files.bundle);
  const scratch = join(dir, "exec/runtime/runc/.skiff", r.id);
  mkdirSync(scratch, { recursive: true });
  writeFileSync(join(scratch, "rootfs-mount"), at);
  await rt.delete(r.id);
  expect([mountsUnder(at), existsSync(scratch)]).toEqual([[], false]);
  await svc.remove(r.id);
});

test("rm of a container whose state dir holds a dead overlay (its upper dir gone) removes the dir, never reports a removal that left it", async () => {
  const r = svc.create({ image: "busybox", options: { cmd: TRAP, runtime: "runc" } });
  const at = mountRootfsByHand(r.id, r.imageId, r.files.bundle);
  // (the layer removed under the mount: the overlay then answers ENOENT, which rmSync's force hid)
  images.removeContainerLayer(r.id);
  await svc.remove(r.id);
  expect([mountsUnder(at), existsSync(r.files.stateDir), svc.list().length]).toEqual([[], false, 0]);
});

test("a state dir no record names, with a mount in it (a create cut short before its record), goes at restore", async () => {
  const r = svc.create({ image: "busybox", options: { cmd: TRAP, runtime: "runc" } });
  const at = mountRootfsByHand(r.id, r.imageId, r.files.bundle);
  meta.db.query("DELETE FROM containers WHERE id = ?").run(r.id);
  svc.close();
  svc = service();
  await svc.restore();
  expect([mountsUnder(at), existsSync(r.files.stateDir), readdirSync(join(dir, "exec/containers"))]).toEqual([[], false, []]);
  images.removeContainerLayer(r.id);
});
