// The monitor on the engine's own path: the container service (in a process of its own, as
// skiffd) starts a container with the in-process runtime, whose executor is the monitor's create
// command, and is killed with -9 between the executor's exit and the pid file it writes after
// it. The init it made waits, created, under the monitor; the runtime deletes it (as a later
// rm -f does). No engine follows the monitor any more: it must reap the init and end on its own,
// its container's exit recorded as unknown.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, createReadStream, existsSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { ContainerEvents } from "../src/engine/containers/events.ts";
import { ContainerService } from "../src/engine/containers/service.ts";
import { PID_FILE_WAIT_MS } from "../src/engine/containers/monitor/command.ts";
import { NO_INIT_STATUS } from "../src/engine/containers/monitor/protocol.ts";
import { readExitFile } from "../src/engine/containers/monitor/index.ts";
import { InProcessRuntime } from "../src/runtime/in-process-runtime.ts";
import { ImageStore } from "../src/engine/images/index.ts";
import { MetadataDb } from "../src/engine/metadata/index.ts";
import { TEST_BIP, TEST_BRIDGE, TEST_CGROUP } from "./harness/leaks.ts";
import { childrenOf, until } from "./harness/monitor.ts";
import { busyboxRootfs, REPO } from "./harness/oci.ts";
import { removeDir, tempDir } from "./harness/skiffd.ts";

let dir: string;

const open = () => {
  const meta = new MetadataDb(join(dir, "data"));
  const images = new ImageStore({ dataRoot: join(dir, "data"), metadata: meta, unpackWorkers: 0 });
  const svc = new ContainerService({ dataRoot: join(dir, "data"), execRoot: join(dir, "exec"), images, metadata: meta, events: new ContainerEvents(), cgroupParent: TEST_CGROUP, defaultBridge: { device: TEST_BRIDGE, bip: TEST_BIP } });
  return { images, svc };
};

beforeAll(async () => {
  dir = tempDir("engine-monitor");
  const { images, svc } = open();
  const tar = join(dir, "busybox.tar");
  execFileSync("tar", ["-C", busyboxRootfs(), "-cf", tar, "."]);
  await images.importRootfs(createReadStream(tar), { repo: "busybox", tag: "latest", changes: ['CMD ["sh"]'] });
  svc.close();
  await images.close();
});

afterAll(() => removeDir(dir));

/** skiff-monitor processes working in `stateDir`. */
function monitorsIn(stateDir: string): number[] {
  const out: number[] = [];
  for (const p of execFileSync("ls", ["/proc"]).toString().split("\n").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readlinkSync(`/proc/${p}/exe`).endsWith("skiff-monitor") && readlinkSync(`/proc/${p}/cwd`) === stateDir) out.push(Number(p));
    } catch {}
  }
  return out;
}

const alive = (pid: number) => {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

test(
  "the engine killed between its executor's exit and the pid file: the monitor reaps the init and ends on its own, the exit recorded as unknown",
  async () => {
    // the engine, as skiffd runs it: create and start a container
    const script = join(dir, "engine.ts");
    writeFileSync(
      script,
      `import { writeFileSync } from "node:fs";
       import { join } from "node:path";
       import { ContainerEvents } from ${JSON.stringify(join(REPO, "src/engine/containers/events.ts"))};
       import { ContainerService } from ${JSON.stringify(join(REPO, "src/engine/containers/service.ts"))};
       import { ImageStore } from ${JSON.stringify(join(REPO, "src/engine/images/index.ts"))};
       import { MetadataDb } from ${JSON.stringify(join(REPO, "src/engine/metadata/index.ts"))};
       const [dir, cgroupParent] = process.argv.slice(2);
       const meta = new MetadataDb(join(dir, "data"));
       const images = new ImageStore({ dataRoot: join(dir, "data"), metadata: meta, unpackWorkers: 0 });
       const svc = new ContainerService({ dataRoot: join(dir, "data"), execRoot: join(dir, "exec"), images, metadata: meta, events: new ContainerEvents(), cgroupParent });
       const r = svc.create({ image: "busybox", options: { cmd: ["true"], network: "none" } });
       writeFileSync(join(dir, "container"), r.id);
       writeFileSync(join(dir, "engine.pid"), process.pid + "\\n");
       await svc.start(r.id);
       writeFileSync(join(dir, "started"), "");`,
    );
    // the create command: the runtime's executor, after whose exit the engine is stopped (then
    // killed) before it can write the pid file (it waits for the init's ready first)
    const wrapper = join(dir, "executor.sh");
    writeFileSync(
      wrapper,
      `#!/bin/sh
       ${join(REPO, "native/build/skiff-exec")} "$@"
       status=$?
       read pid < ${dir}/engine.pid
       kill -STOP $pid
       : > ${dir}/stopped
       exit $status
      `,
    );
    chmodSync(wrapper, 0o755);
    const engine = Bun.spawn([process.execPath, script, dir, TEST_CGROUP], { env: { ...process.env, SKIFF_EXEC: wrapper }, stdout: "inherit", stderr: "inherit" });
    try {
      await until("the executor to exit and the engine to be stopped", () => existsSync(join(dir, "stopped")) || engine.exitCode !== null, 30_000);
    } finally {
      engine.kill("SIGKILL");
    }
    await engine.exited;
    expect(existsSync(join(dir, "started"))).toBe(false);

    const id = readFileSync(join(dir, "container"), "utf8");
    const stateDir = join(dir, "exec/containers", id);
    expect(existsSync(join(stateDir, "init.pid"))).toBe(false);
    const [monitor] = monitorsIn(stateDir);
    expect(monitor).toBeGreaterThan(0);
    try {
      // the init made so far waits for start (or fails on the engine's closed socket); the
      // runtime ends what is left of it (its cgroup's processes)
      await new InProcessRuntime(join(dir, "exec/runtime/skiff")).delete(id, { force: true });
      // no engine comes back: the monitor alone must reap the init and end
      await until("the monitor to end on its own", () => !alive(monitor!), PID_FILE_WAIT_MS + 15_000).catch((e: Error) => {
        throw new Error(`${e.message}: its children: ${JSON.stringify(childrenOf(monitor!))}`);
      });
      expect(readExitFile(join(stateDir, "exit"))).toMatchObject({ status: NO_INIT_STATUS, exitCode: 255 });
      expect(readFileSync(join(stateDir, "monitor.log"), "utf8")).toMatch(/no pid file named the container's process within \d+ ms/);
      expect(existsSync(join(stateDir, "monitor.sock"))).toBe(false);
    } finally {
      if (alive(monitor!)) process.kill(monitor!, "SIGKILL");
      // the next daemon's removal takes what the runtime made (its state, the cgroup)
      const { images, svc } = open();
      await svc.remove(id, { force: true });
      svc.close();
      await images.close();
    }
  },
  PID_FILE_WAIT_MS + 60_000,
);
