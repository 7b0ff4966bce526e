import { afterAll, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { deleteContainer } from "./lifecycle.ts";
import { StateStore } from "./state-store.ts";

const root = `/tmp/skiff-test-${process.pid}/lifecycle`;
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("delete of a create cut short (its directory reserved, no state.json yet) removes the directory, as runc does; --force answers 0, else 'does not exist'", async () => {
  const store = new StateStore(root);
  store.reserve("cut1");
  await deleteContainer(store, "cut1", true);
  expect(existsSync(store.dir("cut1"))).toBe(false);
  store.reserve("cut1"); // the id can be created again
  store.reserve("cut2");
  await expect(deleteContainer(store, "cut2", false)).rejects.toThrow(/container does not exist/);
  expect(existsSync(store.dir("cut2"))).toBe(false);
  await deleteContainer(store, "never-made", true);
});

test("delete after a create that died amid its cgroup mkdirs removes what was made of the recorded intent, and only that", async () => {
  const { mkdirSync } = await import("node:fs");
  const { missingCgroupDirs } = await import("./cgroups/manager.ts");
  const store = new StateStore(root);
  const cg = `${root}/cgfs`;
  mkdirSync(`${cg}/memory/parent`, { recursive: true }); // a parent that is not the container's
  mkdirSync(`${cg}/pids`, { recursive: true });
  const dirs = [`${cg}/memory/parent/c1`, `${cg}/pids/parent/c1`];
  const intent = missingCgroupDirs(dirs);
  expect(intent).toEqual([`${cg}/memory/parent/c1`, `${cg}/pids/parent`, `${cg}/pids/parent/c1`]);
  mkdirSync(`${cg}/memory/parent/c1`); // the daemon died after the first mkdir
  store.reserve("c1");
  store.write({ id: "c1", pid: 0, startTime: 0, bundle: "/b", rootfs: "/b/rootfs", created: "", annotations: {}, cgroupPath: "/parent/c1", cgroupDirs: dirs, cgroupCreated: intent, creator: 0, hooks: {} });
  await deleteContainer(store, "c1", true);
  expect([existsSync(`${cg}/memory/parent/c1`), existsSync(`${cg}/memory/parent`), existsSync(store.dir("c1"))]).toEqual([false, true, false]);
});
